/**
 * Key provider under concurrency: 10,000 concurrent `getKey()` calls on a provider that holds no
 * key yet should cost the platform one request, and take little longer than that one request.
 * The yardstick is a single `provisionKey` call through a fresh client.
 *
 *   node bench/key-provider.mjs [--quick]
 */
import { importCore, importMockPlatform, isMain, printRows, readFlags, times } from './report.mjs';
import { alternate, describeSamples, median, pairedRatio, timed } from './sampling.mjs';

const CALLERS = 10_000;
const TOKEN = 'bench-token';
const ORGANIZATION = 'acme';

/** Measures the provider and resolves with table rows and detail lines. */
export async function measureKeyProvider({ quick = false } = {}) {
  const core = await importCore();

  const { startMockPlatform } = await importMockPlatform();
  const platform = await startMockPlatform({ tokens: [TOKEN] });
  const requestsPerProvider = [];
  try {
    const samples = await alternate(
      {
        provider: async () => {
          const before = platform.requests.length;
          const provider = core.createKeyProvider({
            token: TOKEN,
            apiUrl: platform.url,
            organization: ORGANIZATION,
            clientId: 'bench-key-provider',
          });
          try {
            return await timed(async () => {
              const keys = await Promise.all(
                Array.from({ length: CALLERS }, () => provider.getKey()),
              );
              if (keys.some((key) => !key.apiKey)) throw new Error('a caller got no key');
            });
          } finally {
            provider.close();
            requestsPerProvider.push(platform.requests.length - before);
          }
        },
        singleCall: async () => {
          const client = core.createClient({ token: TOKEN, apiUrl: platform.url });
          try {
            return await timed(() =>
              client.provisionKey({ organization: ORGANIZATION, clientId: 'bench-single-call' }),
            );
          } finally {
            client.close();
          }
        },
      },
      { rounds: quick ? 5 : 20, warmup: 2 },
    );

    const requests = Math.max(...requestsPerProvider);
    const ratio = pairedRatio(samples.provider, samples.singleCall);
    const rows = [
      {
        benchmark: `5. Key provider: ${CALLERS} concurrent getKey(), requests`,
        measured: `${requests}`,
        yardstick: '–',
        ratio: `${requests}`,
        goal: 'exactly 1',
        met: requests === 1,
      },
      {
        benchmark: '5. Key provider: time to serve all',
        measured: `${median(samples.provider).toFixed(1)} ms`,
        yardstick: `one provisionKey call ${median(samples.singleCall).toFixed(1)} ms`,
        ratio: times(ratio),
        goal: 'report only',
        met: undefined,
      },
    ];
    const details = [
      `${CALLERS} getKey() on a cold provider: ${describeSamples(samples.provider)}`,
      `one provisionKey on a fresh client:  ${describeSamples(samples.singleCall)}`,
      `platform requests per provider: ${[...new Set(requestsPerProvider)].join(', ')}`,
    ];
    return { rows, details, samples };
  } finally {
    await platform.close();
  }
}

if (isMain(import.meta.url)) {
  const { rows, details } = await measureKeyProvider(readFlags());
  printRows('Key provider under concurrency', rows, details);
}

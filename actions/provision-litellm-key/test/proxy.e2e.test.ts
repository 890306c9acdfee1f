import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAction } from '@provision-litellm-key/action-harness';
import {
  type ConnectProxy,
  type MockPlatform,
  startConnectProxy,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TOKEN = 'dn_proxy_token_41c2';
// A name that never resolves: only the proxy can get the request anywhere.
const PLATFORM_BEHIND_PROXY = 'http://platform.invalid';

let platform: MockPlatform | undefined;
let proxy: ConnectProxy | undefined;

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm run build" first`);
});
afterEach(async () => {
  await proxy?.close();
  await platform?.close();
  proxy = undefined;
  platform = undefined;
});

function runThroughProxy(apiUrl: string, proxyUrl: string, timeoutSeconds = '60') {
  return runAction({
    entry: BUNDLE,
    inputs: {
      organization: 'acme',
      'api-token': TOKEN,
      'api-url': apiUrl,
      'allow-insecure-http': 'true',
      'timeout-seconds': timeoutSeconds,
    },
    env: { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, RUNNER_DEBUG: '1' },
    timeoutMs: 30_000,
  });
}

describe('a self-hosted runner behind a proxy', () => {
  it('reaches the platform through the proxy named by HTTP_PROXY', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    proxy = await startConnectProxy({ targetPort: Number(new URL(platform.url).port) });

    const result = await runThroughProxy(
      `${PLATFORM_BEHIND_PROXY}:${new URL(platform.url).port}`,
      proxy.url,
    );

    expect(result.exitCode).toBe(0);
    expect(proxy.connects.map(({ target }) => target)).toEqual([
      `platform.invalid:${new URL(platform.url).port}`,
    ]);
    expect(result.exported.LITELLM_API_KEY).toBe(platform.keys[0]?.apiKey);
  });

  it('ends within its time limit when the proxy never answers, exporting nothing', async () => {
    proxy = await startConnectProxy();

    const result = await runThroughProxy(`${PLATFORM_BEHIND_PROXY}:8080`, proxy.url, '2');

    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/^::error::No usable answer within the 2 s time limit/m);
    expect(result.files.env).toBe('');
  });
});

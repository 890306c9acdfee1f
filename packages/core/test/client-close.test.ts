import { type MockPlatform, startMockPlatform } from '@provision-litellm-key/mock-platform';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, createClient } from '../src/index.js';

// Not taken from the nock fixtures: importing nock would put its interceptor between the client
// and the real sockets this file is about.
const TOKEN = 'dn_close_test_token_9a4e';

let platform: MockPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

describe('closing a client', () => {
  it('ends a call still waiting on the platform, and the client still works afterwards', async () => {
    // The first request is never answered; later ones are.
    platform = await startMockPlatform({
      tokens: { [TOKEN]: ['acme'] },
      respond: (_request, index) => (index === 0 ? { status: 200, stall: true } : undefined),
    });
    const client = createClient({
      token: TOKEN,
      apiUrl: platform.url,
      // Far beyond the test's own limit: only close() can end the first call in time.
      timeoutMs: 120_000,
      deadlineMs: 300_000,
    });

    const stalled = client
      .provisionKey({ organization: 'acme', clientId: 'job-1' })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(platform?.requests).toHaveLength(1));
    client.close();

    const failure = await stalled;
    expect(failure).toBeInstanceOf(AbortedError);
    expect(platform.requests).toHaveLength(1);

    const key = await client.provisionKey({ organization: 'acme', clientId: 'job-2' });
    client.close();
    expect(key.apiKey).toBe(platform.keys[0]?.apiKey);
  });

  it('ends a call waiting out a rate limit at once, without another request', async () => {
    platform = await startMockPlatform({
      tokens: { [TOKEN]: ['acme'] },
      respond: () => ({
        status: 429,
        headers: { 'retry-after': '300' },
        body: { detail: 'Slow down' },
      }),
    });
    // Real clock: only close() can end a five-minute wait within the test's limit.
    const client = createClient({ token: TOKEN, apiUrl: platform.url, deadlineMs: 600_000 });

    const waiting = client
      .provisionKey({ organization: 'acme', clientId: 'job-1' })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(platform?.requests).toHaveLength(1));
    await new Promise((resolve) => setImmediate(resolve));
    client.close();

    const failure = await waiting;
    expect(failure).toBeInstanceOf(AbortedError);
    expect((failure as AbortedError).message).toBe('Provisioning was cancelled');
    expect(platform.requests).toHaveLength(1);
  });
});

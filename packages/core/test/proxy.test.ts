import {
  type ConnectProxy,
  type MockPlatform,
  startConnectProxy,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyError, provisionKey } from '../src/index.js';

// Not taken from the nock fixtures: importing nock would put its interceptor between the client
// and the real sockets this file is about.
const TOKEN = 'dn_proxy_test_token_5e1d';
// Nothing resolves a .invalid name: a request for it gets anywhere only through the proxy, and
// every tunnel the test proxy opens leads to 127.0.0.1.
const HIDDEN_HOST = 'platform.invalid';

let platform: MockPlatform | undefined;
let proxy: ConnectProxy | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await proxy?.close();
  await platform?.close();
  proxy = undefined;
  platform = undefined;
});

function useProxy(url: string) {
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) {
    vi.stubEnv(name, url);
  }
  vi.stubEnv('NO_PROXY', '');
  vi.stubEnv('no_proxy', '');
}

function provisionThrough(apiUrl: string) {
  return provisionKey({
    token: TOKEN,
    apiUrl,
    allowInsecureHttp: true,
    organization: 'acme',
    clientId: 'job-1',
    maxAttempts: 2,
    timeoutMs: 5_000,
    clock: { sleep: async () => {}, random: () => 0 },
  });
}

describe('a client behind a proxy', () => {
  it('tunnels to the platform, sending the URL-encoded proxy credentials decoded', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    const platformPort = new URL(platform.url).port;
    proxy = await startConnectProxy({ targetPort: Number(platformPort) });
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = 'ci%40corp';
    proxyUrl.password = 'p%3Ass%20word';
    useProxy(proxyUrl.href);

    const key = await provisionThrough(`http://${HIDDEN_HOST}:${platformPort}`);

    expect(key.apiKey).toBe(platform.keys[0]?.apiKey);
    expect(proxy.connects.map(({ target }) => target)).toEqual([`${HIDDEN_HOST}:${platformPort}`]);
    const credentials = Buffer.from('ci@corp:p:ss word').toString('base64');
    expect(proxy.connects[0]?.headers['proxy-authorization']).toBe(`Basic ${credentials}`);
  });

  it('sends no credentials to a proxy whose URL has none', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    const platformPort = new URL(platform.url).port;
    proxy = await startConnectProxy({ targetPort: Number(platformPort) });
    useProxy(proxy.url);

    await provisionThrough(`http://${HIDDEN_HOST}:${platformPort}`);

    expect(proxy.connects).toHaveLength(1);
    expect(proxy.connects[0]?.headers).not.toHaveProperty('proxy-authorization');
  });

  it('goes straight to a platform on loopback, never through the proxy', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    proxy = await startConnectProxy({ refuseWith: 502 });
    useProxy(proxy.url);

    const key = await provisionThrough(platform.url);

    expect(key.apiKey).toBe(platform.keys[0]?.apiKey);
    expect(proxy.connects).toEqual([]);
  });

  it('stops at once with ProxyError when the proxy wants credentials (407)', async () => {
    proxy = await startConnectProxy({ refuseWith: 407 });
    useProxy(proxy.url);

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProxyError);
    expect(failure).toMatchObject({ proxyStatus: 407 });
    expect((failure as ProxyError).message).toContain(
      `The proxy refused a tunnel to ${HIDDEN_HOST}:8080 (HTTP 407)`,
    );
    expect((failure as ProxyError).hint).toMatch(/credentials/);
    expect(proxy.connects).toHaveLength(1);
  });

  it("retries a proxy's own failure (502), then reports it as ProxyError", async () => {
    proxy = await startConnectProxy({ refuseWith: 502 });
    useProxy(proxy.url);

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProxyError);
    expect(failure).toMatchObject({ proxyStatus: 502 });
    expect(proxy.connects).toHaveLength(2);
  });
});

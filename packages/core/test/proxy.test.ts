import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type ConnectProxy,
  type MockPlatform,
  startConnectProxy,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortedError,
  CertificateError,
  ConnectionError,
  createClient,
  ProxyError,
  provisionKey,
  TimeoutError,
} from '../src/index.js';

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

/** Names `url` as the proxy for both schemes, under the upper-case names alone. */
function useProxy(url: string) {
  vi.stubEnv('HTTP_PROXY', url);
  vi.stubEnv('HTTPS_PROXY', url);
  for (const name of ['http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) vi.stubEnv(name, '');
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

  it.each([
    [
      'without credentials',
      '',
      'The proxy wants credentials: put them in HTTP_PROXY (http://user:password@host:port).',
    ],
    [
      'with credentials it does not accept',
      'ci:wrong@',
      'The proxy did not accept the credentials in HTTP_PROXY; check the user name and password there.',
    ],
  ])('stops at once with ProxyError on a 407 %s', async (_case, credentials, hint) => {
    proxy = await startConnectProxy({ refuseWith: 407 });
    useProxy(proxy.url.replace('//', `//${credentials}`));

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProxyError);
    expect(failure).toMatchObject({ proxyStatus: 407, hint });
    expect((failure as ProxyError).message).toBe(
      `The proxy at ${new URL(proxy.url).host} (HTTP_PROXY) refused a tunnel to ${HIDDEN_HOST}:8080 (HTTP 407)`,
    );
    expect(JSON.stringify(failure)).not.toContain('wrong');
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

  it('keeps one tunnel open for many requests from one client', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    const platformPort = new URL(platform.url).port;
    proxy = await startConnectProxy({ targetPort: Number(platformPort) });
    useProxy(proxy.url);
    const client = createClient(clientOptions(`http://${HIDDEN_HOST}:${platformPort}`));

    try {
      for (let call = 0; call < 5; call += 1) {
        await client.provisionKey({ organization: 'acme', clientId: `job-${call}` });
      }
    } finally {
      client.close();
    }

    expect(platform.keys).toHaveLength(5);
    expect(proxy.connects).toHaveLength(1);
    expect(platform.connections()).toBe(1);
  });

  it('brackets an IPv6 platform address in the CONNECT', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });
    const platformPort = new URL(platform.url).port;
    proxy = await startConnectProxy({ targetPort: Number(platformPort) });
    useProxy(proxy.url);

    const key = await provisionThrough(`http://[fd00::beef]:${platformPort}`);

    expect(key.apiKey).toBe(platform.keys[0]?.apiKey);
    expect(proxy.connects.map(({ target }) => target)).toEqual([`[fd00::beef]:${platformPort}`]);
  });

  it('names the proxy, and the variable to fix, when the proxy cannot be reached', async () => {
    const closedPort = await releasedLoopbackPort();
    useProxy(`http://127.0.0.1:${closedPort}`);

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).toMatchObject({
      code: 'ECONNREFUSED',
      hint: 'Check HTTP_PROXY, or list the platform host in NO_PROXY.',
    });
    expect((failure as ConnectionError).message).toMatch(
      new RegExp(
        `^Could not reach the proxy at 127\\.0\\.0\\.1:${closedPort} \\(HTTP_PROXY\\): connection refused`,
      ),
    );
  });

  it('says so when the proxy does not speak HTTP', async () => {
    proxy = await startConnectProxy({ rawAnswer: 'SSH-2.0-OpenSSH_9.6\r\n' });
    useProxy(proxy.url);

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as ConnectionError).message).toMatch(
      /^Could not reach the proxy at 127\.0\.0\.1:\d+ \(HTTP_PROXY\): the answer is not valid HTTP \(HPE_/,
    );
  });

  it('gives up on a tunnel the proxy never opens, and closes its connection', async () => {
    proxy = await startConnectProxy();
    useProxy(proxy.url);
    const client = createClient({
      ...clientOptions(`http://${HIDDEN_HOST}:8080`),
      timeoutMs: 200,
      maxAttempts: 1,
    });

    const failure = await client
      .provisionKey({ organization: 'acme', clientId: 'job-1' })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as TimeoutError).message).toMatch(
      /^No tunnel from the proxy at 127\.0\.0\.1:\d+ \(HTTP_PROXY\) within 200 ms/,
    );
    expect((failure as TimeoutError).hint).toBe(
      'Check that the proxy in HTTP_PROXY is up and lets CONNECT through to the platform.',
    );
    // Without close(): the CONNECT is given up on its own, so nothing keeps the process alive.
    await proxy.idle();
    expect(proxy.openConnections()).toBe(0);
  });

  it('ends a call waiting for its tunnel when the client is closed', async () => {
    proxy = await startConnectProxy();
    useProxy(proxy.url);
    const client = createClient({
      ...clientOptions(`http://${HIDDEN_HOST}:8080`),
      timeoutMs: 120_000,
    });

    const pending = client
      .provisionKey({ organization: 'acme', clientId: 'job-1' })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(proxy?.connects).toHaveLength(1));
    client.close();

    expect(await pending).toBeInstanceOf(AbortedError);
    await proxy.idle();
    expect(proxy.connects).toHaveLength(1);
  });

  it('stops waiting for the tunnel as soon as the call is cancelled', async () => {
    proxy = await startConnectProxy();
    useProxy(proxy.url);
    // A tunnel left waiting would hold its connection for two minutes, far past the test's limit.
    const client = createClient({
      ...clientOptions(`http://${HIDDEN_HOST}:8080`),
      timeoutMs: 120_000,
    });
    const controller = new AbortController();

    const pending = client
      .provisionKey({ organization: 'acme', clientId: 'job-1', signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(proxy?.connects).toHaveLength(1));
    controller.abort();

    expect(await pending).toBeInstanceOf(AbortedError);
    await proxy.idle();
    client.close();
  });

  it('checks an https proxy’s certificate against the proxy’s own name', async () => {
    proxy = await startConnectProxy({
      targetPort: 9,
      tls: { key: fixture('proxy-localhost.key.pem'), cert: fixture('proxy-localhost.cert.pem') },
    });
    useProxy(proxy.url.replace('127.0.0.1', 'localhost'));

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    // Not trusted here, but not misnamed either: the check was made against "localhost".
    expect(failure).toBeInstanceOf(CertificateError);
    expect(failure).toMatchObject({
      code: expect.stringMatching(/^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/),
      hint:
        'Check HTTP_PROXY: use http:// for a proxy that does not speak TLS, or trust the ' +
        "proxy's certificate (NODE_EXTRA_CA_CERTS).",
    });
    expect((failure as CertificateError).message).toMatch(
      /^TLS connection to the proxy at localhost:\d+ \(HTTP_PROXY\) failed/,
    );
    expect(proxy.connects).toEqual([]);
  });

  it('names the proxy variable when an https:// proxy does not speak TLS', async () => {
    proxy = await startConnectProxy({ refuseWith: 502 });
    useProxy(proxy.url.replace('http:', 'https:'));

    const failure = await provisionThrough(`http://${HIDDEN_HOST}:8080`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(CertificateError);
    expect((failure as CertificateError).hint).toMatch(/^Check HTTP_PROXY: use http:\/\//);
  });

  it('runs TLS inside the tunnel, checking the platform certificate as without a proxy', async () => {
    const tlsPlatform = await startTlsPlatform();
    proxy = await startConnectProxy({ targetPort: tlsPlatform.port });
    useProxy(proxy.url);

    const failure = await provisionThrough(`https://${HIDDEN_HOST}:${tlsPlatform.port}`).catch(
      (e: unknown) => e,
    );
    await tlsPlatform.close();

    expect(failure).toBeInstanceOf(CertificateError);
    expect((failure as CertificateError).message).toMatch(
      new RegExp(
        `^TLS connection to ${HIDDEN_HOST}:${tlsPlatform.port} failed \\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\\)`,
      ),
    );
    expect(tlsPlatform.connections()).toBe(1);
    expect(proxy.connects.map(({ target }) => target)).toEqual([
      `${HIDDEN_HOST}:${tlsPlatform.port}`,
    ]);
  });
});

function clientOptions(apiUrl: string) {
  return {
    token: TOKEN,
    apiUrl,
    allowInsecureHttp: true,
    maxAttempts: 2,
    timeoutMs: 5_000,
    clock: { sleep: async () => {}, random: () => 0 },
  };
}

/** A loopback port the system handed out and that nothing listens on any more. */
async function releasedLoopbackPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url)));
}

/** An https server on 127.0.0.1 with a self-signed certificate for the hidden host name. */
async function startTlsPlatform() {
  let connections = 0;
  const server = createHttpsServer(
    { key: fixture('platform-invalid.key.pem'), cert: fixture('platform-invalid.cert.pem') },
    (_request, response) => response.writeHead(500).end(),
  );
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

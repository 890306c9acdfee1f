import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConnectProxy } from '@provision-litellm-key/mock-platform';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { requireBuiltBinary, run, TOKEN } from './built-binary.js';

// A self-signed certificate for platform.invalid, trusted by the child process alone through
// NODE_EXTRA_CA_CERTS. The name never resolves: only the loopback proxy can reach the server.
const CERTIFICATES = new URL('../../core/test/fixtures/tls/', import.meta.url);
const CERTIFICATE = fileURLToPath(new URL('platform-invalid.cert.pem', CERTIFICATES));
const PRIVATE_KEY = fileURLToPath(new URL('platform-invalid.key.pem', CERTIFICATES));
const KEY = 'sk-through-tunnel-4f2a9c';

beforeAll(requireBuiltBinary);

/** An https platform on 127.0.0.1 that mints a key for the test token; records its requests. */
async function startHttpsPlatform() {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const server = createHttpsServer(
    { key: readFileSync(PRIVATE_KEY), cert: readFileSync(CERTIFICATE) },
    (request, response) => {
      requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
      request.resume();
      const minted = request.headers.authorization === `Bearer ${TOKEN}`;
      response.writeHead(minted ? 201 : 401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          minted
            ? {
                api_key: KEY,
                base_url: 'https://gateway.invalid/v1',
                expires_at: new Date(Date.now() + 3_600_000).toISOString(),
              }
            : { detail: 'Invalid token' },
        ),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, requests };
}

/** Runs the CLI for a JSON key from the platform behind `proxyUrl`, trusting `trustedCa`. */
function mintThrough(platformPort: number, proxyUrl: string, trustedCa: string) {
  return run(
    ['--org', 'acme', '--api-url', `https://platform.invalid:${platformPort}`, '--format', 'json'],
    {
      env: { DREADNODE_API_TOKEN: TOKEN, HTTPS_PROXY: proxyUrl, NODE_EXTRA_CA_CERTS: trustedCa },
    },
  );
}

describe('an https platform behind a proxy', () => {
  it('mints a key over TLS inside the tunnel, checking the certificate against the trusted CA', async () => {
    const platform = await startHttpsPlatform();
    const proxy = await startConnectProxy({ targetPort: platform.port });
    onTestFinished(() => proxy.close());
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = 'ci';
    proxyUrl.password = 'proxy-secret';

    const outcome = await mintThrough(platform.port, proxyUrl.href, CERTIFICATE);

    expect(outcome.stderr).not.toContain('proxy-secret');
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ apiKey: KEY });
    expect(proxy.connects).toHaveLength(1);
    expect(proxy.connects[0]).toMatchObject({ target: `platform.invalid:${platform.port}` });
    expect(proxy.connects[0]?.headers['proxy-authorization']).toBe(
      `Basic ${Buffer.from('ci:proxy-secret').toString('base64')}`,
    );
    // The token travelled inside TLS to the platform, never to the proxy.
    expect(proxy.connects[0]?.headers).not.toHaveProperty('authorization');
    expect(platform.requests).toEqual([
      { url: '/api/v1/org/acme/inference/keys', authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it('reaches the platform through an https:// proxy, checking each certificate against its own name', async () => {
    const platform = await startHttpsPlatform();
    const proxy = await startConnectProxy({
      targetPort: platform.port,
      tls: {
        key: readFileSync(new URL('proxy-localhost.key.pem', CERTIFICATES)),
        cert: readFileSync(new URL('proxy-localhost.cert.pem', CERTIFICATES)),
      },
    });
    onTestFinished(() => proxy.close());
    // Both self-signed certificates in one bundle, as NODE_EXTRA_CA_CERTS takes it.
    const directory = mkdtempSync(join(tmpdir(), 'https-proxy-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const bundle = join(directory, 'trusted.pem');
    writeFileSync(
      bundle,
      Buffer.concat([
        readFileSync(CERTIFICATE),
        readFileSync(new URL('proxy-localhost.cert.pem', CERTIFICATES)),
      ]),
    );

    const outcome = await mintThrough(
      platform.port,
      proxy.url.replace('127.0.0.1', 'localhost'),
      bundle,
    );

    expect(outcome.stderr).toMatch(/^Provisioned/);
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ apiKey: KEY });
    expect(proxy.connects.map(({ target }) => target)).toEqual([
      `platform.invalid:${platform.port}`,
    ]);
  });

  it('refuses the platform when its certificate is not trusted, saying so in one line', async () => {
    const platform = await startHttpsPlatform();
    const proxy = await startConnectProxy({ targetPort: platform.port });
    onTestFinished(() => proxy.close());

    const outcome = await run(
      ['--org', 'acme', '--api-url', `https://platform.invalid:${platform.port}`],
      { env: { DREADNODE_API_TOKEN: TOKEN, HTTPS_PROXY: proxy.url } },
    );

    expect(outcome.code).not.toBe(0);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(
      new RegExp(
        `^provision-litellm-key: TLS connection to platform\\.invalid:${platform.port} failed`,
      ),
    );
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(platform.requests).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runAction } from '@provision-litellm-key/action-harness';
import { type MockPlatform, startMockPlatform } from '@provision-litellm-key/mock-platform';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TOKEN = 'dn_proxy_token_41c2';
// A name that never resolves: only the proxy can get the request anywhere.
const PLATFORM_BEHIND_PROXY = 'http://platform.invalid';

let platform: MockPlatform | undefined;
let proxy: { url: string; connects: string[]; close(): Promise<void> } | undefined;

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm run build" first`);
});
afterEach(async () => {
  await proxy?.close();
  await platform?.close();
  proxy = undefined;
  platform = undefined;
});

/**
 * A forward proxy on loopback that tunnels every CONNECT to `targetPort` on 127.0.0.1, whatever
 * host was asked for, or, when `targetPort` is undefined, accepts CONNECTs and never answers.
 */
async function startProxy(targetPort: number | undefined) {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connection', (socket) => sockets.add(socket));
  server.on('connect', (request, client: Socket) => {
    connects.push(request.url ?? '');
    if (targetPort === undefined) return;
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

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
    proxy = await startProxy(Number(new URL(platform.url).port));

    const result = await runThroughProxy(
      `${PLATFORM_BEHIND_PROXY}:${new URL(platform.url).port}`,
      proxy.url,
    );

    expect(result.exitCode).toBe(0);
    expect(proxy.connects).toEqual([`platform.invalid:${new URL(platform.url).port}`]);
    expect(result.exported.LITELLM_API_KEY).toBe(platform.keys[0]?.apiKey);
  });

  it('ends within its time limit when the proxy never answers, exporting nothing', async () => {
    proxy = await startProxy(undefined);

    const result = await runThroughProxy(`${PLATFORM_BEHIND_PROXY}:8080`, proxy.url, '2');

    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/^::error::No usable answer within the 2 s time limit/m);
    expect(result.files.env).toBe('');
  });
});

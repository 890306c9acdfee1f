import { Agent, request } from 'node:http';

import { describe, expect, it } from 'vitest';

import { startMockPlatform } from '../src/index.js';
import { isLoopbackHost } from '../src/loopback.js';
import { formatPythonUtc } from '../src/python-timestamp.js';
import { deferred, provision, startPlatform } from './platform-under-test.js';

/** Makes one request through `agent`, or on a connection of its own when it is `false`. */
function get(url: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('a started platform', () => {
  it('listens on a loopback port and reports its URLs without a trailing slash', async () => {
    const platform = await startPlatform();

    expect(platform.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(platform.gatewayUrl).toBe(`${platform.url}/litellm`);
  });

  it('counts one connection for requests a keep-alive client sends in sequence', async () => {
    const platform = await startPlatform();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });

    for (const path of ['/first', '/second', '/third']) {
      await get(`${platform.url}${path}`, agent);
    }
    agent.destroy();

    expect(platform.connections()).toBe(1);
  });

  it('counts a connection for each request that does not reuse one', async () => {
    const platform = await startPlatform();

    await get(`${platform.url}/first`, false);
    await get(`${platform.url}/second`, false);

    expect(platform.connections()).toBe(2);
  });

  it('sees fetch reuse connections across sequential provisioning calls', async () => {
    const platform = await startPlatform();

    for (let attempt = 0; attempt < 5; attempt += 1) {
      await (await provision(platform, { body: { client_id: `c${attempt}` } })).arrayBuffer();
    }

    // fetch may open a second socket while the first is still being released, so only
    // reuse itself is asserted, not an exact count.
    expect(platform.requests).toHaveLength(5);
    expect(platform.connections()).toBeLessThan(5);
  });

  // A close that waited for the stalled request would hang; the test timeout catches that.
  it('closes while a stalled request is open, ending that request', async () => {
    const arrived = deferred();
    const platform = await startMockPlatform({
      respond: () => {
        arrived.resolve();
        return { status: 200, stall: true };
      },
    });
    const stalled = provision(platform);
    stalled.catch(() => undefined);
    await arrived.promise;

    await platform.close();

    await expect(stalled).rejects.toThrow(TypeError);
    expect(platform.requests).toHaveLength(1);
  });

  it('stops accepting connections after close', async () => {
    const platform = await startMockPlatform();

    await platform.close();

    await expect(fetch(`${platform.url}/anything`)).rejects.toThrow(TypeError);
  });

  it('resolves a second close as well', async () => {
    const platform = await startMockPlatform();

    await platform.close();

    await expect(platform.close()).resolves.toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '10.0.0.1'])('refuses to bind to %s', async (host) => {
    await expect(startMockPlatform({ host })).rejects.toThrow(/non-loopback/);
  });

  it.each([0, 1.5, Number.NaN, 31_536_001, Number.MAX_SAFE_INTEGER])(
    'refuses a keyTtlSeconds of %s with a RangeError',
    async (keyTtlSeconds) => {
      const starting = startMockPlatform({ keyTtlSeconds });

      await expect(starting).rejects.toThrow(RangeError);
      await expect(starting).rejects.toThrow(
        `keyTtlSeconds must be a whole number from 1 to 31536000 (a year), got ${keyTtlSeconds}`,
      );
    },
  );
});

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.4.5.6', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '128.0.0.1', '127.0.0.1.example.test', ''])('rejects %j', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('formatPythonUtc', () => {
  it('keeps six fraction digits even when they are all zero', () => {
    expect(formatPythonUtc(Date.UTC(2026, 3, 15, 12, 0, 0))).toBe(
      '2026-04-15T12:00:00.000000+00:00',
    );
  });

  it('carries sub-millisecond time into the microseconds', () => {
    expect(formatPythonUtc(Date.UTC(2026, 3, 15, 12, 0, 0, 123) + 0.456)).toBe(
      '2026-04-15T12:00:00.123456+00:00',
    );
  });
});

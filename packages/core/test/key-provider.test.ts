import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  errorEnvelope,
  type MockPlatform,
  type MockPlatformOptions,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  type AttemptReport,
  CLIENT_ID_PATTERN,
  ConflictError,
  createKeyProvider,
  InternalServerError,
  InvalidInputError,
  type KeyProvider,
  type KeyProviderOptions,
} from '../src/index.js';

const START = Date.parse('2026-04-15T11:00:00Z');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// One fake clock drives both the provider and the mock platform, so keys expire when a test says.
let now = START;
const cleanups: Array<() => unknown> = [];

beforeEach(() => {
  now = START;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A mock platform on loopback whose provisioning can be switched to fail mid-test. */
async function startPlatform(options: MockPlatformOptions = {}) {
  let failing = false;
  const platform = await startMockPlatform({
    keyTtlSeconds: HOUR / SECOND,
    now: () => now,
    respond: () =>
      failing ? { status: 500, body: errorEnvelope(500, 'Platform down') } : undefined,
    ...options,
  });
  cleanups.push(() => platform.close());
  return {
    platform,
    failFromNowOn: () => {
      failing = true;
    },
  };
}

/**
 * A provider for `acme` on the given platform with one attempt per provisioning, so that each
 * provisioning is exactly one request. `settled(n)` resolves once `n` attempts have ended and the
 * provider has taken in their outcome: the client reports an attempt just before it settles, and
 * what follows is promise callbacks only, which run before the next turn of the event loop.
 */
function startProvider(platform: MockPlatform, overrides: Partial<KeyProviderOptions> = {}) {
  const reports: AttemptReport[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const provider = createKeyProvider({
    token: 'test-token',
    apiUrl: platform.url,
    organization: 'acme',
    clientId: 'job-1',
    maxAttempts: 1,
    onAttempt: (report) => {
      reports.push(report);
      for (const waiter of waiting) if (reports.length >= waiter.count) waiter.resolve();
    },
    clock: { now: () => now, random: () => 0, sleep: async () => undefined },
    ...overrides,
  });
  cleanups.push(() => provider.close());

  const settled = async (count: number) => {
    if (reports.length < count) {
      await new Promise<void>((resolve) => waiting.push({ count, resolve }));
    }
    await nextTurn();
  };
  return { provider, settled };
}

/**
 * Waits until the platform has seen every request sent so far, by making one more round trip to
 * it: the provider starts its request synchronously inside `getKey()`, before this one.
 */
async function roundTrip(platform: MockPlatform): Promise<void> {
  const response = await fetch(`${platform.gatewayUrl}/v1/models`);
  await response.arrayBuffer();
  await nextTurn();
}

/** Calls `getKey()` `count` times at once and resolves with every outcome. */
function manyCallers(provider: KeyProvider, count: number) {
  return Promise.allSettled(Array.from({ length: count }, () => provider.getKey()));
}

/** The error a call was expected to throw. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** A promise the test resolves by hand, e.g. to hold a response. */
function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function clientIdOf(request: { body: string }): unknown {
  return (JSON.parse(request.body) as { client_id?: unknown }).client_id;
}

describe('creating a key provider', () => {
  it.each([
    ['organization', { organization: 'acme/other' }],
    ['clientId', { clientId: 'has spaces' }],
    ['refreshBeforeMs', { refreshBeforeMs: -1 }],
    ['token', { token: '   ' }],
    ['apiUrl', { apiUrl: 'ftp://127.0.0.1/' }],
  ])('refuses an unusable %s synchronously, before any request', async (field, overrides) => {
    const { platform } = await startPlatform();

    const error = thrownBy(() => startProvider(platform, overrides));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect(platform.requests).toHaveLength(0);
  });
});

describe('caching', () => {
  it('serves later calls from the cache while the key is outside its refresh window', async () => {
    const { platform } = await startPlatform();
    const { provider } = startProvider(platform);

    const first = await provider.getKey();
    now += 30 * MINUTE;
    const later = await provider.getKey();
    await roundTrip(platform);

    expect(later).toBe(first);
    expect(later.apiKey).toBe(platform.keys[0]?.apiKey);
    expect(platform.requests).toHaveLength(1);
  });

  it.each([
    [
      'five minutes before expiry when a fifth of the lifetime is longer',
      HOUR,
      undefined,
      5 * MINUTE,
    ],
    [
      'a fifth of the lifetime early when that is under five minutes',
      10 * MINUTE,
      undefined,
      2 * MINUTE,
    ],
    ['refreshBeforeMs early when it is given', HOUR, MINUTE, MINUTE],
  ])('refreshes %s', async (_case, lifetimeMs, refreshBeforeMs, marginMs) => {
    const { platform } = await startPlatform({ keyTtlSeconds: lifetimeMs / SECOND });
    const { provider, settled } = startProvider(platform, { refreshBeforeMs });
    await provider.getKey();

    now = START + lifetimeMs - marginMs - 1;
    await provider.getKey();
    await roundTrip(platform);
    expect(platform.requests).toHaveLength(1);

    now += 1;
    await provider.getKey();
    await settled(2);
    expect(platform.requests).toHaveLength(2);
  });
});

describe('margins that would leave no time to use a key', () => {
  it('caps the refresh margin at half the key lifetime, so a key is used before it is replaced', async () => {
    const { platform } = await startPlatform({ keyTtlSeconds: (5 * MINUTE) / SECOND });
    const { provider } = startProvider(platform, { refreshBeforeMs: 10 * MINUTE });
    const first = await provider.getKey();

    now = START + 2 * MINUTE;
    const later = await provider.getKey();
    await roundTrip(platform);

    expect(later).toBe(first);
    expect(platform.requests).toHaveLength(1);
  });
});

describe('a platform that refuses a second key for the same client id', () => {
  it('keeps the current key while refreshes conflict, and mints the next once it has expired', async () => {
    const { platform } = await startPlatform({ conflictOnReuse: true });
    const { provider, settled } = startProvider(platform);
    const first = await provider.getKey();

    now = START + HOUR - MINUTE;
    expect(await provider.getKey()).toBe(first);
    await settled(2);
    expect(platform.requests).toHaveLength(2);

    now = START + HOUR;
    const next = await provider.getKey();

    expect(next.apiKey).not.toBe(first.apiKey);
    expect(platform.requests.map(clientIdOf)).toEqual(['job-1', 'job-1', 'job-1']);
  });

  it('reports the ConflictError to callers left without a key while it backs off', async () => {
    const { platform } = await startPlatform({ conflictOnReuse: true });
    const { provider, settled } = startProvider(platform);
    await provider.getKey();

    now = START + HOUR - 1;
    await provider.getKey();
    await settled(2);
    now = START + HOUR;

    await expect(provider.getKey()).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('sharing requests', () => {
  it('makes one request for 10,000 concurrent callers on a cold start', async () => {
    const { platform } = await startPlatform();
    const { provider } = startProvider(platform);

    const outcomes = await manyCallers(provider, 10_000);
    await roundTrip(platform);

    const keys = new Set(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.apiKey : o)));
    expect(keys).toEqual(new Set([platform.keys[0]?.apiKey]));
    expect(platform.requests).toHaveLength(1);
  });

  it('answers at once in the refresh window and refreshes once in the background', async () => {
    const arrived = deferred();
    const release = deferred();
    const { platform } = await startPlatform({
      respond: async (_request, index) => {
        if (index === 0) return undefined;
        arrived.resolve();
        await release.promise;
        return undefined;
      },
    });
    const { provider, settled } = startProvider(platform);
    const first = await provider.getKey();
    now = START + HOUR - MINUTE;

    // The background request is held by the platform, so these resolve without waiting for it.
    const outcomes = await manyCallers(provider, 1_000);
    await arrived.promise;
    await roundTrip(platform);
    expect(outcomes.every((o) => o.status === 'fulfilled' && o.value === first)).toBe(true);
    expect(platform.requests).toHaveLength(2);

    release.resolve();
    await settled(2);
    expect((await provider.getKey()).apiKey).toBe(platform.keys[1]?.apiKey);
    expect(platform.requests).toHaveLength(2);
  });

  it('after invalidate(), waits for the refresh under way instead of starting one', async () => {
    const release = deferred();
    const { platform } = await startPlatform({
      respond: async (_request, index) => {
        if (index > 0) await release.promise;
        return undefined;
      },
    });
    const { provider } = startProvider(platform);
    await provider.getKey();
    now = START + HOUR - MINUTE;
    await provider.getKey();

    provider.invalidate();
    const waiting = provider.getKey();
    release.resolve();

    expect((await waiting).apiKey).toBe(platform.keys[1]?.apiKey);
    expect(platform.requests).toHaveLength(2);
  });
});

describe('failures', () => {
  it('keeps serving the valid key when a background refresh fails', async () => {
    const { platform, failFromNowOn } = await startPlatform();
    const { provider, settled } = startProvider(platform);
    const first = await provider.getKey();
    failFromNowOn();
    now = START + HOUR - MINUTE;

    await provider.getKey();
    await settled(2);
    const outcomes = await manyCallers(provider, 100);

    expect(outcomes.every((o) => o.status === 'fulfilled' && o.value === first)).toBe(true);
  });

  it('backs off exponentially, with jitter, between failed background refreshes', async () => {
    const { platform, failFromNowOn } = await startPlatform();
    const { provider, settled } = startProvider(platform, {
      clock: { now: () => now, random: () => 0.5, sleep: async () => undefined },
    });
    await provider.getKey();
    failFromNowOn();
    now = START + HOUR - 4 * MINUTE;
    await provider.getKey();
    await settled(2);

    // Half the window plus the random half of it: 750 ms after the first failure, 1.5 s after
    // the second.
    for (const [pauseMs, requestsSoFar] of [
      [750, 2],
      [1_500, 3],
    ] as const) {
      now += pauseMs - 1;
      await manyCallers(provider, 50);
      await roundTrip(platform);
      expect(platform.requests).toHaveLength(requestsSoFar);

      now += 1;
      await provider.getKey();
      await settled(requestsSoFar + 1);
      expect(platform.requests).toHaveLength(requestsSoFar + 1);
    }
  });

  it('stops doubling the pause between failed refreshes at one minute', async () => {
    const { platform, failFromNowOn } = await startPlatform({
      keyTtlSeconds: (24 * HOUR) / SECOND,
    });
    const { provider, settled } = startProvider(platform, {
      refreshBeforeMs: 12 * HOUR,
      clock: { now: () => now, random: () => 0.5, sleep: async () => undefined },
    });
    await provider.getKey();
    failFromNowOn();
    now = START + 12 * HOUR;
    await provider.getKey();
    await settled(2);

    // Windows of 1, 2, 4 … 32 s, then 60 s where doubling would give 64 s.
    const pauses = [1, 2, 4, 8, 16, 32, 60, 60].map((window) => window * SECOND * 0.75);
    for (const [index, pauseMs] of pauses.entries()) {
      now += pauseMs - 1;
      await provider.getKey();
      await roundTrip(platform);
      expect(platform.requests).toHaveLength(index + 2);

      now += 1;
      await provider.getKey();
      await settled(index + 3);
    }
    expect(platform.requests).toHaveLength(pauses.length + 2);
  });

  it('reports no unhandled rejection when a background refresh fails', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    cleanups.push(() => process.off('unhandledRejection', record));
    const { platform, failFromNowOn } = await startPlatform();
    const { provider, settled } = startProvider(platform);
    await provider.getKey();
    failFromNowOn();
    now = START + HOUR - MINUTE;

    await provider.getKey();
    await settled(2);
    await nextTurn();

    expect(unhandled).toEqual([]);
  });

  it('rejects with the refresh failure once the key has expired', async () => {
    const { platform, failFromNowOn } = await startPlatform();
    const { provider, settled } = startProvider(platform);
    await provider.getKey();
    failFromNowOn();
    now = START + HOUR - MINUTE;
    await provider.getKey();
    await settled(2);

    now = START + HOUR;

    await expect(provider.getKey()).rejects.toBeInstanceOf(InternalServerError);
    expect(platform.requests).toHaveLength(3);
  });

  it('rejects every caller waiting on a failed provisioning for an expired key', async () => {
    const { platform, failFromNowOn } = await startPlatform();
    const { provider } = startProvider(platform);
    await provider.getKey();
    failFromNowOn();
    now = START + HOUR;

    const outcomes = await manyCallers(provider, 100);
    await roundTrip(platform);

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(InternalServerError);
    }
    expect(platform.requests).toHaveLength(2);
  });

  it('repeats the last failure without a request while backing off with no valid key', async () => {
    const { platform, failFromNowOn } = await startPlatform();
    failFromNowOn();
    const { provider } = startProvider(platform);
    const failure = await provider.getKey().catch((error: unknown) => error);

    now += 499;
    await expect(provider.getKey()).rejects.toBe(failure);
    await roundTrip(platform);
    expect(platform.requests).toHaveLength(1);

    now += 1;
    await expect(provider.getKey()).rejects.toBeInstanceOf(InternalServerError);
    expect(platform.requests).toHaveLength(2);
  });
});

describe('invalidate()', () => {
  it('makes the next call provision a new key', async () => {
    const { platform } = await startPlatform();
    const { provider } = startProvider(platform);
    const first = await provider.getKey();

    provider.invalidate();
    const second = await provider.getKey();

    expect(second.apiKey).not.toBe(first.apiKey);
    expect(second.apiKey).toBe(platform.keys[1]?.apiKey);
    expect(platform.requests).toHaveLength(2);
  });

  it('recovers from a key the gateway rejects', async () => {
    const { platform } = await startPlatform();
    const { provider } = startProvider(platform);
    const callGateway = async () => {
      const key = await provider.getKey();
      const response = await fetch(`${key.baseUrl}/v1/models`, {
        headers: { authorization: `Bearer ${key.apiKey}` },
      });
      await response.arrayBuffer();
      return response.status;
    };
    await provider.getKey();
    // Another process with the same client id rotates the key, so the gateway refuses it.
    const other = startProvider(platform).provider;
    await other.getKey();

    const refused = await callGateway();
    provider.invalidate();
    const accepted = await callGateway();

    expect([refused, accepted]).toEqual([401, 200]);
  });
});

describe('close()', () => {
  it('makes later calls reject with AbortedError naming the closed provider', async () => {
    const { platform } = await startPlatform();
    const { provider } = startProvider(platform);
    await provider.getKey();

    provider.close();

    const error = await provider.getKey().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).message).toMatch(/key provider is closed/);
    expect(platform.requests).toHaveLength(1);
  });

  it('cancels a provisioning in flight', async () => {
    const arrived = deferred();
    const { platform } = await startPlatform({
      respond: () => {
        arrived.resolve();
        return { status: 200, stall: true };
      },
    });
    const { provider } = startProvider(platform);
    const waiting = provider.getKey();
    await arrived.promise;

    provider.close();

    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('the client id', () => {
  it('sends the given client id in every request', async () => {
    const { platform } = await startPlatform();
    const { provider, settled } = startProvider(platform, { clientId: 'eval-run-42' });
    await provider.getKey();
    provider.invalidate();
    await provider.getKey();
    now += HOUR - MINUTE;
    await provider.getKey();
    await settled(3);

    expect(platform.requests.map(clientIdOf)).toEqual([
      'eval-run-42',
      'eval-run-42',
      'eval-run-42',
    ]);
  });

  it('derives one client id when none is given and keeps it for every request', async () => {
    const { platform } = await startPlatform();
    const { provider, settled } = startProvider(platform, { clientId: undefined });
    await provider.getKey();
    provider.invalidate();
    await provider.getKey();
    now += HOUR - MINUTE;
    await provider.getKey();
    await settled(3);

    const clientIds = new Set(platform.requests.map(clientIdOf));
    expect(platform.requests).toHaveLength(3);
    expect(clientIds.size).toBe(1);
    expect(String([...clientIds][0])).toMatch(CLIENT_ID_PATTERN);
  });
});

import { describe, expect, it } from 'vitest';

import { TokenBucket } from '../src/rate-limit.js';
import { manualClock, provision, startPlatform } from './platform-under-test.js';

describe('the provisioning rate limit', () => {
  it('allows a burst, then answers 429 with Retry-After in the canonical envelope', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now, rateLimit: { perSecond: 1, burst: 2 } });

    const statuses = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      statuses.push((await provision(platform)).status);
    }
    const limited = await provision(platform);

    expect(statuses).toEqual([200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({
      code: 429,
      detail: expect.any(String),
      type: 'rate_limited',
      errors: null,
    });
  });

  it('rounds Retry-After up to the whole seconds until a token is back', async () => {
    const clock = manualClock();
    const platform = await startPlatform({
      now: clock.now,
      rateLimit: { perSecond: 0.25, burst: 1 },
    });
    await provision(platform);
    clock.advance(500);

    const limited = await provision(platform);

    expect(limited.headers.get('retry-after')).toBe('4');
  });

  it('answers normally again once the clock has refilled a token', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now, rateLimit: { perSecond: 2, burst: 1 } });
    await provision(platform);
    const limited = await provision(platform);

    clock.advance(500);
    const afterRefill = await provision(platform);

    expect(limited.status).toBe(429);
    expect(afterRefill.status).toBe(200);
  });

  it('counts requests the platform rejects, not only successful ones', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now, rateLimit: { perSecond: 1, burst: 1 } });
    await provision(platform, { headers: { authorization: 'Bearer wrong' } });

    const response = await provision(platform);

    expect(response.status).toBe(429);
  });

  it('never answers 429 without a rate limit', async () => {
    const platform = await startPlatform();

    const statuses = new Set<number>();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      statuses.add((await provision(platform, { body: { client_id: `c${attempt}` } })).status);
    }

    expect([...statuses]).toEqual([200]);
  });
});

describe('TokenBucket', () => {
  it('holds no more than burst tokens after a long idle period', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, clock.now);

    clock.advance(60_000);
    const decisions = [bucket.take(), bucket.take(), bucket.take(), bucket.take()];

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
  });

  it('refuses a limit that could never hand out a token', () => {
    expect(() => new TokenBucket({ perSecond: 0, burst: 1 }, Date.now)).toThrow(RangeError);
  });
});

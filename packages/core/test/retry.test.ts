import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortedError,
  type AttemptReport,
  BadGatewayError,
  ConnectionError,
  formatFailure,
  InternalServerError,
  parseRetryAfter,
  provisionKey,
  RateLimitError,
  TimeoutError,
} from '../src/index.js';
import { envelope } from './fixtures/envelopes.js';
import {
  NOW,
  platform,
  steppingClock,
  successBody,
  systemError,
  TOKEN,
  testOptions,
} from './fixtures/platform.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});

const request = { organization: 'acme', clientId: 'job-1' };
const serverError = envelope(500, 'internal_error', 'Internal server error');
const rateLimited = envelope(429, 'rate_limited', 'Too many requests');

describe('which failures are retried', () => {
  it.each([429, 500, 502, 503, 504])('retries HTTP %i and then succeeds', async (status) => {
    platform().reply(status, envelope(status, 'x', 'transient'));
    platform().reply(200, successBody());
    const { options } = testOptions();

    const key = await provisionKey({ ...options, ...request });

    expect(key.attempts).toBe(2);
  });

  it.each([400, 401, 403, 404, 409, 422, 426, 418, 302])(
    'never retries HTTP %i',
    async (status) => {
      const scope = platform()
        .times(2)
        .reply(status, envelope(status, 'x', 'final'));
      const { options, waits } = testOptions();

      const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

      expect(error.status).toBe(status);
      expect(error.attempts).toBe(1);
      expect(waits).toEqual([]);
      expect(scope.pendingMocks()).toHaveLength(1);
    },
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN'])(
    'retries a connection failure %s',
    async (code) => {
      platform().replyWithError(systemError(code));
      platform().reply(200, successBody());
      const { options } = testOptions();

      const key = await provisionKey({ ...options, ...request });

      expect(key.attempts).toBe(2);
    },
  );

  it('does not retry an untrusted certificate', async () => {
    const scope = platform().times(2).replyWithError(systemError('SELF_SIGNED_CERT_IN_CHAIN'));
    const { options } = testOptions();

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.name).toBe('CertificateError');
    expect(error.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(scope.pendingMocks()).toHaveLength(1);
  });
});

describe('how long it waits', () => {
  it('backs off exponentially with full jitter', async () => {
    platform().times(3).reply(500, serverError);
    platform().reply(200, successBody());
    const { options, waits } = testOptions({
      clock: { now: () => NOW, random: () => 0.5 },
    });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('caps a single backoff wait at ten seconds', async () => {
    platform().times(7).reply(500, serverError);
    platform().reply(200, successBody());
    const { options, waits } = testOptions({
      maxAttempts: 8,
      deadlineMs: 600_000,
      clock: { now: () => NOW, random: () => 0.999 },
    });

    await provisionKey({ ...options, ...request });

    expect(Math.max(...waits)).toBe(9990);
  });

  it('honours Retry-After in delta-seconds, with jitter on top', async () => {
    platform().reply(429, rateLimited, { 'retry-after': '3' });
    platform().reply(200, successBody());
    const { options, waits } = testOptions({
      clock: { now: () => NOW, random: () => 0.25 },
    });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([3000 + 750]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const inFiveSeconds = new Date(NOW + 5000).toUTCString();
    platform().reply(429, rateLimited, { 'retry-after': inFiveSeconds });
    platform().reply(200, successBody());
    const { options, waits } = testOptions();

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([5000]);
  });

  it('ignores a malformed Retry-After and waits only the rate-limit spread', async () => {
    platform().reply(429, rateLimited, { 'retry-after': 'soon-ish' });
    platform().reply(200, successBody());
    const { options, waits } = testOptions({
      clock: { now: () => NOW, random: () => 0.5 },
    });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([1500]);
  });

  it('spreads rate-limited retries over 3 s, then 6 s, then 3 s again', async () => {
    platform().times(4).reply(429, rateLimited, { 'retry-after': '1' });
    platform().reply(200, successBody());
    const { options, waits } = testOptions({ maxAttempts: 4, clock: { random: () => 0.999 } });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([1000 + 2997, 1000 + 5994, 1000 + 2997, 1000 + 2997]);
  });

  it('gives up at once when Retry-After points past the deadline', async () => {
    const scope = platform().times(2).reply(429, rateLimited, { 'retry-after': '120' });
    const { options, waits } = testOptions({ deadlineMs: 60_000 });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toBe(
      'Platform answered HTTP 429 (rate_limited): Too many requests (the platform asked to ' +
        'wait 120 s, past the 60 s time limit)',
    );
    expect(error.hint).toMatch(/If waiting 120 s is acceptable, raise the time limit\.$/);
    expect(waits).toEqual([]);
    expect(scope.pendingMocks()).toHaveLength(1);
  });
});

describe('rate limits and the attempt budget', () => {
  it('waits out rate limits without using up attempts', async () => {
    const scope = platform().times(6).reply(429, rateLimited, { 'retry-after': '1' });
    platform().reply(200, successBody());
    const { options, waits } = testOptions({ maxAttempts: 4, deadlineMs: 120_000 });

    const key = await provisionKey({ ...options, ...request });

    expect(key.attempts).toBe(7);
    expect(waits).toHaveLength(6);
    expect(scope.isDone()).toBe(true);
  });

  it('still stops after maxAttempts failures that are not rate limits', async () => {
    for (let round = 0; round < 3; round += 1) {
      platform().reply(500, serverError);
      platform().reply(429, rateLimited, { 'retry-after': '1' });
    }
    const { options } = testOptions({ maxAttempts: 3, deadlineMs: 120_000 });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    // Three server errors, with two rate limits between them.
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.attempts).toBe(5);
  });

  it('does not retry a rate limit when maxAttempts is 1', async () => {
    platform().reply(429, rateLimited, { 'retry-after': '1' });
    const { options, waits } = testOptions({ maxAttempts: 1 });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.attempts).toBe(1);
    expect(waits).toEqual([]);
  });

  it('stops at 100 attempts in all, however long the deadline', async () => {
    platform().times(100).reply(429, rateLimited, { 'retry-after': '1' });
    const { options, waits } = testOptions({ maxAttempts: 4, deadlineMs: 24 * 3_600_000 });
    let virtualNow = NOW;
    const clock = {
      now: () => virtualNow,
      random: () => 0,
      sleep: async (ms: number) => {
        waits.push(ms);
        virtualNow += ms;
      },
    };

    const error = await provisionKey({ ...options, clock, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.attempts).toBe(100);
    expect(error.message).toMatch(
      /\(after 100 attempts over \d+\.\d s; 100 attempts is the most made\)$/,
    );
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('when the attempts run out', () => {
  it('throws the last error, saying how many attempts were made and over how long', async () => {
    platform().times(4).reply(500, serverError);
    const { options } = testOptions({ clock: steppingClock(0.5) });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.attempts).toBe(4);
    expect(error.elapsedMs).toBe(3500);
    expect(error.message).toBe(
      'Platform answered HTTP 500 (internal_error): Internal server error (after 4 attempts over 3.5 s)',
    );
    expect(formatFailure(error)).not.toContain('\n');
  });

  it('reports every attempt to onAttempt with status, latency and planned wait', async () => {
    platform().reply(503, 'busy', { 'x-request-id': 'req_1' });
    platform().replyWithError(systemError('ECONNRESET'));
    platform().reply(200, successBody(), { 'x-request-id': 'req_3' });
    const reports: AttemptReport[] = [];
    const { options } = testOptions({
      onAttempt: (report) => reports.push(report),
      clock: { now: () => NOW, random: () => 0.5, sleep: async () => {} },
    });

    await provisionKey({ ...options, ...request });

    expect(reports).toEqual([
      {
        attempt: 1,
        status: 503,
        requestId: 'req_1',
        error: 'ApiError',
        latencyMs: 0,
        plannedWaitMs: 500,
      },
      {
        attempt: 2,
        status: undefined,
        requestId: undefined,
        error: 'ConnectionError',
        latencyMs: 0,
        plannedWaitMs: 1000,
      },
      { attempt: 3, status: 200, requestId: 'req_3', latencyMs: 0 },
    ]);
    expect(JSON.stringify(reports)).not.toContain(TOKEN);
  });
});

describe('time limits and cancellation', () => {
  it('stops when the next wait would pass the deadline, with the last error and why', async () => {
    platform().times(3).reply(502, 'bad gateway');
    const { options } = testOptions({
      deadlineMs: 2_000,
      maxAttempts: 10,
      clock: steppingClock(0.9),
    });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(BadGatewayError);
    expect(error.attempts).toBe(2);
    expect(error.message).toBe(
      'Platform answered HTTP 502 (http_502): body: bad gateway (after 2 attempts over 0.9 s; ' +
        'a further attempt would end past the 2 s time limit)',
    );
  });

  it('ends with a deadline TimeoutError, keeping the last error as cause, when time runs out', async () => {
    platform().times(2).reply(500, serverError);
    let now = NOW;
    const { options } = testOptions({
      deadlineMs: 1_000,
      maxAttempts: 10,
      // Every reading of the clock moves it on, so the second answer arrives after the deadline.
      clock: { now: () => (now += 300), random: () => 0 },
    });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.scope).toBe('deadline');
    expect(error.cause).toBeInstanceOf(InternalServerError);
    expect(error.message).toMatch(/^No usable answer within the 1 s time limit; last problem: /);
  });

  it('a caller abort during a backoff wait rejects at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    platform().reply(500, serverError);
    const controller = new AbortController();
    const { options } = testOptions({
      clock: { now: () => NOW, random: () => 0.99 },
    });

    const pending = provisionKey({ ...options, ...request, signal: controller.signal }).catch(
      (caught) => caught,
    );
    await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
    controller.abort();
    const error = await pending;

    expect(error).toBeInstanceOf(AbortedError);
    expect(error.attempts).toBe(1);
  });

  it('an already-aborted signal makes no request', async () => {
    const scope = platform().reply(200, successBody());
    const { options } = testOptions();

    const error = await provisionKey({
      ...options,
      ...request,
      signal: AbortSignal.abort(),
    }).catch((caught) => caught);

    expect(error).toBeInstanceOf(AbortedError);
    expect(scope.isDone()).toBe(false);
  });

  it('an attempt that gets no answer times out and is retried', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    platform().delay(60_000).reply(200, successBody());
    platform().reply(200, successBody());
    const { options } = testOptions({ timeoutMs: 5_000 });

    const pending = provisionKey({ ...options, ...request });
    await vi.advanceTimersByTimeAsync(5_000);
    const key = await pending;

    expect(key.attempts).toBe(2);
  });

  it('a connection failure on every attempt ends as a ConnectionError', async () => {
    platform().times(4).replyWithError(systemError('ECONNREFUSED'));
    const { options } = testOptions();

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(
      /^Could not reach the platform at platform.example.test: connection refused \(after 4 attempts/,
    );
  });
});

describe('reading Retry-After', () => {
  it.each([
    ['0', 0],
    ['7', 7_000],
    ['0000000005', 5_000],
    ['999999999', 999_999_999_000],
    ['99999999999', 999_999_999_000],
    ['100000000000000000000', 999_999_999_000],
  ])('reads %j seconds as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each(['1.5', '-5', 'soon', '', '5 s'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

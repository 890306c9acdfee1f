import type { ServerResponse } from 'node:http';
import { startMockPlatform } from '@provision-litellm-key/mock-platform';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  type AttemptReport,
  type ClientOptions,
  provisionKey,
  RateLimitError,
  TimeoutError,
} from '../src/index.js';
import { envelope } from './fixtures/envelopes.js';
import {
  closeAllServers,
  type LoopbackHandler,
  startHttpServer,
  virtualWaitClock,
} from './fixtures/loopback.js';
import { NOW, steppingClock, successBody, TOKEN, testOptions } from './fixtures/platform.js';

afterEach(() => closeAllServers());

const request = { organization: 'acme', clientId: 'job-1' };

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}) {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(payload);
}

/** Answers the first request with `fault`, and every later one with a key. */
function failingOnce(fault: LoopbackHandler): LoopbackHandler {
  return (received, response, index) => {
    if (index === 0) fault(received, response, index);
    else sendJson(response, 200, successBody());
  };
}

function provisionFrom(url: string, options: Partial<ClientOptions> = {}) {
  const { clock, waits } = virtualWaitClock();
  const provisioned = provisionKey({
    token: TOKEN,
    apiUrl: url,
    timeoutMs: 2_000,
    clock,
    ...options,
    ...request,
  });
  return { provisioned, waits };
}

const firstAttemptFaults: [string, LoopbackHandler, Partial<ClientOptions>][] = [
  ['HTTP 429', (_q, res) => sendJson(res, 429, envelope(429, 'rate_limited', 'Slow down')), {}],
  ['HTTP 500', (_q, res) => sendJson(res, 500, envelope(500, 'internal_error', 'Oops')), {}],
  ['HTTP 502', (_q, res) => sendJson(res, 502, envelope(502, 'bad_gateway', 'Upstream')), {}],
  ['HTTP 503', (_q, res) => sendJson(res, 503, { detail: 'Service Unavailable' }), {}],
  ['HTTP 504', (_q, res) => sendJson(res, 504, envelope(504, 'gateway_timeout', 'Slow')), {}],
  ['a socket closed before any answer', (_q, res) => res.socket?.destroy(), {}],
  [
    'a socket closed mid-body',
    (_q, res) => {
      res.writeHead(200, { 'content-length': '200' });
      res.write('{"api_key": "sk-', () => res.socket?.destroy());
    },
    {},
  ],
  ['a stalled attempt', () => undefined, { timeoutMs: 200 }],
];

describe('recovering from a transient fault over a real socket', () => {
  it.each(firstAttemptFaults)(
    'mints a key on the second attempt after %s',
    async (_name, fault, options) => {
      const server = await startHttpServer(failingOnce(fault));
      const { provisioned } = provisionFrom(server.url, options);

      const key = await provisioned;

      expect(key.attempts).toBe(2);
      expect(key.apiKey).toBe(successBody().api_key);
      expect(server.requests).toHaveLength(2);
    },
  );
});

describe('Retry-After over a real socket', () => {
  it('waits the number of seconds a 429 asks for before trying again', async () => {
    const server = await startHttpServer(
      failingOnce((_q, res) =>
        sendJson(res, 429, envelope(429, 'rate_limited', 'Slow down'), { 'retry-after': '7' }),
      ),
    );
    const { options, waits } = testOptions({ apiUrl: server.url });

    const key = await provisionKey({ ...options, ...request });

    expect(key.attempts).toBe(2);
    expect(waits).toEqual([7_000]);
  });

  it('waits until the HTTP date a 503 names', async () => {
    const retryAt = new Date(NOW + 30_000).toUTCString();
    const server = await startHttpServer(
      failingOnce((_q, res) => sendJson(res, 503, { detail: 'down' }, { 'retry-after': retryAt })),
    );
    const { options, waits } = testOptions({ apiUrl: server.url });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([30_000]);
  });

  it('adds jitter on top of Retry-After so parallel jobs do not return together', async () => {
    const server = await startHttpServer(
      failingOnce((_q, res) =>
        sendJson(res, 429, envelope(429, 'rate_limited', 'Slow down'), { 'retry-after': '2' }),
      ),
    );
    const { options, waits } = testOptions({ apiUrl: server.url, clock: { random: () => 0.5 } });

    await provisionKey({ ...options, ...request });

    expect(waits).toEqual([2_000 + 1_500]);
  });

  it.each([
    ['seconds', () => '120'],
    ['an HTTP date', () => new Date(NOW + 120_000).toUTCString()],
  ])(
    'gives up at once with the rate limit when Retry-After in %s is past the deadline',
    async (_form, retryAfter) => {
      const server = await startHttpServer((_q, res) =>
        sendJson(res, 429, envelope(429, 'rate_limited', 'Out of credits'), {
          'retry-after': retryAfter(),
        }),
      );
      const { options, waits } = testOptions({ apiUrl: server.url, deadlineMs: 60_000 });

      const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.retryAfterMs).toBe(120_000);
      expect(error.attempts).toBe(1);
      expect(waits).toEqual([]);
      expect(server.requests).toHaveLength(1);
    },
  );

  it.each(['soon', '-5', '1.5', '10 seconds', '1e3', 'Wed, 21 Oct 2015 07:28:00', ''])(
    'ignores a Retry-After of %j and waits only the jittered backoff',
    async (garbage) => {
      const server = await startHttpServer(
        failingOnce((_q, res) =>
          sendJson(res, 503, { detail: 'down' }, { 'retry-after': garbage }),
        ),
      );
      const { options, waits } = testOptions({ apiUrl: server.url, clock: { random: () => 0.5 } });

      const key = await provisionKey({ ...options, ...request });

      expect(key.attempts).toBe(2);
      expect(waits).toEqual([500]);
    },
  );
});

describe('time limits over a real socket', () => {
  it('cuts off a server that sends headers and then trickles the body a byte at a time', async () => {
    const platform = await startMockPlatform({
      tokens: [TOKEN],
      respond: () => ({
        status: 200,
        body: successBody(),
        trickle: { chunkBytes: 1, intervalMs: 20 },
      }),
    });
    const { provisioned } = provisionFrom(platform.url, { timeoutMs: 200, maxAttempts: 1 });

    const error = await provisioned.catch((caught) => caught);
    await platform.close();

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.scope).toBe('attempt');
    expect(error.message).toBe('No complete answer within 200 ms');
    expect(platform.requests).toHaveLength(1);
  });

  it('ends trickled attempts at the deadline, keeping the last attempt error as the cause', async () => {
    const platform = await startMockPlatform({
      tokens: [TOKEN],
      respond: () => ({
        status: 200,
        body: successBody(),
        trickle: { chunkBytes: 1, intervalMs: 20 },
      }),
    });
    const { provisioned } = provisionFrom(platform.url, {
      timeoutMs: 200,
      deadlineMs: 500,
      maxAttempts: 10,
    });

    const error = await provisioned.catch((caught) => caught);
    await platform.close();

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.scope).toBe('deadline');
    expect(error.cause).toBeInstanceOf(TimeoutError);
    expect(error.cause.scope).toBe('attempt');
    expect(error.message).toMatch(
      /^No usable answer within the 0\.5 s time limit; last problem: No complete answer within \d+ ms \(after [2-9] attempts over 0\.\d s\)$/,
    );
    expect(platform.requests.length).toBe(error.attempts);
  });

  it('ends a stalled server at the deadline even with attempts to spare', async () => {
    const platform = await startMockPlatform({
      tokens: [TOKEN],
      respond: () => ({ status: 200, stall: true }),
    });
    const { provisioned } = provisionFrom(platform.url, {
      timeoutMs: 200,
      deadlineMs: 500,
      maxAttempts: 20,
    });

    const error = await provisioned.catch((caught) => caught);
    await platform.close();

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.scope).toBe('deadline');
    expect(error.attempts).toBeLessThan(20);
    expect(platform.requests.length).toBe(error.attempts);
  });

  it('reports the deadline at once when the next backoff would pass it', async () => {
    const server = await startHttpServer((_q, res) => sendJson(res, 503, { detail: 'down' }));
    const waits: number[] = [];
    const clock = steppingClock(0.99);
    const recordingClock = {
      ...clock,
      sleep: async (ms: number) => {
        waits.push(ms);
        await clock.sleep(ms);
      },
    };

    const error = await provisionKey({
      token: TOKEN,
      apiUrl: server.url,
      deadlineMs: 3_000,
      maxAttempts: 10,
      clock: recordingClock,
      ...request,
    }).catch((caught) => caught);

    expect(waits).toEqual([990, 1_980]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(503);
    expect(error.hint).toBe('The platform is unavailable; retry later.');
    expect(error.message).toBe(
      'Platform answered HTTP 503 (http_503): down (after 3 attempts over 3.0 s; ' +
        'a further attempt would end past the 3 s time limit)',
    );
    expect(server.requests).toHaveLength(3);
  });
});

describe('cancelling over a real socket', () => {
  it('aborts an attempt the server is still answering, closing the socket', async () => {
    const controller = new AbortController();
    let socketClosed = false;
    const server = await startHttpServer((_q, res) => {
      res.on('close', () => {
        socketClosed = true;
      });
      controller.abort(new Error('job cancelled'));
    });

    const error = await provisionKey({
      token: TOKEN,
      apiUrl: server.url,
      ...request,
      signal: controller.signal,
    }).catch((caught) => caught);

    expect(error).toBeInstanceOf(AbortedError);
    expect(error.attempts).toBe(1);
    await expect.poll(() => socketClosed).toBe(true);
  });

  it('aborts during the backoff wait without another attempt', async () => {
    const controller = new AbortController();
    const server = await startHttpServer((_q, res) => sendJson(res, 503, { detail: 'down' }));
    const onAttempt = (report: AttemptReport) => {
      if (report.plannedWaitMs !== undefined) controller.abort(new Error('job cancelled'));
    };

    // The real sleep, with a long jitter: only the abort can end the wait early.
    const error = await provisionKey({
      token: TOKEN,
      apiUrl: server.url,
      maxAttempts: 2,
      clock: { random: () => 0.99 },
      onAttempt,
      ...request,
      signal: controller.signal,
    }).catch((caught) => caught);

    expect(error).toBeInstanceOf(AbortedError);
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await startHttpServer((_q, res) => sendJson(res, 200, successBody()));

    const error = await provisionKey({
      token: TOKEN,
      apiUrl: server.url,
      ...request,
      signal: AbortSignal.abort(),
    }).catch((caught) => caught);

    expect(error).toBeInstanceOf(AbortedError);
    expect(server.connections()).toBe(0);
  });
});

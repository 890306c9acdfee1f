import { describe, expect, it, onTestFinished, vi } from 'vitest';

import { errorEnvelope, type RecordedRequest, type ScriptedResponse } from '../src/index.js';
import { deferred, provision, startPlatform } from './platform-under-test.js';

describe('the respond hook', () => {
  it('sends a scripted JSON answer instead of minting a key', async () => {
    const platform = await startPlatform({
      respond: () => ({
        status: 503,
        headers: { 'retry-after': '7' },
        body: errorEnvelope(503, 'Down for maintenance'),
      }),
    });

    const response = await provision(platform);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      code: 503,
      detail: 'Down for maintenance',
      type: 'internal_error',
      errors: null,
    });
    expect(platform.keys).toHaveLength(0);
  });

  it('sends a string body verbatim with the scripted content type', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const platform = await startPlatform({
      respond: () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: html }),
    });

    const response = await provision(platform);

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe(html);
  });

  it('sees each recorded request with its index and falls through when it returns nothing', async () => {
    const seen: { index: number; body: string }[] = [];
    const platform = await startPlatform({
      respond: (request: RecordedRequest, index: number) => {
        seen.push({ index, body: request.body });
        return index === 0 ? { status: 500, body: errorEnvelope(500, 'Flaky') } : undefined;
      },
    });

    const first = await provision(platform, { body: { client_id: 'a' } });
    const second = await provision(platform, { body: { client_id: 'b' } });

    expect([first.status, second.status]).toEqual([500, 200]);
    expect(seen).toEqual([
      { index: 0, body: '{"client_id":"a"}' },
      { index: 1, body: '{"client_id":"b"}' },
    ]);
  });

  it('waits for an asynchronous hook and sends what it resolves to', async () => {
    const entered = deferred();
    const answer = deferred<ScriptedResponse>();
    const platform = await startPlatform({
      respond: async () => {
        entered.resolve();
        return await answer.promise;
      },
    });

    const pending = provision(platform);
    await entered.promise;
    answer.resolve({ status: 504, body: errorEnvelope(504, 'Upstream timed out') });
    const response = await pending;

    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ type: 'gateway_timeout' });
  });

  it('answers 500 in the canonical envelope when the hook throws', async () => {
    const platform = await startPlatform({
      respond: () => {
        throw new Error('script bug');
      },
    });

    const response = await provision(platform);

    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 500, type: 'internal_error' });
  });

  it('hangs up without answering when asked to', async () => {
    const platform = await startPlatform({ respond: () => ({ status: 200, hangUp: true }) });

    await expect(provision(platform)).rejects.toThrow(TypeError);
  });

  it('never answers a stalled request, leaving the client to give up', async () => {
    const arrived = deferred();
    const platform = await startPlatform({
      respond: (_request, index) => {
        if (index > 0) {
          return undefined;
        }
        arrived.resolve();
        return { status: 200, stall: true };
      },
    });
    const giveUp = new AbortController();
    let answered = false;
    const stalled = provision(platform, { signal: giveUp.signal });
    stalled.then(
      () => {
        answered = true;
      },
      () => undefined,
    );
    await arrived.promise;

    // A later request answered in full shows the platform had every chance to answer the first.
    const later = await provision(platform, { body: { client_id: 'later' } });
    await later.arrayBuffer();
    const answeredBeforeGivingUp = answered;
    giveUp.abort();

    expect(later.status).toBe(200);
    expect(answeredBeforeGivingUp).toBe(false);
    await expect(stalled).rejects.toMatchObject({ name: 'AbortError' });
    expect(platform.requests).toHaveLength(2);
  });

  it('trickles the body one chunk per interval, in order', async () => {
    const platform = await startPlatform({
      respond: () => ({
        status: 200,
        body: 'abcdefghijklmnopqrstuvwxyz0123',
        trickle: { chunkBytes: 10, intervalMs: 40 },
      }),
    });
    // Only the platform's pacing runs on the fake clock; sockets and the client stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });

    const response = await provision(platform);
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    // Each chunk is read before the clock moves, so no two can arrive in one read.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(decoder.decode(value));
      vi.advanceTimersByTime(40);
    }

    expect(chunks).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz0123']);
  });
});

describe('errorEnvelope', () => {
  it('names the documented type for a documented status', () => {
    const problems = [{ loc: ['body', 'client_id'], msg: 'Field required', type: 'missing' }];

    expect(errorEnvelope(422, 'Request validation failed', problems)).toEqual({
      code: 422,
      detail: 'Request validation failed',
      type: 'validation_error',
      errors: problems,
    });
  });

  it('falls back to the type of the status class for an undocumented status', () => {
    expect(errorEnvelope(418, 'Teapot').type).toBe('bad_request');
    expect(errorEnvelope(503, 'Unavailable').type).toBe('internal_error');
  });
});

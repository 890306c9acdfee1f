import { describe, expect, it } from 'vitest';

import { errorEnvelope, type RecordedRequest } from '../src/index.js';
import { provision, startPlatform } from './platform-under-test.js';

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

  it('waits for an asynchronous hook', async () => {
    const platform = await startPlatform({
      respond: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { status: 504, body: errorEnvelope(504, 'Upstream timed out') };
      },
    });

    const response = await provision(platform);

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

  it('never answers a stalled request, leaving the client to time out', async () => {
    const platform = await startPlatform({ respond: () => ({ status: 200, stall: true }) });

    const attempt = provision(platform, { signal: AbortSignal.timeout(150) });

    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(platform.requests).toHaveLength(1);
  });

  it('trickles the body in chunks with a delay between them', async () => {
    const body = 'abcdefghijklmnopqrstuvwxyz0123';
    const platform = await startPlatform({
      respond: () => ({ status: 200, body, trickle: { chunkBytes: 10, intervalMs: 40 } }),
    });
    const startedAt = performance.now();

    const response = await provision(platform);
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      chunks.push(decoder.decode(chunk));
    }

    expect(chunks.join('')).toBe(body);
    expect(chunks.length).toBeGreaterThan(1);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(70);
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

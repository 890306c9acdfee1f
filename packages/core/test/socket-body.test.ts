import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  type AttemptReport,
  type ClientOptions,
  InvalidResponseError,
  MAX_RESPONSE_BYTES,
  provisionKey,
} from '../src/index.js';
import { envelope } from './fixtures/envelopes.js';
import { serveFault } from './fixtures/fault-server.js';
import { closeAllServers, startHttpServer, startTcpServer } from './fixtures/loopback.js';
import { API_KEY, successBody, TOKEN, testOptions } from './fixtures/platform.js';

afterEach(() => closeAllServers());

const request = { organization: 'acme', clientId: 'job-1' };

function provisionFrom(apiUrl: string, overrides: Partial<ClientOptions> = {}) {
  const { options } = testOptions({ apiUrl, maxAttempts: 2, ...overrides });
  return provisionKey({ ...options, ...request }).catch((caught) => caught);
}

function answer(response: ServerResponse, status: number, body: string, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

describe('a body over the 1 MiB cap', () => {
  it.each(['content-length', 'chunked'] as const)(
    'is refused while streaming (%s), closing the socket before the server has written it all',
    async (framing) => {
      const served = await serveFault({ kind: 'oversized', framing });

      const error = await provisionFrom(served.apiUrl);

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toBe(
        `The platform's answer (HTTP 200) is larger than ${MAX_RESPONSE_BYTES} bytes; refused`,
      );
      expect(served.requests()).toBe(1);
      await expect.poll(() => served.closedBeforeFullBody()).toBe(true);
    },
  );

  it('is accepted at exactly 1 MiB', async () => {
    const json = JSON.stringify(successBody());
    const body = json + ' '.repeat(MAX_RESPONSE_BYTES - json.length);
    const server = await startHttpServer((_q, res) => answer(res, 200, body));

    const key = await provisionFrom(server.url);

    expect(key.apiKey).toBe(API_KEY);
  });

  it('is cut at 1 MiB in an error answer, which keeps its status and is retried', async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>`;
    const body = page + 'x'.repeat(MAX_RESPONSE_BYTES * 2);
    const server = await startHttpServer((_q, res) =>
      answer(res, 502, body, { 'content-type': 'text/html' }),
    );

    const error = await provisionFrom(server.url);

    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe(
      'Platform answered HTTP 502 (http_502): HTML page: 502 Bad Gateway (after 2 attempts over 0.0 s)',
    );
    expect(server.requests).toHaveLength(2);
  });
});

describe('a success answer the client cannot use', () => {
  it.each([
    ['api_key', { api_key: 42 }, 'has a number for "api_key" where a string is required'],
    ['api_key', { api_key: '' }, 'returned an empty api_key'],
    ['api_key', { api_key: `${API_KEY} ` }, 'api_key containing white space'],
    ['base_url', { base_url: null }, 'has null for "base_url" where a string is required'],
    [
      'base_url',
      { base_url: `https://${API_KEY}@gw.example.test` },
      'contains the token or the key',
    ],
    ['base_url', { base_url: `http://${API_KEY}.example.test` }, 'contains the token or the key'],
    ['base_url', { base_url: 'https://u:p@gw.example.test' }, 'contains credentials'],
    ['expires_at', { expires_at: ['2026-04-15T12:00:00Z'] }, 'has an array for "expires_at"'],
    ['expires_at', { expires_at: `${API_KEY}Z` }, 'not an RFC 3339 date-time: "***"'],
  ])('names %s, never its key, for %j', async (field, override, expected) => {
    const server = await startHttpServer((_q, res) =>
      answer(res, 200, JSON.stringify(successBody(override))),
    );

    const error = await provisionFrom(server.url);

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.field).toBe(field);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(1);
  });
});

describe('a long error answer', () => {
  it('stays one line under 1,000 characters, keeping the request id', async () => {
    const errors = Array.from({ length: 20 }, (_, index) => ({
      loc: ['body', 'metadata', `label_${index}_${'x'.repeat(50)}`],
      msg: `Value error, ${'this label is not allowed here; '.repeat(5)}`,
      type: 'value_error',
    }));
    const body = envelope(422, 'validation_error', 'Request validation failed', errors);
    const server = await startHttpServer((_q, res) =>
      answer(res, 422, JSON.stringify(body), { 'x-request-id': 'req_51e0' }),
    );

    const error = await provisionFrom(server.url);

    expect(error.fieldErrors).toHaveLength(20);
    expect(error.message.length).toBeLessThanOrEqual(1_000);
    expect(error.message).toMatch(
      /^Platform answered HTTP 422 \(validation_error\): Request validation failed — body\.metadata\.label_0_x+: Value error, .+… — request id req_51e0$/,
    );
  });
});

describe('a redirect', () => {
  it.each([301, 302, 307, 308] as const)(
    'is not followed on HTTP %i, so the token never reaches the other origin',
    async (status) => {
      const served = await serveFault({ kind: 'redirect', status });

      const error = await provisionFrom(served.apiUrl);

      expect(error).toBeInstanceOf(ApiError);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`redirect to ${served.redirectTarget}`);
      expect(served.requests()).toBe(1);
      expect(served.redirectTargetRequests()).toBe(0);
    },
  );

  it('to a path on the same origin is not followed either', async () => {
    const server = await startHttpServer((_q, res) => {
      res.writeHead(307, { location: '/v2/org/acme/inference/keys' });
      res.end();
    });

    const error = await provisionFrom(server.url);

    expect(error.status).toBe(307);
    expect(error.message).toContain(`redirect to ${server.url}`);
    expect(server.requests).toHaveLength(1);
  });

  it('whose host name spells out the token shows it masked', async () => {
    const server = await startHttpServer((_q, res) => {
      res.writeHead(302, { location: `https://${TOKEN}.evil.example.test/collect` });
      res.end();
    });

    const error = await provisionFrom(server.url);

    expect(error.message).toContain('redirect to https://***');
    expect(error.message).not.toContain(TOKEN);
  });
});

const hostileRequestIds = [
  ['too long', `req_${'a'.repeat(200)}`],
  ['with spaces', 'req 1234 extra'],
  ['with a tab', 'req\t1234'],
  ['with markup', '<script>alert(1)</script>'],
  ['echoing the token', TOKEN],
];

describe('a hostile x-request-id', () => {
  it.each(hostileRequestIds)('is dropped from an error when it is %s', async (_name, id) => {
    const server = await startHttpServer((_q, res) =>
      answer(res, 404, JSON.stringify(envelope(404, 'not_found', 'No such organization')), {
        'x-request-id': id,
      }),
    );

    const error = await provisionFrom(server.url);

    expect(error.requestId).toBeUndefined();
    expect(error.message).toBe('Platform answered HTTP 404 (not_found): No such organization');
  });

  it.each(hostileRequestIds)(
    'is dropped from the attempt report of a success when it is %s',
    async (_name, id) => {
      const server = await startHttpServer((_q, res) =>
        answer(res, 200, JSON.stringify(successBody()), { 'x-request-id': id }),
      );
      const reports: AttemptReport[] = [];

      await provisionFrom(server.url, { onAttempt: (report) => reports.push(report) });

      expect(reports).toEqual([
        { attempt: 1, status: 200, requestId: undefined, latencyMs: expect.any(Number) },
      ]);
    },
  );

  it('is dropped when it echoes the key just minted', async () => {
    const server = await startHttpServer((_q, res) =>
      answer(res, 200, JSON.stringify(successBody()), { 'x-request-id': API_KEY }),
    );
    const reports: AttemptReport[] = [];

    await provisionFrom(server.url, { onAttempt: (report) => reports.push(report) });

    expect(reports[0]?.requestId).toBeUndefined();
  });

  it('is dropped when it holds bytes outside ASCII', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => {
        const head =
          'HTTP/1.1 409 Conflict\r\nx-request-id: r\xe9q\xff1\r\ncontent-length: 0\r\n\r\n';
        socket.end(head, 'latin1');
      });
    });

    const error = await provisionFrom(server.url);

    expect(error.status).toBe(409);
    expect(error.requestId).toBeUndefined();
  });

  it('is kept when it is a plain token', async () => {
    const server = await startHttpServer((_q, res) =>
      answer(res, 409, JSON.stringify(envelope(409, 'conflict', 'Exists')), {
        'x-request-id': 'req_0f3a9c1e-77b2',
      }),
    );

    const error = await provisionFrom(server.url);

    expect(error.requestId).toBe('req_0f3a9c1e-77b2');
    expect(error.message).toMatch(/ — request id req_0f3a9c1e-77b2$/);
  });
});

import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseErrorResponse } from '../src/envelope.js';
import { oneLine } from '../src/errors.js';
import {
  ApiError,
  formatFailure,
  InvalidResponseError,
  ProvisionError,
  type ProvisionedKey,
  provisionKey,
} from '../src/index.js';
import { parseSuccessBody } from '../src/provisioned-key.js';
import { SecretRegistry } from '../src/secrets.js';
import { closeAllServers, startTcpServer, virtualWaitClock } from './fixtures/loopback.js';
import { NOW, TOKEN } from './fixtures/platform.js';

afterEach(() => closeAllServers());

/** One answer, written byte for byte by a raw TCP server. */
interface RawAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  framing: 'content-length' | 'close';
}

const headerText = fc.string({ unit: 'binary', maxLength: 300 }).map((text) =>
  // CR and LF would end the header line; every other character is fair game for a hostile server.
  text.replace(/[\r\n]/g, ' '),
);

const hostileHeaders = fc.record(
  {
    'x-request-id': fc.oneof(
      headerText,
      fc.constant(TOKEN),
      fc.stringMatching(/^req_[a-f0-9]{8}$/),
    ),
    'retry-after': fc.oneof(
      headerText,
      fc.nat({ max: 1_000_000 }).map(String),
      fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
    ),
    'content-type': fc.oneof(
      headerText,
      fc.constantFrom('application/json', 'text/html; charset=utf-8', 'text/plain'),
    ),
    location: fc.oneof(headerText, fc.webUrl(), fc.constant(`https://${TOKEN}.example.test/`)),
  },
  { requiredKeys: [] },
);

/** A success body that is right, or wrong in one or two places, echoing the key elsewhere. */
function nearValidSuccessBody(apiKey: string) {
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  return fc.record(
    {
      api_key: fc.oneof(fc.constant(apiKey), fc.constant(`${apiKey}\n`), anyJson),
      base_url: fc.oneof(
        fc.constant('https://litellm.example.test'),
        fc.constant(`http://${apiKey}.example.test`),
        fc.constant(`https://user:${apiKey}@litellm.example.test`),
        fc.webUrl(),
        anyJson,
      ),
      expires_at: fc.oneof(
        fc.constant('2026-04-15T12:00:00.123456+00:00'),
        fc.constant('2026-04-15T10:00:00Z'),
        fc.constant(apiKey),
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        anyJson,
      ),
      extra: anyJson,
    },
    { requiredKeys: [] },
  );
}

const anyBody = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }),
  fc.jsonValue().map((value) => new TextEncoder().encode(JSON.stringify(value))),
  nearValidSuccessBody('sk-litellm-9b7e5d3c1a').map((value) =>
    new TextEncoder().encode(JSON.stringify(value)),
  ),
  fc
    .record({
      code: fc.integer(),
      detail: fc.string({ maxLength: 2_000, size: 'large' }),
      type: fc.oneof(fc.string(), fc.constant(TOKEN)),
      errors: fc.array(
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.record({
            loc: fc.array(fc.oneof(fc.string({ maxLength: 100, size: 'large' }), fc.integer()), {
              maxLength: 10,
            }),
            msg: fc.string({ maxLength: 300, size: 'large' }),
            type: fc.string({ maxLength: 40 }),
          }),
        ),
        { maxLength: 30, size: 'large' },
      ),
    })
    .map((value) => new TextEncoder().encode(JSON.stringify(value))),
);

// Properties over `anyBody` end on the first failure: shrinking bodies given as raw bytes can
// outlast the test's time limit, and the unshrunk counterexample already shows what was sent.
const rawAnswer: fc.Arbitrary<RawAnswer> = fc.record({
  // 1xx answers are interim: the server then closes without a final answer.
  status: fc.integer({ min: 100, max: 599 }),
  headers: hostileHeaders.map((headers) => Object.entries(headers)),
  body: anyBody,
  framing: fc.constantFrom('content-length', 'close'),
});

function writeRaw(socket: Socket, answer: RawAnswer): void {
  const lines = [`HTTP/1.1 ${answer.status} Whatever`, 'connection: close'];
  for (const [name, value] of answer.headers) lines.push(`${name}: ${value}`);
  if (answer.framing === 'content-length') lines.push(`content-length: ${answer.body.length}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  socket.end(answer.body);
}

/** What a caller can receive from `provisionKey`: a key, or an error of this package. */
function expectKeyOrProvisionError(outcome: ProvisionedKey | unknown): void {
  if (outcome instanceof ProvisionError) {
    expect(outcome.message).toBe(oneLine(outcome.message));
    expect(outcome.message.length).toBeLessThanOrEqual(1_000);
    expect(formatFailure(outcome)).not.toMatch(/[\r\n]/);
    expect(outcome.message).not.toContain(TOKEN);
    return;
  }
  const key = outcome as ProvisionedKey;
  expect(typeof key.apiKey).toBe('string');
  expect(key.expiresAt).toBeInstanceOf(Date);
}

describe('the client against any answer a loopback server can send', () => {
  it('returns a key or rejects with a ProvisionError carrying a short one-line message', async () => {
    let current: RawAnswer | undefined;
    const server = await startTcpServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => {
        if (current) writeRaw(socket, current);
      });
    });

    await fc.assert(
      fc.asyncProperty(rawAnswer, async (answer) => {
        current = answer;
        const { clock } = virtualWaitClock(0.5);
        const outcome = await provisionKey({
          token: TOKEN,
          apiUrl: server.url,
          organization: 'acme',
          clientId: 'job-1',
          maxAttempts: 2,
          timeoutMs: 2_000,
          clock,
        }).catch((caught: unknown) => caught);

        expectKeyOrProvisionError(outcome);
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('never shows a key from a near-valid success body, whatever field echoes it', async () => {
    let body = '';
    const server = await startTcpServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => {
        const head = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
        socket.end(head + body);
      });
    });
    const apiKey = fc.stringMatching(/^sk-[A-Za-z0-9_-]{8,40}$/);

    await fc.assert(
      fc.asyncProperty(
        apiKey.chain((key) => fc.tuple(fc.constant(key), nearValidSuccessBody(key))),
        async ([, success]) => {
          body = JSON.stringify(success);
          const { clock } = virtualWaitClock();
          const outcome = await provisionKey({
            token: TOKEN,
            apiUrl: server.url,
            organization: 'acme',
            clientId: 'job-1',
            maxAttempts: 1,
            clock,
          }).catch((caught: unknown) => caught);

          // What is secret is whatever the platform sent as api_key, and each line of it.
          const sent = typeof success.api_key === 'string' ? success.api_key : '';
          const secrets = [sent, ...sent.split(/\r\n|\r|\n/)].filter((part) => part.length >= 8);
          const shown =
            outcome instanceof ProvisionError
              ? [outcome.message, JSON.stringify(outcome), inspect(outcome, { depth: 5 })]
              : [JSON.stringify(outcome), inspect(outcome)];
          if (outcome instanceof ProvisionError) {
            expect(outcome).toBeInstanceOf(InvalidResponseError);
          } else {
            expect((outcome as ProvisionedKey).apiKey).toBe(sent);
          }
          for (const secret of secrets) {
            for (const text of shown) expect(text).not.toContain(secret);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the answer parsers, for any input', () => {
  it('turn any error answer into an ApiError with bounded, plain fields', () => {
    const secrets = new SecretRegistry();
    secrets.add(TOKEN);

    fc.assert(
      fc.property(
        fc.integer({ min: 300, max: 599 }),
        hostileHeaders,
        anyBody,
        (status, headers, body) => {
          const error = parseErrorResponse(
            {
              status,
              headers,
              body: Buffer.from(body),
              url: new URL('https://p.test/x'),
              now: NOW,
            },
            secrets,
          );

          expect(error).toBeInstanceOf(ApiError);
          expect(error.status).toBe(status);
          expect(error.message).toBe(oneLine(error.message));
          expect(error.message.length).toBeLessThanOrEqual(1_000);
          expect(JSON.stringify(error)).not.toContain(TOKEN);
          expect(error.requestId ?? 'req').toMatch(/^[A-Za-z0-9._:/-]{1,128}$/);
          if (error.retryAfterMs !== undefined) {
            expect(Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 500, endOnFailure: true },
    );
  });

  it('turn any JSON success body into key fields or an InvalidResponseError naming a field', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), nearValidSuccessBody('sk-litellm-9b7e5d3c1a')),
        (body) => {
          const rules = { allowInsecureHttp: false, now: NOW, minTtlMs: 0 };
          let outcome: unknown;
          try {
            outcome = parseSuccessBody(body, { ...rules, secrets: new SecretRegistry() });
          } catch (error) {
            outcome = error;
          }

          if (outcome instanceof Error) {
            expect(outcome).toBeInstanceOf(InvalidResponseError);
            const { field, message } = outcome as InvalidResponseError;
            const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
            // A body that is an object has a field at fault; any other JSON is wrong as a whole.
            expect(field).toEqual(isObject ? expect.any(String) : undefined);
            expect(['api_key', 'base_url', 'expires_at', undefined]).toContain(field);
            expect(message).toBe(oneLine(message));
          } else {
            expect(outcome).toEqual({
              apiKey: expect.any(String),
              baseUrl: expect.any(String),
              expiresAt: expect.any(Date),
            });
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  apiErrorFor,
  formatFailure,
  PermissionDeniedError,
  provisionKey,
  ValidationError,
} from '../src/index.js';
import {
  documentedEnvelopes,
  envelope,
  loadBalancerPage,
  validationEnvelope,
} from './fixtures/envelopes.js';
import { platform, TOKEN, testOptions } from './fixtures/platform.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

async function failureFor(
  status: number,
  body: nock.Body,
  headers: Record<string, string> = {},
): Promise<ApiError> {
  platform().reply(status, body, headers);
  const { options } = testOptions({ maxAttempts: 1 });
  const error = await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('documented statuses', () => {
  it.each(documentedEnvelopes)(
    'HTTP $status becomes $errorClass with type, detail, request id and a hint',
    async ({ status, type, detail, errorClass }) => {
      const error = await failureFor(status, envelope(status, type, detail), {
        'x-request-id': 'req_7f3a9c',
      });
      expect(error.name).toBe(errorClass);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(error))).toBe(ApiError.prototype);
      expect(error).toMatchObject({ status, type, detail, requestId: 'req_7f3a9c' });
      expect(error.message).toBe(
        `Platform answered HTTP ${status} (${type}): ${detail} — request id req_7f3a9c`,
      );
      expect(error.hint.length).toBeGreaterThan(20);
      expect(error.retryable).toBe([429, 500, 502, 504].includes(status));
    },
  );

  it('gives each documented status its own hint', () => {
    const hints = documentedEnvelopes.map(
      ({ status, type, detail }) => apiErrorFor({ status, type, detail }).hint,
    );
    expect(new Set(hints).size).toBe(documentedEnvelopes.length);
  });

  it('lists every validation problem as loc: msg', async () => {
    const error = await failureFor(422, validationEnvelope);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fieldErrors).toEqual(validationEnvelope.errors);
    expect(error.message).toBe(
      'Platform answered HTTP 422 (validation_error): Request validation failed — ' +
        "body.client_id: String should match pattern '^[a-zA-Z0-9_-]+$'; " +
        'body.extra.0: Input should be a valid string',
    );
  });

  it('accepts an envelope whose errors are absent or null', async () => {
    const withoutErrors = { code: 400, detail: 'Invalid request', type: 'bad_request' };
    expect((await failureFor(400, withoutErrors)).fieldErrors).toEqual([]);
    expect((await failureFor(400, envelope(400, 'bad_request', 'x', null))).fieldErrors).toEqual(
      [],
    );
  });

  it('tells the user what to do in one line', async () => {
    const error = await failureFor(401, envelope(401, 'authentication_error', 'Invalid token'));
    expect(formatFailure(error)).toBe(
      'Platform answered HTTP 401 (authentication_error): Invalid token. The API token is ' +
        'missing, wrong or expired: create a new platform API token and store it as a secret ' +
        '(or try auth-header x-api-key).',
    );
  });
});

describe('bodies that are not the envelope', () => {
  it('an HTML page from a load balancer becomes its title, not the page', async () => {
    const error = await failureFor(502, loadBalancerPage, { 'content-type': 'text/html' });
    expect(error.message).toBe('Platform answered HTTP 502 (http_502): HTML page: 502 Bad Gateway');
    expect(error.retryable).toBe(true);
  });

  it('an HTML page without a title becomes a short excerpt of its text', async () => {
    const page = `<html><body><h1>Service Unavailable</h1>${'<p>x</p>'.repeat(400)}</body></html>`;
    const error = await failureFor(503, page, { 'content-type': 'text/html' });
    expect(error.detail.startsWith('HTML page: Service Unavailable')).toBe(true);
    expect(error.detail.length).toBeLessThanOrEqual(172);
    expect(error.retryable).toBe(true);
  });

  it('an empty body says so', async () => {
    const error = await failureFor(504, '');
    expect(error.message).toBe('Platform answered HTTP 504 (http_504): empty response body');
  });

  it('plain text is kept short and on one line', async () => {
    const error = await failureFor(500, `upstream\nconnect error ${'x'.repeat(1000)}`);
    expect(error.detail).toMatch(/^body: upstream connect error x+…$/);
    expect(error.detail.length).toBeLessThanOrEqual(166);
    expect(error.message).not.toContain('\n');
  });

  it("FastAPI's bare detail object keeps its detail", async () => {
    const error = await failureFor(403, { detail: 'Not authenticated' });
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ type: 'http_403', detail: 'Not authenticated' });
  });

  it("FastAPI's default validation list becomes field errors", async () => {
    const error = await failureFor(422, {
      detail: [{ loc: ['body', 'client_id'], msg: 'Field required', type: 'missing' }],
    });
    expect(error.message).toBe(
      'Platform answered HTTP 422 (http_422): Request validation failed — body.client_id: Field required',
    );
  });

  it('another JSON shape is excerpted', async () => {
    const error = await failureFor(400, { error: { message: 'nope' } });
    expect(error.detail).toBe('body: {"error":{"message":"nope"}}');
  });

  it.each([418, 451, 503])(
    'an undocumented status %i still becomes an ApiError',
    async (status) => {
      const error = await failureFor(status, 'teapot');
      expect(error.constructor).toBe(ApiError);
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(status === 503);
    },
  );

  it('a redirect is not followed and names the target origin only', async () => {
    const error = await failureFor(302, '', {
      location: 'https://login.example.test/sso?next=/api/v1/org/acme',
    });
    expect(error.message).toBe(
      'Platform answered HTTP 302 (http_302): empty response body — redirect to https://login.example.test',
    );
    expect(error.hint).toMatch(/never followed/);
  });

  it('a server that echoes the token has it redacted', async () => {
    const error = await failureFor(
      401,
      envelope(401, 'authentication_error', `Token ${TOKEN} is not valid`, [
        { loc: ['header', TOKEN], msg: `bad ${TOKEN}`, type: 'invalid' },
      ]),
    );
    for (const text of [error.message, inspect(error), JSON.stringify(error)]) {
      expect(text).not.toContain(TOKEN);
    }
    expect(error.detail).toBe('Token *** is not valid');
  });

  it('ignores a malformed request id and a hostile error type', async () => {
    const error = await failureFor(500, envelope(500, 'bad\ntype <script>', 'oops'), {
      'x-request-id': 'abc def <b>',
    });
    expect(error.type).toBe('http_500');
    expect(error.requestId).toBeUndefined();
  });

  it('leaves no old-style workflow command in a message a log will show', async () => {
    const detail = 'denied ##[set-output name=base-url]https://evil.invalid ##[stop-commands]x';
    const error = await failureFor(403, envelope(403, 'permission_denied', detail));

    expect(error.message).not.toContain('##[');
    expect(error.message).toContain('# #[set-output name=base-url]https://evil.invalid');
    expect(formatFailure(error)).not.toContain('##[');
  });
});

import { describe, expect, it } from 'vitest';

import { manualClock, mintKey, provision, startPlatform } from './platform-under-test.js';

const PYTHON_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

describe('a successful provisioning request', () => {
  it('returns a mock key, the gateway URL and an expiry', async () => {
    const platform = await startPlatform();

    const response = await provision(platform);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['api_key', 'base_url', 'expires_at']);
    expect(body.api_key).toMatch(/^sk-mock-[0-9a-f]{32}$/);
    expect(body.base_url).toBe(platform.gatewayUrl);
    expect(body.expires_at).toMatch(PYTHON_UTC);
  });

  it('writes expires_at as now plus the TTL, with microseconds and a +00:00 offset', async () => {
    const clock = manualClock(Date.UTC(2026, 3, 15, 12, 0, 0, 123));
    const platform = await startPlatform({ now: clock.now, keyTtlSeconds: 600 });

    const body = (await (await provision(platform)).json()) as { expires_at: string };

    expect(body.expires_at).toBe('2026-04-15T12:10:00.123000+00:00');
  });

  it('records the minted key with its client id, organization and expiry', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now });

    const apiKey = await mintKey(platform, 'job-42');

    expect(platform.keys).toEqual([
      {
        apiKey,
        clientId: 'job-42',
        organization: 'acme',
        expiresAt: new Date(clock.now() + 900_000),
      },
    ]);
  });

  it('accepts the token in an X-API-Key header as the SDK sends it', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, {
      headers: { authorization: '', 'x-api-key': 'test-token' },
    });

    expect(response.status).toBe(200);
  });

  it('accepts a client_id of exactly 128 characters', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: { client_id: 'a'.repeat(128) } });

    expect(response.status).toBe(200);
  });

  it('percent-decodes the organization from the path', async () => {
    const platform = await startPlatform({ tokens: { 'test-token': ['acme corp'] } });

    const response = await provision(platform, { org: 'acme%20corp' });

    expect(response.status).toBe(200);
    expect(platform.keys[0]?.organization).toBe('acme corp');
  });

  it('lets every token of a plain token list use every known organization', async () => {
    const platform = await startPlatform({
      tokens: ['token-a', 'token-b'],
      organizations: ['acme', 'globex'],
    });

    const response = await provision(platform, {
      org: 'globex',
      headers: { authorization: 'Bearer token-b' },
    });

    expect(response.status).toBe(200);
  });

  it('records each provisioning request with its method, path, headers, body and time', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now });

    await provision(platform, { body: { client_id: 'first' } });
    clock.advance(5_000);
    await provision(platform, { body: { client_id: 'second' } });

    expect(platform.requests.map((request) => request.body)).toEqual([
      '{"client_id":"first"}',
      '{"client_id":"second"}',
    ]);
    const [first, second] = platform.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/api/v1/org/acme/inference/keys',
      receivedAt: clock.now() - 5_000,
    });
    expect(first?.headers.authorization).toBe('Bearer test-token');
    expect(second?.receivedAt).toBe(clock.now());
  });
});

describe('an error answer', () => {
  it('rejects a request without credentials with 401 in the canonical envelope', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { headers: { authorization: '' } });

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      code: 401,
      detail: expect.any(String),
      type: 'authentication_error',
      errors: null,
    });
  });

  it('rejects an unknown bearer token with 401', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { headers: { authorization: 'Bearer nope' } });

    expect(response.status).toBe(401);
  });

  it('rejects an unknown organization with 404', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { org: 'initech' });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 404, type: 'not_found' });
  });

  it('rejects a known organization the token may not use with 403', async () => {
    const platform = await startPlatform({
      tokens: { 'test-token': ['acme'], 'other-token': ['globex'] },
    });

    const response = await provision(platform, { org: 'globex' });

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 403, type: 'permission_denied' });
  });

  it('rejects a malformed percent-encoding in the organization with 400', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { org: 'acme%E0%A4%A' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 400, type: 'bad_request' });
  });

  it('answers another method on the provisioning path with 405 and an Allow header', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { method: 'GET' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ code: 405, type: 'method_not_allowed' });
  });

  it('answers an unknown path with a 404 envelope', async () => {
    const platform = await startPlatform();

    const response = await fetch(`${platform.url}/api/v2/anything`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 404, type: 'not_found', errors: null });
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: { client_id: 'x'.repeat(70_000) } });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 413, type: 'bad_request' });
    expect(platform.keys).toHaveLength(0);
  });

  it('tags every response with a fresh request id', async () => {
    const platform = await startPlatform();

    const responses = [
      await provision(platform),
      await provision(platform, { org: 'initech' }),
      await fetch(`${platform.url}/nowhere`),
      await fetch(`${platform.gatewayUrl}/v1/models`),
    ];

    const ids = responses.map((response) => response.headers.get('x-request-id'));
    for (const id of ids) {
      expect(id).toMatch(/^req_[0-9a-f]{16}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('validation of the request body', () => {
  const clientIdCases = [
    {
      name: 'a missing client_id',
      body: {},
      msg: 'Field required',
      type: 'missing',
    },
    {
      name: 'a client_id with characters outside the pattern',
      body: { client_id: 'job 42/retry' },
      msg: "String should match pattern '^[a-zA-Z0-9_-]+$'",
      type: 'string_pattern_mismatch',
    },
    {
      name: 'a client_id longer than 128 characters',
      body: { client_id: 'a'.repeat(129) },
      msg: 'String should have at most 128 characters',
      type: 'string_too_long',
    },
    {
      name: 'an empty client_id',
      body: { client_id: '' },
      msg: 'String should have at least 1 character',
      type: 'string_too_short',
    },
    {
      name: 'a client_id that is not a string',
      body: { client_id: 42 },
      msg: 'Input should be a valid string',
      type: 'string_type',
    },
  ];

  it.each(clientIdCases)('rejects $name with 422 naming body.client_id', async (example) => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: example.body });

    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      code: 422,
      detail: 'Request validation failed',
      type: 'validation_error',
      errors: [{ loc: ['body', 'client_id'], msg: example.msg, type: example.type }],
    });
  });

  it('rejects a body that is not JSON with a json_invalid problem at body position 0', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: '{"client_id": ' });

    expect(response.status).toBe(422);
    const envelope = (await response.json()) as { errors: unknown[] };
    expect(envelope.errors).toEqual([
      { loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' },
    ]);
  });

  it('rejects a JSON body that is not an object with a problem at body', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: '["ci-run-1"]' });

    const envelope = (await response.json()) as { errors: { loc: unknown; type: string }[] };
    expect(response.status).toBe(422);
    expect(envelope.errors).toEqual([
      expect.objectContaining({ loc: ['body'], type: 'model_attributes_type' }),
    ]);
  });

  it('rejects an empty body as a missing body', async () => {
    const platform = await startPlatform();

    const response = await provision(platform, { body: '' });

    const envelope = (await response.json()) as { errors: unknown[] };
    expect(envelope.errors).toEqual([{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
  });
});

describe('re-provisioning the same client_id', () => {
  it('rotates to a new key by default', async () => {
    const platform = await startPlatform();

    const first = await mintKey(platform, 'job-1');
    const second = await mintKey(platform, 'job-1');

    expect(second).not.toBe(first);
    expect(platform.keys.map((key) => key.apiKey)).toEqual([first, second]);
  });

  it('answers 409 while the earlier key is live when conflictOnReuse is set', async () => {
    const platform = await startPlatform({ conflictOnReuse: true });
    await mintKey(platform, 'job-1');

    const response = await provision(platform, { body: { client_id: 'job-1' } });

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 409, type: 'conflict' });
  });

  it('mints again once the earlier key has expired even when conflictOnReuse is set', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ conflictOnReuse: true, now: clock.now });
    await mintKey(platform, 'job-1');
    clock.advance(900_000);

    const response = await provision(platform, { body: { client_id: 'job-1' } });

    expect(response.status).toBe(200);
  });
});

describe('a platform served under a path prefix', () => {
  it('serves the API under the prefix and reports it in url', async () => {
    const platform = await startPlatform({ pathPrefix: '/platform/' });

    const response = await provision(platform);

    expect(platform.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/platform$/);
    expect(response.status).toBe(200);
  });

  it('answers 404 for the API path without the prefix', async () => {
    const platform = await startPlatform({ pathPrefix: '/platform' });
    const origin = new URL(platform.url).origin;

    const response = await fetch(`${origin}/api/v1/org/acme/inference/keys`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token' },
      body: '{"client_id":"ci-run-1"}',
    });

    expect(response.status).toBe(404);
  });

  it('keeps the gateway at the origin, outside the prefix', async () => {
    const platform = await startPlatform({ pathPrefix: '/platform' });

    expect(platform.gatewayUrl).toBe(`${new URL(platform.url).origin}/litellm`);
  });
});

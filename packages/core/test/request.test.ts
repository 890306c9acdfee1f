import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { provisionKey, VERSION } from '../src/index.js';
import {
  API_KEY,
  KEYS_PATH,
  ORIGIN,
  platform,
  successBody,
  TOKEN,
  testOptions,
} from './fixtures/platform.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('the provisioning request', () => {
  it('posts the client id as JSON with a bearer token, JSON headers and a named user agent', async () => {
    let seen: { headers: Record<string, unknown>; body: unknown } | undefined;
    platform().reply(function (_uri, body) {
      seen = { headers: this.req.headers, body };
      return [200, successBody()];
    });
    const { options } = testOptions();

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(seen?.body).toEqual({ client_id: 'job-1' });
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen?.headers['x-api-key']).toBeUndefined();
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.accept).toBe('application/json');
    expect(seen?.headers['user-agent']).toBe(`provision-litellm-key-core/${VERSION}`);
  });

  it('sends the token as X-API-Key when asked, and no Authorization header', async () => {
    let headers: Record<string, unknown> = {};
    platform().reply(function () {
      headers = this.req.headers;
      return [200, successBody()];
    });
    const { options } = testOptions({ authHeader: 'x-api-key' });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(headers['x-api-key']).toBe(TOKEN);
    expect(headers.authorization).toBeUndefined();
  });

  it('trims white space around the token', async () => {
    let authorization: unknown;
    platform().reply(function () {
      authorization = this.req.headers.authorization;
      return [200, successBody()];
    });
    const { options } = testOptions({ token: `  ${TOKEN}\n` });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('puts a caller-supplied user agent in front of its own', async () => {
    let userAgent: unknown;
    platform().reply(function () {
      userAgent = this.req.headers['user-agent'];
      return [200, successBody()];
    });
    const { options } = testOptions({ userAgent: 'eval-harness/2.1' });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(userAgent).toBe(`eval-harness/2.1 provision-litellm-key-core/${VERSION}`);
  });

  it.each([
    ['https://host.test/api/v1', 'https://host.test', '/api/v1/org/acme/inference/keys'],
    [
      'https://host.test/platform/api/',
      'https://host.test',
      '/platform/api/v1/org/acme/inference/keys',
    ],
    [
      'https://host.test/platform///',
      'https://host.test',
      '/platform/api/v1/org/acme/inference/keys',
    ],
  ])('with api url %j posts to %s%s', async (apiUrl, origin, path) => {
    const scope = nock(origin).post(path).reply(200, successBody());
    const { options } = testOptions({ apiUrl });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(scope.isDone()).toBe(true);
  });

  it('percent-encodes the organization in the path', async () => {
    const scope = nock(ORIGIN)
      .post('/api/v1/org/caf%C3%A9%2Blabs/inference/keys')
      .reply(200, successBody());
    const { options } = testOptions();

    await provisionKey({ ...options, organization: 'café+labs', clientId: 'job-1' });

    expect(scope.isDone()).toBe(true);
  });

  it('returns the key, gateway, expiry and what it was provisioned for', async () => {
    platform().reply(200, successBody());
    const { options } = testOptions();

    const key = await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(key.apiKey).toBe(API_KEY);
    expect(key.baseUrl).toBe('https://litellm.example.test');
    expect(key.expiresAt.toISOString()).toBe('2026-04-15T12:00:00.123Z');
    expect(key).toMatchObject({ organization: 'acme', clientId: 'job-1', attempts: 1 });
  });

  it('reports every secret to onSecret: the token at creation, the key once parsed', async () => {
    platform().reply(200, successBody());
    const secrets: string[] = [];
    const { options } = testOptions({ onSecret: (value) => secrets.push(value) });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(secrets).toEqual([TOKEN, API_KEY]);
  });

  it('keeps the key out of console output and JSON of the returned object', async () => {
    platform().reply(200, successBody());
    const { options } = testOptions();

    const key = await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    const { inspect } = await import('node:util');
    expect(inspect(key)).not.toContain(API_KEY);
    expect(JSON.stringify(key)).not.toContain(API_KEY);
    expect(Object.keys(key)).not.toContain('apiKey');
  });

  it('sends a version in the user agent equal to the package version', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(manifest.version);
  });

  it('uses the documented path under the default platform origin', async () => {
    const scope = nock('https://platform.dreadnode.io').post(KEYS_PATH).reply(200, successBody());
    const { options } = testOptions({ apiUrl: undefined });

    await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });

    expect(scope.isDone()).toBe(true);
  });
});

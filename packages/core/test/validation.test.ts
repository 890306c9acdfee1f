import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertValidClientId,
  createClient,
  encodeOrganization,
  InvalidInputError,
  normaliseApiUrl,
  provisionKey,
  readWholeNumber,
} from '../src/index.js';
import { TOKEN, testOptions } from './fixtures/platform.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('organization slug', () => {
  it.each([
    ['acme', 'acme'],
    ['Acme_Labs-2', 'Acme_Labs-2'],
    ['acme.io', 'acme.io'],
    ['café', 'caf%C3%A9'],
    ['a+b', 'a%2Bb'],
    ['a:b@c', 'a%3Ab%40c'],
  ])('accepts %j and encodes it as %j', (slug, encoded) => {
    expect(encodeOrganization(slug)).toBe(encoded);
  });

  it.each([
    '',
    '.',
    '..',
    'a/b',
    'a?b',
    'a#b',
    'a%2Fb',
    'a\\b',
    'a b',
    ' acme',
    'acme\n',
    'a\tb',
    'a\u0000b',
    'a\u007fb',
    'a\u2028b',
    '\ud800',
  ])('rejects %j as an unsafe path segment', (slug) => {
    expect(() => encodeOrganization(slug)).toThrow(InvalidInputError);
  });

  it('names the organization in a one-line message with control characters made visible', () => {
    const error = captureSync(() => encodeOrganization('ac\nme'));
    expect(error.message).toBe(
      'organization "ac\\nme" contains a character that cannot appear in a URL path segment',
    );
    expect(error.field).toBe('organization');
  });
});

describe('client id', () => {
  it.each(['a', 'job-1_A', 'x'.repeat(128)])('accepts %j', (id) => {
    expect(() => assertValidClientId(id)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(129), /129 characters long; at most 128/],
    ['has space', /contains characters other than/],
    ['dot.ted', /contains characters other than/],
    ['ünï', /contains characters other than/],
  ])('rejects %j', (id, message) => {
    expect(() => assertValidClientId(id)).toThrow(message);
  });
});

describe('api url', () => {
  it.each([
    ['https://platform.example.test', 'https://platform.example.test/'],
    ['https://platform.example.test/', 'https://platform.example.test/'],
    ['https://platform.example.test/api', 'https://platform.example.test/'],
    ['https://platform.example.test/api/', 'https://platform.example.test/'],
    ['https://platform.example.test/api/v1', 'https://platform.example.test/'],
    ['https://platform.example.test/api/v1//', 'https://platform.example.test/'],
    ['https://host.test/platform', 'https://host.test/platform'],
    ['https://host.test/platform/api/v1/', 'https://host.test/platform'],
    ['  https://host.test:8443  ', 'https://host.test:8443/'],
    ['http://127.0.0.1:8080/api', 'http://127.0.0.1:8080/'],
    ['http://localhost:3000', 'http://localhost:3000/'],
    ['http://[::1]:3000', 'http://[::1]:3000/'],
  ])('normalises %j to %j', (raw, normalised) => {
    expect(normaliseApiUrl(raw, false).href).toBe(normalised);
  });

  it.each([
    ['platform.example.test', /not an absolute URL/],
    ['', /not an absolute URL/],
    ['ftp://platform.example.test', /must use https, not ftp:/],
    ['https://user:pw@platform.example.test', /must not contain credentials/],
    ['https://platform.example.test/?org=acme', /query or a fragment/],
    ['https://platform.example.test/#x', /query or a fragment/],
    ['http://platform.example.test', /plain http to platform.example.test/],
  ])('rejects %j', (raw, message) => {
    expect(() => normaliseApiUrl(raw, false)).toThrow(message);
  });

  it('permits plain http to another host only when insecure http is allowed', () => {
    expect(normaliseApiUrl('http://platform.internal', true).href).toBe(
      'http://platform.internal/',
    );
  });

  it('never echoes credentials found in the url', () => {
    const error = captureSync(() => normaliseApiUrl('https://me:hunter2@host.test', false));
    expect(error.message).not.toContain('hunter2');
  });
});

describe('client options', () => {
  it('rejects an empty or blank token before any network call', () => {
    expect(() => createClient({ token: '   ' })).toThrow(/API token is empty/);
  });

  it('rejects a token too short to be one, without reporting it as a secret to mask', () => {
    const masked: string[] = [];
    const error = captureSync(() =>
      createClient({ token: 'true', onSecret: (value) => masked.push(value) }),
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe('the platform API token is only 4 characters');
    expect(masked).toEqual([]);
  });

  it('reports a token of usable length as a secret before checking anything else', () => {
    const masked: string[] = [];
    createClient({ token: 'dn_12345', onSecret: (value) => masked.push(value) }).close();

    expect(masked).toEqual(['dn_12345']);
  });

  it('rejects a token with an embedded line break without echoing it', () => {
    const error = captureSync(() => createClient({ token: 'abc\ndef-secret' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).not.toContain('def-secret');
  });

  it('rejects an unknown auth header choice', () => {
    expect(() =>
      createClient({ token: TOKEN, authHeader: 'cookie' as unknown as 'authorization' }),
    ).toThrow(/auth-header must be "authorization" or "x-api-key"/);
  });

  it.each([
    ['timeoutMs', 0],
    ['deadlineMs', -5],
    ['maxAttempts', Number.NaN],
  ])('rejects %s = %s', (field, value) => {
    expect(() => createClient({ token: TOKEN, [field]: value })).toThrow(
      new RegExp(`${field} must be a number from 1 to`),
    );
  });

  it('redacts the token from an input error when it was pasted into the wrong setting', () => {
    const error = captureSync(() => createClient({ token: TOKEN, apiUrl: TOKEN }));
    expect(error.message).toBe('api-url "***" is not an absolute URL');
  });

  it('makes no request when the organization is invalid', async () => {
    const scope = nock('https://platform.example.test').post(/.*/).reply(200, {});
    const { options } = testOptions();
    await expect(
      provisionKey({ ...options, organization: '../admin', clientId: 'job-1' }),
    ).rejects.toThrow(InvalidInputError);
    expect(scope.isDone()).toBe(false);
  });

  it('makes no request when the client id is invalid', async () => {
    const scope = nock('https://platform.example.test').post(/.*/).reply(200, {});
    const { options } = testOptions();
    await expect(
      provisionKey({ ...options, organization: 'acme', clientId: 'not valid!' }),
    ).rejects.toThrow(/client-id "not valid!"/);
    expect(scope.isDone()).toBe(false);
  });
});

function captureSync(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('numeric settings read as text', () => {
  it.each([
    ['min-ttl-seconds', '0', 0],
    ['timeout-seconds', '3600', 3600],
    ['max-attempts', '20', 20],
  ] as const)('reads %s = %j', (setting, text, value) => {
    expect(readWholeNumber(setting, text)).toBe(value);
  });

  it.each([
    ['timeout-seconds', '0', 'timeout-seconds must be a whole number from 1 to 3600, not "0"'],
    ['max-attempts', '2.5', 'max-attempts must be a whole number from 1 to 20, not "2.5"'],
    ['min-ttl-seconds', '１', 'min-ttl-seconds must be a whole number from 0 to 86400, not "１"'],
  ] as const)('rejects %s = %j', (setting, text, message) => {
    expect(() => readWholeNumber(setting, text)).toThrow(message);
  });
});

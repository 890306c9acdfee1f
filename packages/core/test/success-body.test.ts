import { inspect } from 'node:util';
import fc from 'fast-check';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidResponseError, parseRfc3339, provisionKey } from '../src/index.js';
import { API_KEY, platform, successBody, testOptions } from './fixtures/platform.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

async function provisionWith(body: unknown, overrides = {}) {
  platform().reply(200, body as nock.Body);
  const { options } = testOptions(overrides);
  return provisionKey({ ...options, organization: 'acme', clientId: 'job-1' });
}

async function failureWith(body: unknown, overrides = {}): Promise<InvalidResponseError> {
  const error = await provisionWith(body, overrides).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(InvalidResponseError);
  return error as InvalidResponseError;
}

describe('expires_at', () => {
  it.each([
    ['2026-04-15T12:00:00Z', '2026-04-15T12:00:00.000Z'],
    ['2026-04-15T12:00:00+00:00', '2026-04-15T12:00:00.000Z'],
    ['2026-04-15T12:00:00.123456+00:00', '2026-04-15T12:00:00.123Z'],
    ['2026-04-15T12:00:00.5Z', '2026-04-15T12:00:00.500Z'],
    ['2026-04-15T14:30:00+02:30', '2026-04-15T12:00:00.000Z'],
    ['2026-04-15T07:00:00-05:00', '2026-04-15T12:00:00.000Z'],
    ['2026-04-15T12:00:00', '2026-04-15T12:00:00.000Z'],
    ['2026-04-15T12:00:00.123456', '2026-04-15T12:00:00.123Z'],
    ['2026-04-15 12:00:00z', '2026-04-15T12:00:00.000Z'],
  ])('reads %j as %s', async (raw, iso) => {
    const key = await provisionWith(successBody({ expires_at: raw }));
    expect(key.expiresAt.toISOString()).toBe(iso);
  });

  it.each([
    'tomorrow',
    '2026-04-15',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-15T24:00:00Z',
    '2026-04-15T12:00:00+25:00',
    '1776254400',
    '2026-04-15T12:00:00.Z',
  ])('rejects %j naming the field', async (raw) => {
    const error = await failureWith(successBody({ expires_at: raw }));
    expect(error.field).toBe('expires_at');
    expect(error.message).toMatch(/not an RFC 3339 date-time/);
  });

  it('rejects a key that has already expired', async () => {
    const error = await failureWith(successBody({ expires_at: '2026-04-15T10:59:59Z' }));
    expect(error.message).toBe(
      'The platform returned a key that already expired at 2026-04-15T10:59:59.000Z',
    );
  });

  it('rejects a key that expires sooner than the required lifetime', async () => {
    platform().reply(200, successBody({ expires_at: '2026-04-15T11:00:30Z' }));
    const { options } = testOptions();
    const error = await provisionKey({
      ...options,
      organization: 'acme',
      clientId: 'job-1',
      minTtlMs: 60_000,
    }).then(
      () => expect.unreachable(),
      (caught: unknown) => caught as InvalidResponseError,
    );
    expect(error.message).toBe('The key expires in 30 s, sooner than the 60 s required');
    expect(error.hint).toMatch(/min-ttl-seconds/);
  });

  it('treats a leap second as the end of its minute', () => {
    expect(parseRfc3339('2026-06-30T23:59:60Z')?.toISOString()).toBe('2026-06-30T23:59:59.000Z');
  });

  it('reads any instant from year 0 to 9999, in any offset and fraction, as JavaScript does', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 999_999 }),
        (instant, offsetMinutes, microseconds) => {
          const shifted = new Date(instant.getTime() + offsetMinutes * 60_000);
          const [date, time] = shifted.toISOString().slice(0, 19).split('T');
          const sign = offsetMinutes < 0 ? '-' : '+';
          const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
          const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
          const fraction = String(microseconds).padStart(6, '0');
          const text = `${date}T${time}.${fraction}${sign}${hours}:${minutes}`;
          if (!/^\d{4}-/.test(text)) return; // shifted out of the four-digit years

          const expected =
            Date.parse(`${date}T${time}.${fraction.slice(0, 3)}Z`) - offsetMinutes * 60_000;
          expect(parseRfc3339(text)?.getTime()).toBe(expected);
        },
      ),
    );
  });

  it.each(['2023-02-29', '2100-02-29', '2026-04-31', '2026-06-31', '2026-09-31', '2026-11-31'])(
    'knows %s does not exist',
    (day) => {
      expect(parseRfc3339(`${day}T00:00:00Z`)).toBeUndefined();
    },
  );

  it.each(['2024-02-29', '2000-02-29', '0004-02-29', '2026-12-31'])('knows %s exists', (day) => {
    expect(parseRfc3339(`${day}T00:00:00Z`)?.toISOString()).toBe(`${day}T00:00:00.000Z`);
  });
});

describe('api_key', () => {
  it('neither masks nor hides a key too short to use, and refuses it', async () => {
    platform().reply(200, successBody({ api_key: 'e' }));
    const masked: string[] = [];
    const { options } = testOptions({ onSecret: (value) => masked.push(value) });

    const error = await provisionKey({ ...options, organization: 'acme', clientId: 'job-1' }).then(
      () => expect.unreachable(),
      (caught: unknown) => caught as InvalidResponseError,
    );

    expect(error.message).toBe(
      'The platform returned an api_key of 1 characters; 8 to 4096 are accepted',
    );
    expect(masked).not.toContain('e');
  });

  it.each([
    [{ api_key: '' }, 'The platform returned an empty api_key'],
    [
      { api_key: 'sk abc' },
      'The platform returned an api_key containing white space or control characters',
    ],
    [
      { api_key: 'sk-\u0000abc' },
      'The platform returned an api_key containing white space or control characters',
    ],
    [
      { api_key: 'sk-1234' },
      'The platform returned an api_key of 7 characters; 8 to 4096 are accepted',
    ],
    [
      { api_key: `sk-${'x'.repeat(4094)}` },
      'The platform returned an api_key of 4097 characters; 8 to 4096 are accepted',
    ],
    [
      { api_key: 42 },
      'The platform\'s success response has a number for "api_key" where a string is required',
    ],
    [
      { api_key: undefined },
      'The platform\'s success response has nothing for "api_key" where a string is required',
    ],
  ])('rejects %j', async (override, message) => {
    const error = await failureWith(successBody(override));
    expect(error.message).toBe(message);
    expect(error.field).toBe('api_key');
  });

  it('never puts the key in an error about another field', async () => {
    const error = await failureWith(successBody({ base_url: API_KEY }));
    expect(inspect(error)).not.toContain(API_KEY);
    expect(JSON.stringify(error)).not.toContain(API_KEY);
    expect(error.message).not.toContain(API_KEY);
  });
});

describe('base_url', () => {
  it.each([
    ['', 'is empty'],
    ['litellm.example.test', 'is not an absolute URL'],
    ['ftp://litellm.example.test', 'uses ftp: instead of https'],
    ['https://u:p@litellm.example.test', 'contains credentials'],
    ['https://litellm.example.test\n/x', 'contains white space or control characters'],
    [
      'https://litellm.example.test/v1#x##[error]forged',
      'has a fragment (#), which a gateway URL never has',
    ],
    ['https://litellm.example.test/#', 'has a fragment (#), which a gateway URL never has'],
    ['https:litellm.example.test', 'is not written in the plain form scheme://host/path'],
    ['http://127.0.0.1\\@remote.invalid/v1', 'is not written in the plain form scheme://host/path'],
    ['http:\\\\127.0.0.1\\litellm', 'is not written in the plain form scheme://host/path'],
  ])('rejects %j because it %s', async (baseUrl, why) => {
    const error = await failureWith(successBody({ base_url: baseUrl }));
    expect(error.message).toBe(`The platform returned a base_url that ${why}`);
  });

  it('rejects plain http to a non-loopback gateway', async () => {
    const error = await failureWith(successBody({ base_url: 'http://litellm.example.test' }));
    expect(error.message).toMatch(/plain-http base_url for litellm.example.test/);
  });

  it('accepts plain http to a loopback gateway', async () => {
    const key = await provisionWith(successBody({ base_url: 'http://127.0.0.1:4000' }));
    expect(key.baseUrl).toBe('http://127.0.0.1:4000');
  });

  it('accepts plain http anywhere when insecure http is allowed', async () => {
    const key = await provisionWith(successBody({ base_url: 'http://litellm.internal' }), {
      allowInsecureHttp: true,
    });
    expect(key.baseUrl).toBe('http://litellm.internal');
  });
});

describe('the body as a whole', () => {
  it('ignores fields it does not know', async () => {
    const key = await provisionWith(successBody({ key_alias: 'ci-job-1', spend: 0, models: [] }));
    expect(key.apiKey).toBe(API_KEY);
  });

  it.each([
    [[successBody()], "The platform's success response is an array, not a JSON object"],
    ['"sk-abc"', "The platform's success response is a string, not a JSON object"],
    ['null', "The platform's success response is null, not a JSON object"],
    ['', "The platform's success response is empty"],
    ['{"api_key": "sk-', "The platform's success response is not valid JSON"],
    ['<html>ok</html>', "The platform's success response is not valid JSON"],
  ])('rejects %j', async (body, message) => {
    const error = await failureWith(body);
    expect(error.message).toBe(message);
  });

  it('rejects a body that is not valid UTF-8', async () => {
    platform().reply(200, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    const { options } = testOptions();
    await expect(
      provisionKey({ ...options, organization: 'acme', clientId: 'job-1' }),
    ).rejects.toThrow("The platform's success response is not valid UTF-8");
  });

  it('does not retry an invalid success body', async () => {
    const scope = platform().times(2).reply(200, '{}');
    const { options } = testOptions();
    await expect(
      provisionKey({ ...options, organization: 'acme', clientId: 'job-1' }),
    ).rejects.toBeInstanceOf(InvalidResponseError);
    expect(scope.pendingMocks()).toHaveLength(1);
  });
});

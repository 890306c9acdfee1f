import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { oneLine } from '../src/errors.js';
import {
  CertificateError,
  ConflictError,
  encodeOrganization,
  formatFailure,
  InvalidInputError,
  isLoopbackHost,
  provisionKey,
} from '../src/index.js';
import { SecretRegistry } from '../src/secrets.js';
import { envelope } from './fixtures/envelopes.js';
import { closeAllServers, startHttpServer } from './fixtures/loopback.js';
import { successBody, TOKEN, testOptions } from './fixtures/platform.js';

afterEach(closeAllServers);

/** A platform that answers every request with the given success body. */
function serveSuccess(body: Record<string, unknown>) {
  return startHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
}

const request = { organization: 'acme', clientId: 'job-1' };

describe('what counts as a secret', () => {
  it('is redacted whatever its case, as a URL parser lower-cases host names', () => {
    const secrets = new SecretRegistry();
    secrets.add('Tok-SECRET-9');

    expect(secrets.redact('redirect to https://tok-secret-9.example.test')).toBe(
      'redirect to https://***',
    );
  });

  it('hides a word that holds only a piece of a secret, as servers often echo keys cut short', () => {
    const secrets = new SecretRegistry();
    secrets.add('tok_SUPERSECRET_abc123');

    expect(secrets.redact('bad token starting tok_SUPERSECRET_abc1, try again')).toBe(
      'bad token starting ***, try again',
    );
    expect(secrets.redact('expires "sk-0123456789" soon')).toBe('expires "sk-0123456789" soon');
  });

  it('leaves a word sharing fewer characters than a piece with a secret alone', () => {
    const secrets = new SecretRegistry();
    secrets.add('tok_SUPERSECRET_abc123');

    expect(secrets.redact('tok_SUPER is a prefix')).toBe('tok_SUPER is a prefix');
  });

  it('replaces a secret that contains another one whole', () => {
    const secrets = new SecretRegistry();
    secrets.add('sk-abc', 'recent');
    secrets.add('sk-abcdef', 'recent');

    expect(secrets.redact('key sk-abcdef')).toBe('key ***');
  });

  it('remembers the token for ever but only the newest keys', () => {
    const reported: string[] = [];
    const secrets = new SecretRegistry((value) => reported.push(value));
    secrets.add('the-token');
    const keys = Array.from({ length: SecretRegistry.RECENT_KEYS + 4 }, (_, n) => `sk-key-${n}-x`);
    for (const key of keys) secrets.add(key, 'recent');

    expect(reported).toEqual(['the-token', ...keys]);
    expect(secrets.redact(`the-token ${keys.at(-1)}`)).toBe('*** ***');
    expect(secrets.reveals(keys[0] ?? '')).toBe(false);
  });

  it('is reported once however often it is added', () => {
    const reported: string[] = [];
    const secrets = new SecretRegistry((value) => reported.push(value));
    secrets.add('abc-token');
    secrets.add('abc-token', 'recent');

    expect(reported).toEqual(['abc-token']);
  });
});

describe('text from the server in a message', () => {
  it('loses terminal escape sequences', () => {
    expect(oneLine('\u001b[31mred\u001b[0m alert')).toBe('red alert');
  });

  it('loses bidirectional overrides that could reorder the line', () => {
    expect(oneLine('safe \u202Eevil\u202C text\u200B')).toBe('safe evil text');
  });

  it('never spells out a long key cut short in an expires_at', async () => {
    const longKey = `sk-${'q'.repeat(60)}`;
    const server = await serveSuccess(successBody({ api_key: longKey, expires_at: longKey }));
    const { options } = testOptions({ apiUrl: server.url, maxAttempts: 1 });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.message).toBe(
      'The platform returned an expires_at that is not an RFC 3339 date-time: "***"',
    );
    expect(inspect(error)).not.toContain('q'.repeat(20));
  });
});

describe('a retry that meets the key its lost predecessor created', () => {
  it('explains the conflict instead of blaming the client id', async () => {
    const server = await startHttpServer((_request, response, index) => {
      if (index === 0) {
        // The platform minted the key, but the answer never arrives.
        response.socket?.destroy();
        return;
      }
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end(JSON.stringify(envelope(409, 'conflict', 'Key alias already exists')));
    });
    const { options } = testOptions({ apiUrl: server.url });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(ConflictError);
    expect(formatFailure(error)).toBe(
      'Platform answered HTTP 409 (conflict): Key alias already exists (after 2 attempts over ' +
        '0.0 s). An earlier attempt may have created the key before its answer was lost; run ' +
        'again (a derived client id changes on every run) or pass a new client-id.',
    );
  });

  it('keeps the usual hint when the first attempt already conflicts', async () => {
    const server = await startHttpServer((_request, response) => {
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end(JSON.stringify(envelope(409, 'conflict', 'Key alias already exists')));
    });
    const { options } = testOptions({ apiUrl: server.url });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.hint).toBe(
      'A key for this client id already exists; use another client-id or leave it unset.',
    );
  });
});

describe('a server that does not speak https', () => {
  it('fails at once with a hint to check the scheme', async () => {
    const server = await startHttpServer((_request, response) => response.end('plain'));
    const httpsUrl = server.url.replace('http://', 'https://');
    const { options } = testOptions({ apiUrl: httpsUrl });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(CertificateError);
    expect(error.hint).toBe(
      'The server did not speak TLS; check whether api-url should start with http or https.',
    );
    expect(server.connections()).toBe(1);
  });
});

describe('inputs from code that is not type-checked', () => {
  it.each([
    [{ organization: undefined }, 'organization must be a string, not undefined'],
    [{ organization: 42 }, 'organization must be a string, not number'],
    [{ clientId: null }, 'client-id must be a string, not object'],
  ])('rejects %j with a clear message', async (override, message) => {
    const { options } = testOptions();

    const error = await provisionKey({ ...options, ...request, ...override } as never).catch(
      (caught) => caught,
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(message);
  });

  it('accepts the platform URL as a URL object', async () => {
    const server = await serveSuccess(successBody({ base_url: 'http://127.0.0.1:4000' }));
    const { options } = testOptions({ apiUrl: new URL(server.url) as never });

    const key = await provisionKey({ ...options, ...request });

    expect(key.baseUrl).toBe('http://127.0.0.1:4000');
  });

  it.each([
    ['timeoutMs', 2 ** 31],
    ['maxAttempts', 101],
  ])('rejects %s = %s, beyond what a timer or a sane retry budget holds', async (field, value) => {
    await expect(provisionKey({ token: TOKEN, ...request, [field]: value })).rejects.toThrow(
      InvalidInputError,
    );
  });
});

describe('loopback', () => {
  it.each([
    'localhost',
    'LOCALHOST.',
    '127.0.0.1',
    '127.9.8.7',
    '[::1]',
    new URL('http://[::ffff:127.0.0.1]').hostname,
    '[::ffff:7fff:ffff]',
  ])('counts %s as this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    'platform.localhost',
    '128.0.0.1',
    '0.0.0.0',
    'localhost.example.test',
    '[::ffff:8000:1]',
    '[::ffff:10.0.0.1]',
  ])('does not count %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('the caller’s hooks', () => {
  it('a failing onAttempt logger neither fails nor repeats a provisioning', async () => {
    const server = await serveSuccess(successBody({ base_url: 'http://127.0.0.1:4000' }));
    const { options } = testOptions({
      apiUrl: server.url,
      onAttempt: () => {
        throw new Error('log sink is full');
      },
    });

    const key = await provisionKey({ ...options, ...request });

    expect(key.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('a failing onSecret stops the key from being handed out', async () => {
    const server = await serveSuccess(successBody({ base_url: 'http://127.0.0.1:4000' }));
    let calls = 0;
    const { options } = testOptions({
      apiUrl: server.url,
      onSecret: () => {
        calls += 1;
        if (calls === 2) throw new Error('mask service down');
      },
    });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.name).toBe('SecretHookError');
    expect(formatFailure(error)).toBe(
      'The onSecret hook failed: mask service down. Fix the onSecret callback; a secret that ' +
        'cannot be masked is not handed out.',
    );
  });
});

describe('options a caller may spell loosely or wrongly', () => {
  it('accepts the auth header choice in any case', async () => {
    const server = await serveSuccess(successBody({ base_url: 'http://127.0.0.1:4000' }));
    const { options } = testOptions({
      apiUrl: server.url,
      authHeader: 'X-API-Key' as 'x-api-key',
    });

    await provisionKey({ ...options, ...request });

    expect(server.requests[0]?.headers['x-api-key']).toBe(TOKEN);
  });

  it('refuses a user agent that is not printable ASCII, before any request', async () => {
    const { options } = testOptions({ userAgent: 'evals/1.0 (büro)' });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.hint).toBe('Fix the user agent setting and run again.');
  });
});

describe('invisible characters', () => {
  it('are refused in an organization slug', () => {
    expect(() => encodeOrganization('acme\u202e')).toThrow(InvalidInputError);
  });

  it('are refused in a key the platform returns', async () => {
    const server = await serveSuccess(successBody({ api_key: 'sk-\u202eevil-0123456789' }));
    const { options } = testOptions({ apiUrl: server.url });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.message).toBe(
      'The platform returned an api_key containing white space or control characters',
    );
  });
});

describe('a gateway URL holding part of the key', () => {
  it('is refused, as it would be logged and exported in the clear', async () => {
    const key = 'sk-litellm-0123456789abcdef';
    const server = await startHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          successBody({ api_key: key, base_url: `https://gw.test/${key.slice(0, 14)}` }),
        ),
      );
    });
    const { options } = testOptions({ apiUrl: server.url });

    const error = await provisionKey({ ...options, ...request }).catch((caught) => caught);

    expect(error.message).toBe(
      'The platform returned a base_url that contains the token or the key',
    );
  });
});

describe('a rate limit close to the deadline', () => {
  it('trims the random spread to the time left instead of giving up', async () => {
    const server = await startHttpServer((_request, response, index) => {
      if (index === 0) {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end(JSON.stringify(envelope(429, 'rate_limited', 'Slow down')));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(successBody({ base_url: 'http://127.0.0.1:4000' })));
    });
    const { options, waits } = testOptions({
      apiUrl: server.url,
      deadlineMs: 3_000,
      clock: { random: () => 0.99 },
    });

    const key = await provisionKey({ ...options, ...request });

    // 1 s asked for, plus a spread of up to 3 s trimmed to leave 1 s for the last attempt.
    expect(waits).toEqual([2_000]);
    expect(key.attempts).toBe(2);
  });
});

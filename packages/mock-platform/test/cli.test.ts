import { describe, expect, it, onTestFinished } from 'vitest';

import { runCli } from '../src/cli.js';
import { deferred, manualClock } from './platform-under-test.js';

/** What a test may hand the command besides its arguments. */
interface LaunchContext {
  env?: Record<string, string | undefined>;
  now?: () => number;
}

/** A run of the command whose output is captured and which the test stops. */
function launch(argv: string[], context: LaunchContext = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const firstLine = deferred<string>();
  const stop = new AbortController();
  onTestFinished(() => stop.abort());

  const exitCode = runCli(argv, {
    stdout: (line) => {
      stdout.push(line);
      firstLine.resolve(line);
    },
    stderr: (line) => stderr.push(line),
    env: context.env ?? {},
    stop: stop.signal,
    now: context.now,
  });
  return { stdout, stderr, stop, exitCode, firstLine: firstLine.promise };
}

/** Waits for the one JSON line the command prints once it is listening. */
async function listening(run: ReturnType<typeof launch>) {
  const exitedEarly = run.exitCode.then((code) => {
    throw new Error(`exited ${code} before listening: ${run.stderr.join(' ')}`);
  });
  const line = await Promise.race([run.firstLine, exitedEarly]);
  return JSON.parse(line) as { url: string; gatewayUrl: string };
}

function provisionAt(url: string, token: string, org = 'acme') {
  return fetch(`${url}/api/v1/org/${org}/inference/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'cli-run' }),
  });
}

describe('the provision-litellm-key-mock command', () => {
  it('prints its URLs as one JSON line, serves the default token, and exits 0 when stopped', async () => {
    const run = launch([]);
    const { url, gatewayUrl } = await listening(run);

    const response = await provisionAt(url, 'test-token');
    run.stop.abort();

    expect(run.stdout).toHaveLength(1);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gatewayUrl).toBe(`${url}/litellm`);
    expect(response.status).toBe(200);
    expect(await run.exitCode).toBe(0);
  });

  it('stops serving once stopped', async () => {
    const run = launch([]);
    const { url } = await listening(run);

    run.stop.abort();
    await run.exitCode;

    await expect(provisionAt(url, 'test-token')).rejects.toThrow(TypeError);
  });

  it('accepts tokens from --token and MOCK_PLATFORM_TOKENS for every --org', async () => {
    const run = launch(['--token', 'flag-token', '--org', 'acme', '--org', 'globex'], {
      env: { MOCK_PLATFORM_TOKENS: 'env-one, env-two' },
    });
    const { url } = await listening(run);

    const statuses = [
      (await provisionAt(url, 'flag-token', 'globex')).status,
      (await provisionAt(url, 'env-two', 'acme')).status,
      (await provisionAt(url, 'test-token', 'acme')).status,
    ];

    expect(statuses).toEqual([200, 200, 401]);
  });

  it('serves under --path-prefix and writes expiries --ttl seconds ahead', async () => {
    const clock = manualClock(Date.UTC(2026, 3, 15, 12, 0, 0));
    const run = launch(['--path-prefix', '/platform', '--ttl', '60'], { now: clock.now });
    const { url } = await listening(run);

    const body = (await (await provisionAt(url, 'test-token')).json()) as { expires_at: string };

    expect(url).toMatch(/\/platform$/);
    expect(body.expires_at).toBe('2026-04-15T12:01:00.000000+00:00');
  });

  it('rate limits provisioning with --rate and --burst', async () => {
    const run = launch(['--rate', '0.01', '--burst', '1']);
    const { url } = await listening(run);

    const first = await provisionAt(url, 'test-token');
    const second = await provisionAt(url, 'test-token');

    expect([first.status, second.status]).toEqual([200, 429]);
    expect(second.headers.get('retry-after')).toBe('100');
  });

  it('prints nothing containing the token or a minted key', async () => {
    const run = launch(['--token', 'very-secret-token']);
    const { url } = await listening(run);

    const body = (await (await provisionAt(url, 'very-secret-token')).json()) as {
      api_key: string;
    };
    run.stop.abort();
    await run.exitCode;

    const output = [...run.stdout, ...run.stderr].join('\n');
    expect(output).not.toContain('very-secret-token');
    expect(output).not.toContain(body.api_key);
  });

  it('prints usage for --help and exits 0 without serving', async () => {
    const run = launch(['--help']);

    expect(await run.exitCode).toBe(0);
    expect(run.stdout.join('\n')).toContain('Usage: provision-litellm-key-mock');
  });

  it('accepts a --ttl of a year', async () => {
    const clock = manualClock(Date.UTC(2026, 3, 15, 12, 0, 0));
    const run = launch(['--ttl', '31536000'], { now: clock.now });
    const { url } = await listening(run);

    const body = (await (await provisionAt(url, 'test-token')).json()) as { expires_at: string };

    expect(body.expires_at).toBe('2027-04-15T12:00:00.000000+00:00');
  });

  it('serves under a --path-prefix that ends in a slash, and prints it without one', async () => {
    const run = launch(['--path-prefix', '/v1.0/tenant-a/']);
    const { url } = await listening(run);

    const response = await provisionAt(url, 'test-token');

    expect(url).toMatch(/\/v1\.0\/tenant-a$/);
    expect(response.status).toBe(200);
  });

  it('exits 2 without serving when parsing fails, naming the reason on one line', async () => {
    const run = launch(['--colour']);

    expect(await run.exitCode).toBe(2);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toHaveLength(2);
    expect(run.stderr[0]).toMatch(/^provision-litellm-key-mock: Unknown option '--colour'/);
    expect(run.stderr[1]).toBe('Run with --help for usage.');
  });

  it.each([
    [['--port', 'eighty'], "--port must be a whole number from 0 to 65535, got 'eighty'"],
    [['--port', '-1'], "--port must be a whole number from 0 to 65535, got '-1'"],
    [['--port=-1'], "--port must be a whole number from 0 to 65535, got '-1'"],
    [['--port', '65536'], "--port must be a whole number from 0 to 65535, got '65536'"],
    [['--port', '80.5'], "--port must be a whole number from 0 to 65535, got '80.5'"],
    [['--port', ''], "--port must be a whole number from 0 to 65535, got ''"],
    [['--ttl', '0'], "--ttl must be a whole number from 1 to 31536000, got '0'"],
    [['--ttl', '31536001'], "--ttl must be a whole number from 1 to 31536000, got '31536001'"],
    [
      ['--ttl', '9007199254740991'],
      "--ttl must be a whole number from 1 to 31536000, got '9007199254740991'",
    ],
    [['--ttl', '1e3'], "--ttl must be a whole number from 1 to 31536000, got '1e3'"],
    [['--ttl', '-60'], "--ttl must be a whole number from 1 to 31536000, got '-60'"],
    [
      ['--path-prefix', 'platform'],
      "--path-prefix must be empty or start with '/', got 'platform'",
    ],
    [
      ['--path-prefix', '/a/../b'],
      "--path-prefix must not contain '.' or '..' segments, got '/a/../b'",
    ],
    [
      ['--path-prefix', '/a/./b'],
      "--path-prefix must not contain '.' or '..' segments, got '/a/./b'",
    ],
    [['--path-prefix', '/..'], "--path-prefix must not contain '.' or '..' segments, got '/..'"],
    [['--rate', '0'], "--rate must be a positive number, got '0'"],
    [['--rate', '-1'], "--rate must be a positive number, got '-1'"],
    [['--rate', 'fast'], "--rate must be a positive number, got 'fast'"],
    [
      ['--rate', '1', '--burst', '0'],
      "--burst must be a whole number from 1 to 9007199254740991, got '0'",
    ],
    [['--burst', '5'], '--burst needs --rate'],
  ])('exits 2 without serving for %j', async (argv, reason) => {
    const run = launch(argv);

    expect(await run.exitCode).toBe(2);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toEqual([
      `provision-litellm-key-mock: ${reason}`,
      'Run with --help for usage.',
    ]);
  });

  it.each(['/a?b', '/a#b', '/a%2Fb', '/a\\b', '/a b', '/a\tb', '/caf\u00e9'])(
    'exits 2 without serving for --path-prefix %j, which a client would rewrite',
    async (prefix) => {
      const run = launch(['--path-prefix', prefix]);

      expect(await run.exitCode).toBe(2);
      expect(run.stdout).toEqual([]);
      const allowed = "letters, digits and -._~!$&'()*+,;=:@";
      expect(run.stderr).toEqual([
        `provision-litellm-key-mock: --path-prefix may hold only ${allowed} between slashes, got '${prefix}'`,
        'Run with --help for usage.',
      ]);
    },
  );

  it('keeps a reason on one line even when the value holds a line break', async () => {
    const run = launch(['--path-prefix', '/a\n/b']);

    expect(await run.exitCode).toBe(2);
    expect(run.stderr).toHaveLength(2);
    expect(run.stderr[0]).toContain("got '/a /b'");
  });

  it('exits 1 without binding when --host is not a loopback address', async () => {
    const run = launch(['--host', '0.0.0.0']);

    expect(await run.exitCode).toBe(1);
    expect(run.stdout).toEqual([]);
    expect(run.stderr.join('\n')).toContain('non-loopback');
  });
});

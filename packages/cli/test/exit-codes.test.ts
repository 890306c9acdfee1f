import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import {
  closedLoopbackUrl,
  mintedKey,
  requireBuiltBinary,
  run,
  startPlatform,
  startStalledProxy,
  TOKEN,
} from './built-binary.js';

beforeAll(requireBuiltBinary);

const PREFIX = 'provision-litellm-key: ';

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('exit codes of the built command', () => {
  it('exits 1 with the reason and hint on one line when the platform rejects the token', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: 'not-the-right-token' },
    });

    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^provision-litellm-key: Platform answered HTTP 401 .*\n$/);
  });

  it('exits 1 when the platform cannot be reached', async () => {
    const url = await closedLoopbackUrl();

    const outcome = await run(['--org', 'acme', '--api-url', url, '--max-attempts', '1'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(1);
    expect(outcome.stderr.startsWith(PREFIX)).toBe(true);
    expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 without calling the platform when the organization is not a valid slug', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'a/b', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(`${PREFIX}organization "a/b"`);
    expect(platform.requests).toHaveLength(0);
  });

  it('exits 2 for an unknown flag', async () => {
    const outcome = await run(['--org', 'acme', '--bogus']);

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      `${PREFIX}Unknown option '--bogus'. Run provision-litellm-key --help to see the flags.\n`,
    );
  });

  it('exits 2 for --token and does not echo the value', async () => {
    const outcome = await run(['--org', 'acme', '--token', 'secret-on-the-command-line']);

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('ps and is kept in shell history');
    expect(outcome.stderr).not.toContain('secret-on-the-command-line');
  });

  it('exits 2 when no organization is given', async () => {
    const outcome = await run([], { env: { DREADNODE_API_TOKEN: TOKEN } });

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('no organization given');
  });

  it('exits 2 when no token is given', async () => {
    const outcome = await run(['--org', 'acme']);

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('no platform API token given');
  });

  it('exits 2 for a time limit beyond an hour, without a warning or a request', async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, '--timeout-seconds', '99999999999999'],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      `${PREFIX}--timeout-seconds must be a whole number from 1 to 3600, ` +
        'not "99999999999999". Run provision-litellm-key --help to see the flags.\n',
    );
    expect(platform.requests).toHaveLength(0);
  });

  it('exits 2 for --format github outside GitHub Actions', async () => {
    const outcome = await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(2);
  });

  it('exits 2 without calling the platform when GITHUB_ENV names a missing file', async () => {
    const platform = await startPlatform();
    const githubEnv = join(temporaryDirectory(), 'github-env');

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    expect(outcome.code).toBe(2);
    expect(platform.requests).toHaveLength(0);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(
      new RegExp(
        `^${PREFIX}GITHUB_ENV names ${githubEnv}, which cannot be appended to \\(ENOENT\\)\\. [^\\n]+\\n$`,
      ),
    );
  });

  it('exits 1 with one line naming GITHUB_ENV when appending fails after minting', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: '/dev/full' },
    });

    const lines = outcome.stderr.trimEnd().split('\n');
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe(`::add-mask::${TOKEN}\n::add-mask::${mintedKey(platform)}\n`);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${PREFIX}Cannot append the key to GITHUB_ENV \\(/dev/full\\): ENOSPC\\. `),
    );
    expect(lines[1]).not.toContain('bug');
  });

  it('shows a stack trace only with --debug', async () => {
    const url = await closedLoopbackUrl();
    const args = ['--org', 'acme', '--api-url', url, '--max-attempts', '1'];

    const plain = await run(args, { env: { DREADNODE_API_TOKEN: TOKEN } });
    const debug = await run([...args, '--debug'], { env: { DREADNODE_API_TOKEN: TOKEN } });

    expect(plain.stderr).not.toContain('    at ');
    expect(debug.stderr).toContain('    at ');
  });

  it('prints the version and exits 0', async () => {
    const outcome = await run(['--version']);

    expect(outcome).toMatchObject({ code: 0, stdout: '1.0.0\n', stderr: '' });
  });
});

describe('the end of a run', () => {
  it('exits with the failure while a stalled proxy still holds its connection open', async () => {
    const proxy = await startStalledProxy();

    // Nothing resolves or reaches the .invalid host: only the proxy on loopback is contacted.
    const outcome = await run(
      ['--org', 'acme', '--api-url', 'https://platform.invalid', '--timeout-seconds', '1'],
      { env: { DREADNODE_API_TOKEN: TOKEN, HTTPS_PROXY: proxy.url } },
    );

    expect(proxy.connects.map(({ target }) => target)).toEqual(['platform.invalid:443']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.startsWith(PREFIX)).toBe(true);
  });
});

describe('the --debug attempt log', () => {
  it('shows a plain request id but drops one a server could use to forge log lines', async () => {
    const platform = await startPlatform({
      respond: (_request, index) =>
        index === 0
          ? {
              status: 503,
              headers: { 'x-request-id': 'req-1 %0A::error::forged', 'retry-after': '0' },
              body: { detail: 'busy' },
            }
          : undefined,
    });

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--debug'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    const attempts = outcome.stderr.split('\n').filter((line) => line.startsWith('debug: '));
    expect(outcome.code).toBe(0);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatch(
      /^debug: Attempt 1: HTTP 503 ApiError after \d+ ms; retrying in \d+\.\d s$/,
    );
    expect(attempts[1]).toMatch(
      /^debug: Attempt 2: HTTP 200 after \d+ ms, request id req_[0-9a-f]+$/,
    );
    expect(outcome.stderr).not.toContain('forged');
  });
});

describe('the platform token', () => {
  it('never appears in the output, on success or failure, even with --debug', async () => {
    const platform = await startPlatform();
    const unreachable = await closedLoopbackUrl();
    const env = { DREADNODE_API_TOKEN: TOKEN };

    const outcomes = await Promise.all([
      run(['--org', 'acme', '--api-url', platform.url, '--debug', '--format', 'json'], { env }),
      run(['--org', 'nope', '--api-url', platform.url, '--debug'], { env }),
      run(['--org', 'acme', '--api-url', unreachable, '--debug', '--max-attempts', '1'], { env }),
      run(['--org', 'acme', '--api-url', platform.url, '--token-stdin', '--debug'], {
        stdin: `${TOKEN}\n`,
      }),
    ]);

    expect(outcomes.map((outcome) => outcome.code)).toEqual([0, 1, 1, 0]);
    for (const outcome of outcomes) {
      expect(`${outcome.stdout}${outcome.stderr}`).not.toContain(TOKEN);
    }
  });
});

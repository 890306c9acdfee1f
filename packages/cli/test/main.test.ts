import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AuthenticationError,
  type ClientOptions,
  InvalidInputError,
  type ProvisionedKey,
  type ProvisionRequest,
} from '@provision-litellm-key/core';
import { describe, expect, it, onTestFinished } from 'vitest';

import { type CliOptions, runCli, TOKEN_PROMPT } from '../src/main.js';
import { VERSION } from '../src/version.js';

const TOKEN = 'platform-token-123';
const KEY = 'sk-provisioned-456';

function provisionedKey(request: ProvisionRequest): ProvisionedKey {
  const key = {
    baseUrl: 'https://litellm.example.test',
    expiresAt: new Date(Date.now() + 15 * 60_000),
    organization: request.organization,
    clientId: request.clientId,
    attempts: 1,
  };
  Object.defineProperty(key, 'apiKey', { value: KEY, enumerable: false });
  return key as ProvisionedKey;
}

/** Runs the tool in-process with captured streams and a platform stand-in. */
async function run(argv: string[], overrides: Partial<CliOptions> = {}) {
  let stdout = '';
  let stderr = '';
  const calls: (ClientOptions & ProvisionRequest)[] = [];
  const exitCode = await runCli({
    argv,
    env: { DREADNODE_API_TOKEN: TOKEN },
    stdin: [],
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    // Reports the secrets as the core library does: the token first, then the key.
    provision: async (options) => {
      calls.push(options);
      options.onSecret?.(options.token);
      options.onSecret?.(KEY);
      return provisionedKey(options);
    },
    ...overrides,
  });
  return { exitCode, stdout, stderr, calls };
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function failingWith(error: unknown): CliOptions['provision'] {
  return async () => {
    throw error;
  };
}

describe('a successful run', () => {
  it('prints export lines on stdout and exits 0', async () => {
    const result = await run(['--org', 'acme']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `export LITELLM_API_KEY='${KEY}'\nexport LITELLM_BASE_URL='https://litellm.example.test'\n`,
    );
  });

  it('says on stderr, in one line, which organization, gateway and expiry it got', async () => {
    const result = await run(['--org', 'acme']);

    expect(result.stderr).toMatch(
      /^Provisioned a LiteLLM key for organization acme \(client id [\w-]+\): gateway https:\/\/litellm\.example\.test, expires \S+Z \(in 15 min\), 1 attempt\.\n$/,
    );
  });

  it('hands the flags to the core library in its units', async () => {
    const result = await run([
      '--org=acme',
      '--api-url=https://platform.example.test/api',
      '--auth-header=x-api-key',
      '--client-id=job-7',
      '--min-ttl-seconds=120',
      '--timeout-seconds=90',
      '--max-attempts=2',
      '--allow-insecure-http',
    ]);

    expect(result.calls).toEqual([
      expect.objectContaining({
        token: TOKEN,
        organization: 'acme',
        apiUrl: 'https://platform.example.test/api',
        authHeader: 'x-api-key',
        clientId: 'job-7',
        minTtlMs: 120_000,
        deadlineMs: 90_000,
        maxAttempts: 2,
        allowInsecureHttp: true,
        userAgent: `provision-litellm-key/${VERSION}`,
      }),
    ]);
  });

  it('leaves the per-attempt timeout to the core client, which fits it to the time limit', async () => {
    const result = await run(['--org', 'acme', '--timeout-seconds', '5']);

    expect(result.calls[0]?.deadlineMs).toBe(5_000);
    expect(result.calls[0]?.timeoutMs).toBeUndefined();
  });

  it('reads the token from stdin with --token-stdin, trimmed, over the environment', async () => {
    const result = await run(['--org', 'acme', '--token-stdin'], {
      stdin: [Buffer.from('  piped-'), 'token\n'],
    });

    expect(result.calls[0]?.token).toBe('piped-token');
    expect(result.stderr).not.toContain(TOKEN_PROMPT);
  });

  it('asks for the token on stderr when --token-stdin reads from a terminal', async () => {
    const terminal = Object.assign(['typed-token\n'], { isTTY: true });

    const result = await run(['--org', 'acme', '--token-stdin'], { stdin: terminal });

    expect(result.stderr.split('\n')[0]).toBe('Paste the platform API token, then press Ctrl-D:');
    expect(result.calls[0]?.token).toBe('typed-token');
  });

  it('does not prompt on a terminal when the token comes from the environment', async () => {
    const terminal = Object.assign([], { isTTY: true });

    const result = await run(['--org', 'acme'], { stdin: terminal });

    expect(result.stderr).not.toContain(TOKEN_PROMPT);
  });

  it('logs each attempt with --debug, without the token or the key', async () => {
    const result = await run(['--org', 'acme', '--debug'], {
      provision: async (options) => {
        options.onAttempt?.({ attempt: 1, status: 200, latencyMs: 12, requestId: 'req_1' });
        return provisionedKey(options);
      },
    });

    expect(result.stderr).toContain('debug: Attempt 1: HTTP 200 after 12 ms, request id req_1\n');
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stderr).not.toContain(KEY);
  });

  it('appends to the GITHUB_ENV file and masks the secrets on stdout with --format github', async () => {
    const githubEnv = join(temporaryDirectory(), 'github-env');
    writeFileSync(githubEnv, 'EARLIER=kept\n');

    const result = await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`::add-mask::${TOKEN}\n::add-mask::${KEY}\n`);
    expect(readFileSync(githubEnv, 'utf8')).toMatch(
      new RegExp(`^EARLIER=kept\\nLITELLM_API_KEY<<(\\S+)\\n${KEY}\\n\\1\\nLITELLM_BASE_URL<<`),
    );
  });
});

describe('masking with --format github', () => {
  function githubEnvironment() {
    const githubEnv = join(temporaryDirectory(), 'github-env');
    writeFileSync(githubEnv, '');
    return { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv };
  }

  it('masks exactly the secrets the core library reports, escaped', async () => {
    const result = await run(['--org', 'acme', '--format', 'github', '--openai'], {
      env: githubEnvironment(),
      provision: async (options) => {
        options.onSecret?.('reported%0Asecret');
        return provisionedKey(options);
      },
    });

    expect(result.stdout).toBe('::add-mask::reported%250Asecret\n');
  });

  it('prints each mask as the secret is reported, before the key is handed over', async () => {
    const seen: string[] = [];
    let stdout = '';
    await runCli({
      argv: ['--org', 'acme', '--format', 'github'],
      env: githubEnvironment(),
      stdin: [],
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => undefined },
      provision: async (options) => {
        options.onSecret?.(KEY);
        seen.push(stdout);
        return provisionedKey(options);
      },
    });

    expect(seen).toEqual([`::add-mask::${KEY}\n`]);
  });

  it('asks for no masks in other formats or when running a command', async () => {
    const formats = await run(['--org', 'acme', '--format', 'json']);
    const command = await run(['--org', 'acme', '--', 'pytest'], {
      spawn: () => {
        const child = Object.assign(new EventEmitter(), { kill: () => true });
        queueMicrotask(() => child.emit('exit', 0, null));
        return child as unknown as ChildProcess;
      },
    });

    expect(formats.calls[0]?.onSecret).toBeUndefined();
    expect(command.calls[0]?.onSecret).toBeUndefined();
    expect(formats.stdout).not.toContain('::add-mask::');
  });
});

describe('the GITHUB_ENV file', () => {
  it.each([
    ['a missing file', (directory: string) => join(directory, 'missing'), 'ENOENT'],
    [
      'a file in a missing directory',
      (directory: string) => join(directory, 'no', 'env'),
      'ENOENT',
    ],
    [
      'a directory',
      (directory: string) => {
        mkdirSync(join(directory, 'env'));
        return join(directory, 'env');
      },
      'EISDIR',
    ],
  ])(
    'is refused before any request when it is %s: exit 2, one line naming it',
    async (_, make, code) => {
      const githubEnv = make(temporaryDirectory());

      const result = await run(['--org', 'acme', '--format', 'github'], {
        env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
      });

      expect(result.calls).toHaveLength(0);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `provision-litellm-key: GITHUB_ENV names ${githubEnv}, which cannot be appended to ` +
          `(${code}). Use --format github inside a GitHub Actions step, where GITHUB_ENV names ` +
          'a file the runner created.\n',
      );
    },
  );

  it('is not created when missing', async () => {
    const githubEnv = join(temporaryDirectory(), 'missing');

    await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    expect(() => readFileSync(githubEnv)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('exit 1 with one line naming GITHUB_ENV when the append fails after minting', async () => {
    const result = await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: '/dev/full' },
    });

    expect(result.calls).toHaveLength(1);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n').slice(1)).toEqual([
      'provision-litellm-key: Cannot append the key to GITHUB_ENV (/dev/full): ENOSPC. ' +
        'The key was not handed on; make room for it or fix the file GITHUB_ENV names, ' +
        'then run again.',
      '',
    ]);
  });
});

describe('exec mode', () => {
  function fakeSpawn() {
    const started: { program: string; args: readonly string[]; options: SpawnOptions }[] = [];
    const spawn = (program: string, args: readonly string[], options: SpawnOptions) => {
      started.push({ program, args, options });
      const child = Object.assign(new EventEmitter(), { kill: () => true });
      queueMicrotask(() => child.emit('exit', 4, null));
      return child as unknown as ChildProcess;
    };
    return { spawn, started };
  }

  it("runs the command with the key in its environment and exits with the command's code", async () => {
    const { spawn, started } = fakeSpawn();

    const result = await run(['--org', 'acme', '--openai', '--', 'pytest', 'evals/'], { spawn });

    expect(result.exitCode).toBe(4);
    expect(started[0]?.options.env).toMatchObject({
      LITELLM_API_KEY: KEY,
      LITELLM_BASE_URL: 'https://litellm.example.test',
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: 'https://litellm.example.test',
    });
  });

  it('keeps the key off stdout', async () => {
    const result = await run(['--org', 'acme', '--', 'pytest'], { spawn: fakeSpawn().spawn });

    expect(result.stdout).toBe('');
  });

  it('does not pass the platform token on to the command', async () => {
    const { spawn, started } = fakeSpawn();

    await run(['--org', 'acme', '--', 'pytest'], {
      spawn,
      env: { DREADNODE_API_KEY: TOKEN, PATH: '/usr/bin' },
    });

    expect(started[0]?.options.env).not.toHaveProperty('DREADNODE_API_KEY');
    expect(started[0]?.options.env).toHaveProperty('PATH', '/usr/bin');
  });
});

describe('failures', () => {
  it('exit 2 with the reason on one line when no token is given', async () => {
    const result = await run(['--org', 'acme'], { env: {} });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'provision-litellm-key: no platform API token given. Set DREADNODE_API_TOKEN ' +
        '(or DREADNODE_API_KEY), or pipe the token in with --token-stdin.\n',
    );
  });

  it('exit 2 when the core library finds an input invalid', async () => {
    const result = await run(['--org', 'a/b'], {
      provision: failingWith(new InvalidInputError('organization', 'organization is bad')),
    });

    expect(result.exitCode).toBe(2);
  });

  it('exit 1 with the message and hint when the platform refuses', async () => {
    const error = new AuthenticationError({ status: 401, type: 'auth', detail: 'Bad token' });

    const result = await run(['--org', 'acme'], { provision: failingWith(error) });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `provision-litellm-key: Platform answered HTTP 401 (auth): Bad token. ${error.hint}\n`,
    );
  });

  it('exit 1 without a stack trace for an unexpected failure', async () => {
    const result = await run(['--org', 'acme'], { provision: failingWith(new Error('boom')) });

    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).not.toContain('    at ');
  });

  it('add the stack trace with --debug', async () => {
    const result = await run(['--org', 'acme', '--debug'], {
      provision: failingWith(new Error('boom')),
    });

    expect(result.stderr).toContain('    at ');
  });

  it('exit 1, blaming the format rather than the platform, for a value dotenv cannot carry', async () => {
    const result = await run(['--org', 'acme', '--format', 'dotenv'], {
      provision: async (options) => ({ ...provisionedKey(options), apiKey: `sk-'"` }),
    });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').slice(1)).toEqual([
      'provision-litellm-key: The value of LITELLM_API_KEY mixes quotes, backslashes or $ in a ' +
        'way dotenv readers disagree on. Use --format shell or --format json, which carry any ' +
        'value.',
      '',
    ]);
  });
});

describe('informational flags', () => {
  it('print the version from package.json', async () => {
    const packageJson = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };

    const result = await run(['--version']);

    expect(result.stdout).toBe(`${packageJson.version}\n`);
  });

  it('list every flag and environment variable in the help', async () => {
    const result = await run(['--help']);

    const documented = [
      '--org',
      '--organization',
      '--api-url',
      '--auth-header',
      '--client-id',
      '--min-ttl-seconds',
      '--timeout-seconds',
      '--max-attempts',
      '--allow-insecure-http',
      '--format',
      '--openai',
      '--token-stdin',
      '--debug',
      '--help',
      '--version',
      'DREADNODE_SERVER_URL',
      'DREADNODE_SERVER',
      'DREADNODE_API_TOKEN',
      'DREADNODE_API_KEY',
      'DREADNODE_ORGANIZATION',
      'GITHUB_ENV',
    ];
    expect(documented.filter((name) => !result.stdout.includes(name))).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});

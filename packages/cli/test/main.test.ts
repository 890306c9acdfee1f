import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

import { type CliOptions, runCli } from '../src/main.js';
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
    provision: async (options) => {
      calls.push(options);
      return provisionedKey(options);
    },
    ...overrides,
  });
  return { exitCode, stdout, stderr, calls };
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
      /^Provisioned a LiteLLM key for organization acme: gateway https:\/\/litellm\.example\.test, expires \S+Z \(in about 15 min\)\.\n$/,
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
        timeoutMs: 20_000,
        maxAttempts: 2,
        allowInsecureHttp: true,
        userAgent: `provision-litellm-key/${VERSION}`,
      }),
    ]);
  });

  it('keeps each attempt within a short overall time limit', async () => {
    const result = await run(['--org', 'acme', '--timeout-seconds', '5']);

    expect(result.calls[0]?.timeoutMs).toBe(5_000);
  });

  it('reads the token from stdin with --token-stdin, trimmed, over the environment', async () => {
    const result = await run(['--org', 'acme', '--token-stdin'], {
      stdin: [Buffer.from('  piped-'), 'token\n'],
    });

    expect(result.calls[0]?.token).toBe('piped-token');
  });

  it('logs each attempt with --debug, without the token or the key', async () => {
    const result = await run(['--org', 'acme', '--debug'], {
      provision: async (options) => {
        options.onAttempt?.({ attempt: 1, status: 200, latencyMs: 12, requestId: 'req_1' });
        return provisionedKey(options);
      },
    });

    expect(result.stderr).toContain('debug: attempt 1: HTTP 200 in 12 ms, request id req_1\n');
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stderr).not.toContain(KEY);
  });

  it('appends to the GITHUB_ENV file and masks the key on stdout with --format github', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'provision-cli-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const githubEnv = join(directory, 'github-env');
    writeFileSync(githubEnv, 'EARLIER=kept\n');

    const result = await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    expect(result.stdout).toBe(`::add-mask::${KEY}\n`);
    expect(readFileSync(githubEnv, 'utf8')).toMatch(
      new RegExp(`^EARLIER=kept\\nLITELLM_API_KEY<<(\\S+)\\n${KEY}\\n\\1\\nLITELLM_BASE_URL<<`),
    );
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

  it('exit 1 when the GITHUB_ENV file cannot be written', async () => {
    const result = await run(['--org', 'acme', '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: join(tmpdir(), 'missing-dir-x', 'env') },
    });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Cannot append to the GITHUB_ENV file: ENOENT');
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

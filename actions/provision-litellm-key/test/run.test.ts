import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthenticationError,
  type ClientOptions,
  type ProvisionedKey,
  type ProvisionRequest,
  type provisionKey,
} from '@provision-litellm-key/core';
import { describe, expect, it } from 'vitest';
import { RunnerFileWriteError } from '../src/file-commands.js';
import { run } from '../src/run.js';
import { recordingToolkit } from './recording-toolkit.js';

const TOKEN = 'dn_token_123';
const runnerDirectory = mkdtempSync(join(tmpdir(), 'run-test-'));
const runnerFiles = {
  GITHUB_ENV: join(runnerDirectory, 'env'),
  GITHUB_OUTPUT: join(runnerDirectory, 'output'),
};
for (const file of Object.values(runnerFiles)) writeFileSync(file, '');
const KEY = 'sk-litellm-abc';
const NOW = Date.parse('2026-04-15T11:00:00Z');
const inputs = { organization: 'acme', 'api-token': TOKEN, 'client-id': 'job-1' };

function fakeKey(request: ProvisionRequest): ProvisionedKey {
  const key = {
    baseUrl: 'https://litellm.example.test',
    expiresAt: new Date('2026-04-15T12:00:00Z'),
    organization: request.organization,
    clientId: request.clientId,
    attempts: 2,
  };
  Object.defineProperty(key, 'apiKey', { value: KEY, enumerable: false });
  return key as ProvisionedKey;
}

/** A provision function that behaves as the core does: reports secrets, then answers. */
function provisionAnswering(answer: (request: ProvisionRequest) => ProvisionedKey) {
  const seen: (ClientOptions & ProvisionRequest)[] = [];
  const provision: typeof provisionKey = async (options) => {
    seen.push(options);
    options.onSecret?.(options.token);
    const key = answer(options);
    options.onSecret?.(key.apiKey);
    return key;
  };
  return { provision, seen };
}

describe('a successful run', () => {
  it('masks the token, then the key, before exporting, setting outputs and logging', async () => {
    const { toolkit, calls } = recordingToolkit(inputs);
    const { provision } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(calls.map(([method, name]) => `${method} ${name}`)).toEqual([
      `setSecret ${TOKEN}`,
      `setSecret ${KEY}`,
      'exportVariable LITELLM_API_KEY',
      'exportVariable LITELLM_BASE_URL',
      'setOutput api-key',
      'setOutput base-url',
      'setOutput expires-at',
      'setOutput expires-in-seconds',
      'setOutput client-id',
      expect.stringMatching(/^appendSummary /),
      expect.stringMatching(/^info Provisioned/),
    ]);
  });

  it('publishes the key, gateway, expiry and client id', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'export-openai-env': 'true' });
    const { provision } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    const published = calls.filter(
      ([method]) => method === 'exportVariable' || method === 'setOutput',
    );
    expect(published).toEqual([
      ['exportVariable', 'LITELLM_API_KEY', KEY],
      ['exportVariable', 'LITELLM_BASE_URL', 'https://litellm.example.test'],
      ['exportVariable', 'OPENAI_API_KEY', KEY],
      ['exportVariable', 'OPENAI_BASE_URL', 'https://litellm.example.test'],
      ['setOutput', 'api-key', KEY],
      ['setOutput', 'base-url', 'https://litellm.example.test'],
      ['setOutput', 'expires-at', '2026-04-15T12:00:00.000Z'],
      ['setOutput', 'expires-in-seconds', '3600'],
      ['setOutput', 'client-id', 'job-1'],
    ]);
  });

  it('exports nothing to the environment when export-env is false, but still sets outputs', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'export-env': 'false' });
    const { provision } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(calls.some(([method]) => method === 'exportVariable')).toBe(false);
    expect(calls.filter(([method]) => method === 'setOutput')).toHaveLength(5);
  });

  it('logs one info line in the user’s terms, and a summary without the key', async () => {
    const { toolkit, calls } = recordingToolkit(inputs);
    const { provision } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    const info = calls.filter(([method]) => method === 'info');
    expect(info).toEqual([
      [
        'info',
        'Provisioned a LiteLLM key for organization acme (client id job-1): gateway ' +
          'https://litellm.example.test, expires 2026-04-15T12:00:00.000Z (in 60 min), 2 attempts.',
      ],
    ]);
    const summary = calls.find(([method]) => method === 'appendSummary')?.[1] ?? '';
    expect(summary).toContain('| Organization | acme |');
    expect(summary).toContain('| Attempts | 2 |');
    expect(summary).not.toContain(KEY);
    expect(summary).not.toContain(TOKEN);
  });

  it('passes the inputs to the core client with the step timeout as the deadline', async () => {
    const { toolkit } = recordingToolkit({
      ...inputs,
      'timeout-seconds': '10',
      'max-attempts': '2',
      'min-ttl-seconds': '120',
      'auth-header': 'x-api-key',
    });
    const { provision, seen } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(seen[0]).toMatchObject({
      token: TOKEN,
      organization: 'acme',
      clientId: 'job-1',
      authHeader: 'x-api-key',
      deadlineMs: 10_000,
      maxAttempts: 2,
      minTtlMs: 120_000,
      userAgent: 'provision-litellm-key-action/1.0.0',
    });
  });

  it('warns but still succeeds when the job summary cannot be written', async () => {
    const { toolkit, calls } = recordingToolkit(inputs);
    toolkit.appendSummary = async () => {
      throw new Error('EACCES: permission denied');
    };
    const { provision } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(calls).toContainEqual([
      'warning',
      'Could not write the job summary: Error: EACCES: permission denied',
    ]);
    expect(calls.some(([method]) => method === 'setFailed')).toBe(false);
  });
});

describe('a failed run', () => {
  it('fails the step with the one-line message and hint, exporting nothing', async () => {
    const { toolkit, calls } = recordingToolkit(inputs);
    const provision: typeof provisionKey = async () => {
      throw new AuthenticationError({
        status: 401,
        type: 'authentication_error',
        detail: 'Bad token',
      });
    };

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(calls.filter(([method]) => method !== 'setSecret')).toEqual([
      [
        'setFailed',
        'Platform answered HTTP 401 (authentication_error): Bad token. The API token is missing, ' +
          'wrong or expired: create a new platform API token and store it as a secret ' +
          '(or try auth-header x-api-key).',
      ],
    ]);
  });

  it('fails on bad input without calling the platform', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'max-attempts': 'zero' });
    const { provision, seen } = provisionAnswering(fakeKey);

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(seen).toHaveLength(0);
    expect(calls.at(-1)).toEqual([
      'setFailed',
      'max-attempts must be a whole number from 1 to 20, not "zero". Fix the max-attempts setting and run again.',
    ]);
  });

  it('turns an unexpected exception into a one-line failure without a stack trace', async () => {
    const { toolkit, calls } = recordingToolkit(inputs);
    const provision: typeof provisionKey = async () => {
      throw new TypeError('Cannot read properties of undefined\n    at somewhere.js:1:1');
    };

    await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

    expect(calls.at(-1)).toEqual([
      'setFailed',
      'Unexpected failure: Cannot read properties of undefined. This is a bug in ' +
        'provision-litellm-key; please report it with the log.',
    ]);
  });

  it.each([
    [
      { GITHUB_OUTPUT: runnerFiles.GITHUB_OUTPUT },
      'GITHUB_ENV is not set, so the key cannot be handed on',
    ],
    [
      { ...runnerFiles, GITHUB_OUTPUT: '/nonexistent/directory/output' },
      'GITHUB_OUTPUT points at /nonexistent/directory/output, which cannot be written (ENOENT)',
    ],
    [
      { ...runnerFiles, GITHUB_ENV: tmpdir() },
      `GITHUB_ENV points at ${tmpdir()}, which is a directory`,
    ],
  ])('fails before provisioning when the runner files are unusable: %j', async (env, message) => {
    const { toolkit, calls } = recordingToolkit(inputs);
    const { provision, seen } = provisionAnswering(fakeKey);

    await run({ toolkit, env, provision, now: () => NOW });

    expect(seen).toHaveLength(0);
    expect(calls.at(-1)?.[1]).toBe(
      `${message}. Run this action on a GitHub Actions runner (2.297 or later), which provides these files.`,
    );
  });

  it('refuses a token too short to be one without masking it across the log', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'api-token': 'true' });

    await run({ toolkit, env: runnerFiles, now: () => NOW });

    expect(calls.filter(([method]) => method === 'setSecret')).toEqual([]);
    expect(calls.at(-1)).toEqual([
      'setFailed',
      'the platform API token is only 4 characters. Check that the secret holds the whole ' +
        'platform API token, usually DREADNODE_API_TOKEN.',
    ]);
  });

  it('needs no GITHUB_ENV when nothing is exported to the environment', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'export-env': 'false' });
    const { provision } = provisionAnswering(fakeKey);

    await run({
      toolkit,
      env: { GITHUB_OUTPUT: runnerFiles.GITHUB_OUTPUT },
      provision,
      now: () => NOW,
    });

    expect(calls.some(([method]) => method === 'setFailed')).toBe(false);
  });

  it('fails on an unknown auth-header before any request, with the core client’s message', async () => {
    const { toolkit, calls } = recordingToolkit({ ...inputs, 'auth-header': 'basic' });

    await run({ toolkit, env: runnerFiles, now: () => NOW });

    expect(calls.at(-1)).toEqual([
      'setFailed',
      'auth-header must be "authorization" or "x-api-key", not "basic". Fix the auth-header ' +
        'setting and run again.',
    ]);
  });

  it.each([
    [
      'the runner toolkit',
      new RunnerFileWriteError(
        'GITHUB_OUTPUT',
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      ),
      'Could not write GITHUB_OUTPUT (ENOSPC)',
    ],
    [
      'an unknown writer',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'Could not write GITHUB_ENV or GITHUB_OUTPUT (ENOSPC)',
    ],
  ])(
    'takes back what it wrote when a later write fails, named by %s',
    async (_by, failure, what) => {
      const { toolkit, calls } = recordingToolkit(inputs);
      writeFileSync(runnerFiles.GITHUB_ENV, 'EARLIER=1\n');
      toolkit.exportVariable = (name, value) => {
        appendFileSync(runnerFiles.GITHUB_ENV, `${name}=${value}\n`);
      };
      toolkit.setOutput = () => {
        throw failure;
      };
      const { provision } = provisionAnswering(fakeKey);

      await run({ toolkit, env: runnerFiles, provision, now: () => NOW });

      expect(readFileSync(runnerFiles.GITHUB_ENV, 'utf8')).toBe('EARLIER=1\n');
      expect(calls.at(-1)).toEqual([
        'setFailed',
        `${what}; nothing was handed on. Check ` +
          "the runner's free disk space and its temporary directory, then re-run the job.",
      ]);
    },
  );
});

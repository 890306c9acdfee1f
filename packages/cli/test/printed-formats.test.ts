import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { mintedKey, requireBuiltBinary, run, startPlatform, TOKEN } from './built-binary.js';

beforeAll(requireBuiltBinary);

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** An empty file, as the runner creates for `GITHUB_ENV` before each step. */
function runnerFile(): string {
  const path = join(temporaryDirectory(), 'github-env');
  writeFileSync(path, '');
  return path;
}

/** Evaluates the printed lines in `sh`, as `eval "$(provision-litellm-key …)"` would. */
function evalInShell(script: string, name: string): string {
  return execFileSync('sh', ['-c', `eval "$1"; printf '%s' "$${name}"`, 'sh', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

describe('the built command against a platform', () => {
  it('prints export lines that a shell can eval into the minted key and gateway', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(0);
    expect(evalInShell(outcome.stdout, 'LITELLM_API_KEY')).toBe(mintedKey(platform));
    expect(evalInShell(outcome.stdout, 'LITELLM_BASE_URL')).toBe(platform.gatewayUrl);
  });

  it('adds the OpenAI variables with --openai', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--openai'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(evalInShell(outcome.stdout, 'OPENAI_API_KEY')).toBe(mintedKey(platform));
    expect(evalInShell(outcome.stdout, 'OPENAI_BASE_URL')).toBe(platform.gatewayUrl);
  });

  it('reports the organization, gateway and expiry on stderr, without the key', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.stderr).toMatch(
      new RegExp(
        `^Provisioned a LiteLLM key for organization acme \\(client id [\\w-]+\\): gateway ${platform.gatewayUrl}, expires \\S+Z`,
      ),
    );
    expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(outcome.stderr).not.toContain(mintedKey(platform));
  });

  it('prints a key whose value is shell syntax so that eval runs none of it', async () => {
    const directory = temporaryDirectory();
    const marker = join(directory, 'pwned');
    // No white space: the core library refuses keys with any. ${IFS} stands in for the spaces.
    const touch = `touch\${IFS}${marker}`;
    const hostileKey = `sk-'$(${touch})'"\`${touch}\`"$(${touch});${touch}'\\''`;
    const platform = await startPlatform({
      respond: () => ({
        status: 200,
        body: {
          api_key: hostileKey,
          base_url: platform.gatewayUrl,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
      }),
    });

    const outcome = await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(evalInShell(outcome.stdout, 'LITELLM_API_KEY')).toBe(hostileKey);
    expect(existsSync(marker)).toBe(false);
  });

  it('prints NAME=value lines with --format dotenv', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--format', 'dotenv'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.stdout).toBe(
      `LITELLM_API_KEY='${mintedKey(platform)}'\nLITELLM_BASE_URL='${platform.gatewayUrl}'\n`,
    );
  });

  it('prints the key, gateway, expiry and client id with --format json', async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, '--format', 'json', '--client-id', 'job-42'],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    expect(JSON.parse(outcome.stdout)).toEqual({
      apiKey: mintedKey(platform),
      baseUrl: platform.gatewayUrl,
      expiresAt: platform.keys[0]?.expiresAt.toISOString(),
      clientId: 'job-42',
    });
  });

  it('masks the token and key and appends heredoc entries to GITHUB_ENV with --format github', async () => {
    const platform = await startPlatform();
    const githubEnv = runnerFile();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    const key = mintedKey(platform);
    expect(outcome.stdout).toBe(`::add-mask::${TOKEN}\n::add-mask::${key}\n`);
    expect(readFileSync(githubEnv, 'utf8')).toMatch(
      new RegExp(
        `^LITELLM_API_KEY<<(ghadelimiter_[\\w-]+)\\n${key}\\n\\1\\n` +
          `LITELLM_BASE_URL<<(ghadelimiter_[\\w-]+)\\n${platform.gatewayUrl}\\n\\2\\n$`,
      ),
    );
  });

  it('escapes a key holding %0A in the mask command, so the runner masks the key itself', async () => {
    // Unescaped, the runner would decode %0A to a line break and mask a string that is not the key.
    const hostileKey = 'sk-a%0A::warning::injected';
    const platform = await startPlatform({
      respond: () => ({
        status: 200,
        body: {
          api_key: hostileKey,
          base_url: platform.gatewayUrl,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
      }),
    });
    const githubEnv = runnerFile();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, '--format', 'github'], {
      env: { DREADNODE_API_TOKEN: TOKEN, GITHUB_ENV: githubEnv },
    });

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe(`::add-mask::${TOKEN}\n::add-mask::sk-a%250A::warning::injected\n`);
    expect(readFileSync(githubEnv, 'utf8')).toContain(`\n${hostileKey}\n`);
  });
});

import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import {
  launch,
  mintedKey,
  requireBuiltBinary,
  run,
  startPlatform,
  TOKEN,
} from './built-binary.js';

beforeAll(requireBuiltBinary);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Arguments that run `script` with node after `--`, plus extra arguments for it. */
function nodeCommand(script: string, ...args: string[]): string[] {
  return ['--', process.execPath, '-e', script, ...args];
}

// Prints what the child can see: its variables, its own command line and its parent's.
const REPORT_SCRIPT = `
const { readFileSync } = require('node:fs');
const parentCommandLine =
  process.platform === 'linux' ? readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8') : '';
console.log(JSON.stringify({ env: process.env, argv: process.argv, parentCommandLine }));
`;

// Traps each signal and exits with a code of its own, so the tool's exit code shows that it
// waited for the child to end.
const WAIT_FOR_SIGNALS_SCRIPT = `
const codes = { SIGINT: 41, SIGTERM: 42, SIGHUP: 43, SIGQUIT: 44 };
for (const [signal, code] of Object.entries(codes)) {
  process.on(signal, () => { console.log('child got ' + signal); process.exit(code); });
}
console.log('ready ' + process.pid);
setInterval(() => {}, 1 << 30);
`;

describe('running a command with the key', () => {
  it('gives the command the key and gateway in its environment', async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, '--openai', ...nodeCommand(REPORT_SCRIPT)],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    const seen = JSON.parse(outcome.stdout) as { env: Record<string, string> };
    expect(outcome.code).toBe(0);
    expect(seen.env).toMatchObject({
      LITELLM_API_KEY: mintedKey(platform),
      LITELLM_BASE_URL: platform.gatewayUrl,
      OPENAI_API_KEY: mintedKey(platform),
      OPENAI_BASE_URL: platform.gatewayUrl,
    });
  });

  it("keeps the platform token out of the command's environment and both command lines", async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, ...nodeCommand(REPORT_SCRIPT, 'arg')],
      { env: { DREADNODE_API_TOKEN: TOKEN, DREADNODE_API_KEY: TOKEN } },
    );

    const seen = JSON.parse(outcome.stdout) as { argv: string[]; parentCommandLine: string };
    expect(seen.argv.at(-1)).toBe('arg');
    // The tool's own command line is readable from /proc on Linux, where CI runs.
    expect(seen.parentCommandLine).toContain(process.platform === 'linux' ? 'cli.js' : '');
    expect(outcome.stdout).not.toContain(TOKEN);
    expect(outcome.stderr).not.toContain(TOKEN);
  });

  it('writes nothing to stdout itself, so the key cannot leak there', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url, ...nodeCommand('')], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe('');
  });

  it("exits with the command's exit code", async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, ...nodeCommand('process.exit(7)')],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    expect(outcome.code).toBe(7);
  });

  it('exits with 128 plus the signal number when the command is killed by a signal', async () => {
    const platform = await startPlatform();

    const outcome = await run(
      [
        '--org',
        'acme',
        '--api-url',
        platform.url,
        ...nodeCommand("process.kill(process.pid, 'SIGKILL')"),
      ],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    expect(outcome.code).toBe(128 + 9);
  });

  it.each([
    ['SIGINT', 41],
    ['SIGTERM', 42],
    ['SIGHUP', 43],
    ['SIGQUIT', 44],
  ] as const)('passes %s on to the command and exits with its code, %i', async (signal, code) => {
    const platform = await startPlatform();
    const tool = launch(
      ['--org', 'acme', '--api-url', platform.url, ...nodeCommand(WAIT_FOR_SIGNALS_SCRIPT)],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    const ready = /^ready (\d+)\n/.exec(await tool.printed('\n'));
    const childPid = Number(ready?.[1]);
    // Should the tool die first, the child would outlive the test; end it by its own id.
    onTestFinished(() => {
      if (isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    });
    tool.child.kill(signal);
    const outcome = await tool.outcome;

    expect(outcome).toMatchObject({
      code,
      signal: null,
      stdout: `ready ${childPid}\nchild got ${signal}\n`,
    });
  });

  it('exits 127 and says so when the command does not exist', async () => {
    const platform = await startPlatform();

    const outcome = await run(
      ['--org', 'acme', '--api-url', platform.url, '--', 'no-such-command-for-this-test'],
      { env: { DREADNODE_API_TOKEN: TOKEN } },
    );

    expect(outcome.code).toBe(127);
    expect(outcome.stderr).toContain(
      'provision-litellm-key: cannot run "no-such-command-for-this-test"',
    );
  });
});

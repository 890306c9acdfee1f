import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as actionsCore from '@actions/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunnerFileWriteError } from '../src/file-commands.js';
import { escapeCommandData, nameValueBlock, runnerToolkit } from '../src/runner-toolkit.js';
import type { Toolkit } from '../src/toolkit.js';

// The action speaks to the runner itself rather than through the Actions toolkit package. Every
// test here does the same thing both ways and demands the same bytes on stdout and in the runner
// files, so the two cannot drift apart unnoticed.

const FILE_VARIABLES = ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY'] as const;
const DELIMITER =
  /ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

let directory: string;
let savedExitCode: typeof process.exitCode;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'runner-toolkit-'));
  savedExitCode = process.exitCode;
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = savedExitCode;
  rmSync(directory, { recursive: true, force: true });
});

/** What one way of talking to the runner left behind. */
interface Trace {
  stdout: string;
  files: Record<(typeof FILE_VARIABLES)[number], string>;
  exitCode: typeof process.exitCode;
}

/**
 * Runs `act` against fresh runner files (named through `process.env`, which the toolkit package
 * reads) and records stdout, the files with their random delimiters made comparable, and the
 * exit code it set.
 */
function trace(act: () => void): Trace {
  const files = {} as Trace['files'];
  for (const name of FILE_VARIABLES) {
    const path = join(directory, name);
    writeFileSync(path, '');
    vi.stubEnv(name, path);
  }
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  // Exporting a variable also sets it in this process; a generated name such as PATH must not
  // outlive the run.
  const environment = { ...process.env };
  try {
    act();
  } finally {
    write.mockRestore();
    for (const name of Object.keys(process.env)) {
      if (!(name in environment)) delete process.env[name];
    }
    Object.assign(process.env, environment);
  }
  for (const name of FILE_VARIABLES) {
    files[name] = readFileSync(join(directory, name), 'utf8').replace(DELIMITER, 'DELIMITER');
  }
  const { exitCode } = process;
  process.exitCode = undefined;
  return { stdout, files, exitCode };
}

/** The same calls, once through this action's runner toolkit and once through `@actions/core`. */
function bothWays(calls: (toolkit: Toolkit) => void): { ours: Trace; reference: Trace } {
  const ours = trace(() => calls(runnerToolkit(process.env, process.stdout)));
  const reference = trace(() =>
    calls({
      getInput: (name) => actionsCore.getInput(name),
      setSecret: (value) => actionsCore.setSecret(value),
      exportVariable: (name, value) => actionsCore.exportVariable(name, value),
      setOutput: (name, value) => actionsCore.setOutput(name, value),
      info: (message) => actionsCore.info(message),
      debug: (message) => actionsCore.debug(message),
      warning: (message) => actionsCore.warning(message),
      setFailed: (message) => actionsCore.setFailed(message),
      appendSummary: async () => {
        throw new Error('compared separately: the toolkit writes its summary asynchronously');
      },
    }),
  );
  return { ours, reference };
}

// Any text, weighted toward what escaping is about: percent signs, CR, LF and command markers.
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(fc.constantFrom('%', '\r', '\n', '::', 'add-mask', '%0A', '%25', 'a', ' ', '<<', 'é'), {
      maxLength: 12,
    })
    .map((parts) => parts.join('')),
);
const variableName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/);

describe('the runner toolkit, compared with @actions/core', () => {
  it('writes the same workflow commands for any message', () => {
    fc.assert(
      fc.property(hostileText, (message) => {
        const { ours, reference } = bothWays((toolkit) => {
          toolkit.setSecret(message);
          toolkit.debug(message);
          toolkit.warning(message);
          toolkit.info(message);
          toolkit.setFailed(message);
        });
        expect(ours).toEqual(reference);
        expect(ours.exitCode).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the same GITHUB_ENV and GITHUB_OUTPUT blocks for any name and value', () => {
    fc.assert(
      fc.property(variableName, hostileText, (name, value) => {
        const { ours, reference } = bothWays((toolkit) => {
          toolkit.exportVariable(name, value);
          toolkit.setOutput(name.toLowerCase(), value);
        });
        expect(ours).toEqual(reference);
        expect(ours.files.GITHUB_ENV).toBe(`${name}<<DELIMITER\n${value}\nDELIMITER\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the same input for any name and value, spaces and case included', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z -]{0,15}$/),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (name, value) => {
          vi.stubEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value);
          expect(runnerToolkit(process.env).getInput(name)).toBe(actionsCore.getInput(name));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('appends the same job summary', async () => {
    const markdown = '### Title\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n';
    const summaryFile = join(directory, 'summary.md');
    writeFileSync(summaryFile, 'before\n');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);

    await runnerToolkit(process.env).appendSummary(markdown);
    const ours = readFileSync(summaryFile, 'utf8');
    writeFileSync(summaryFile, 'before\n');
    await actionsCore.summary.emptyBuffer().addRaw(markdown).write();

    expect(ours).toBe(`before\n${markdown}`);
    expect(readFileSync(summaryFile, 'utf8')).toBe(ours);
  });
});

describe('the runner toolkit on its own', () => {
  it('sets the variable in its own environment too, as later code in the step may read it', () => {
    const env: NodeJS.ProcessEnv = { GITHUB_ENV: join(directory, 'env') };
    writeFileSync(env.GITHUB_ENV as string, '');

    runnerToolkit(env, { write: () => true }).exportVariable('LITELLM_BASE_URL', 'https://gw');

    expect(env.LITELLM_BASE_URL).toBe('https://gw');
  });

  it('refuses to export or output when the runner gave no file, rather than using stdout', () => {
    const lines: string[] = [];
    const toolkit = runnerToolkit({}, { write: (text) => lines.push(text) });

    expect(() => toolkit.exportVariable('LITELLM_API_KEY', 'sk-x')).toThrow(
      'GITHUB_ENV is not set',
    );
    expect(() => toolkit.setOutput('api-key', 'sk-x')).toThrow('GITHUB_OUTPUT is not set');
    expect(lines).toEqual([]);
  });

  it('names the runner file a write failed on', () => {
    const toolkit = runnerToolkit({ GITHUB_OUTPUT: '/dev/full' }, { write: () => true });

    let failure: unknown;
    try {
      toolkit.setOutput('api-key', 'sk-x');
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(RunnerFileWriteError);
    expect(failure).toMatchObject({ file: 'GITHUB_OUTPUT', code: 'ENOSPC' });
  });

  it('skips the job summary when the runner has none', async () => {
    await expect(runnerToolkit({}).appendSummary('# x')).resolves.toBeUndefined();
  });

  it('keeps an escaped message on one line', () => {
    expect(escapeCommandData('50%\r\n::error::x')).toBe('50%25%0D%0A::error::x');
  });

  it('gives every block its own delimiter, which no value can predict', () => {
    const first = nameValueBlock('A', 'x').split('\n')[0];
    const second = nameValueBlock('A', 'x').split('\n')[0];

    expect(first).toMatch(/^A<<ghadelimiter_/);
    expect(first).not.toBe(second);
  });
});

import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { type FileCommand, RunnerFileWriteError } from './file-commands.js';
import type { Toolkit } from './toolkit.js';

/** Where workflow commands are written: the step's standard output. */
export interface CommandSink {
  write(text: string): unknown;
}

/**
 * The runner's side of a step, spoken directly: inputs from `INPUT_*` variables, workflow
 * commands on standard output, and the `GITHUB_ENV`, `GITHUB_OUTPUT` and
 * `GITHUB_STEP_SUMMARY` files, in the formats GitHub documents for them.
 *
 * The Actions toolkit package does the same, but importing it also loads its HTTP client and
 * undici: a third of the action's start-up and two thirds of its bundle, for features (OIDC
 * tokens, running tools) this action never uses. A test holds this module to the toolkit's
 * output, line for line, for any text.
 */
export function runnerToolkit(
  env: NodeJS.ProcessEnv = process.env,
  out: CommandSink = process.stdout,
): Toolkit {
  const command = (name: string, message: string) => {
    out.write(`::${name}::${escapeCommandData(message)}${EOL}`);
  };
  const appendFileCommand = (file: FileCommand, name: string, value: string) => {
    const path = env[file];
    // Checked before any key is minted; the old stdout forms of these commands are disabled.
    if (!path) throw new Error(`${file} is not set`);
    const block = `${nameValueBlock(name, value)}${EOL}`;
    try {
      appendFileSync(path, block, { encoding: 'utf8' });
    } catch (error) {
      throw new RunnerFileWriteError(file, error);
    }
  };

  return {
    getInput: (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    setSecret: (value) => command('add-mask', value),
    exportVariable: (name, value) => {
      appendFileCommand('GITHUB_ENV', name, value);
      env[name] = value;
    },
    setOutput: (name, value) => appendFileCommand('GITHUB_OUTPUT', name, value),
    info: (message) => out.write(`${message}${EOL}`),
    debug: (message) => command('debug', message),
    warning: (message) => command('warning', message),
    setFailed: (message) => {
      process.exitCode = 1;
      command('error', message);
    },
    appendSummary: async (markdown) => {
      const path = env.GITHUB_STEP_SUMMARY;
      if (path) appendFileSync(path, markdown, { encoding: 'utf8' });
    },
  };
}

/**
 * A command's message is one line: the runner reads `%25`, `%0D` and `%0A` back as `%`, CR and
 * LF, so a message can never start a second command.
 */
export function escapeCommandData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/**
 * One `name<<delimiter` block for `GITHUB_ENV` or `GITHUB_OUTPUT`. The delimiter is random per
 * block, so a value cannot end its block early and smuggle in a variable of its own.
 * @throws {Error} if the name or value holds the delimiter, which a random UUID makes a
 * practical impossibility.
 */
export function nameValueBlock(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`${name} holds its own delimiter and cannot be written`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

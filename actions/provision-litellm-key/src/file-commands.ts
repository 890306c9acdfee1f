import { accessSync, constants, statSync, truncateSync } from 'node:fs';
import { ProvisionError } from '@provision-litellm-key/core';

/** The runner files a step writes its exports and outputs to. */
export type FileCommand = 'GITHUB_ENV' | 'GITHUB_OUTPUT';

/** The runner gave this step no usable file for its exports or outputs. */
export class RunnerFilesError extends ProvisionError {
  constructor(
    message: string,
    hint = 'Run this action on a GitHub Actions runner (2.297 or later), which provides these files.',
  ) {
    super(message, hint);
  }
}

/** A write to one runner file failed; says which, for the step's error line. */
export class RunnerFileWriteError extends Error {
  readonly file: FileCommand;
  readonly code: string | undefined;

  constructor(file: FileCommand, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super(`Could not write ${file}`, { cause });
    this.name = 'RunnerFileWriteError';
    this.file = file;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * Checks, before any key is minted, that every file the step will write to exists and is
 * writable. Finding out afterwards would waste the key, or leave it exported with the step failed.
 * @throws {RunnerFilesError} naming the file at fault.
 */
export function assertFileCommandsWritable(
  needed: readonly FileCommand[],
  env: NodeJS.ProcessEnv,
): void {
  for (const name of needed) {
    const path = env[name];
    if (!path) throw new RunnerFilesError(`${name} is not set, so the key cannot be handed on`);
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'not writable';
      throw new RunnerFilesError(`${name} points at ${path}, which cannot be written (${code})`);
    }
    // A writable directory passes the access check, and would fail only once the key exists.
    if (statSync(path).isDirectory()) {
      throw new RunnerFilesError(`${name} points at ${path}, which is a directory`);
    }
  }
}

/**
 * Runs `publish` so that the runner files end up with everything or nothing: if any write fails
 * (a full disk, a directory in place of a file), what was already appended is cut away again, so
 * a failed step never leaves a key behind for later steps.
 * @throws {RunnerFilesError} naming the failure, after the files are restored.
 */
export async function allOrNothing(
  files: readonly FileCommand[],
  env: NodeJS.ProcessEnv,
  publish: () => Promise<void>,
): Promise<void> {
  const sizes = files.map((name) => {
    const path = env[name] ?? '';
    return { name, path, size: statSync(path).size };
  });
  try {
    await publish();
  } catch (error) {
    for (const { path, size } of sizes) {
      try {
        truncateSync(path, size);
      } catch {
        // A file that cannot be cut back could not be written either: nothing landed there.
      }
    }
    const code = (error as { code?: string }).code ?? 'write failed';
    const failed =
      error instanceof RunnerFileWriteError
        ? error.file
        : sizes.map(({ name }) => name).join(' or ');
    throw new RunnerFilesError(
      `Could not write ${failed} (${code}); nothing was handed on`,
      "Check the runner's free disk space and its temporary directory, then re-run the job.",
    );
  }
}

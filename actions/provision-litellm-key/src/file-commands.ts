import { accessSync, constants } from 'node:fs';
import { ProvisionError } from '@provision-litellm-key/core';

/** The runner files a step writes its exports and outputs to. */
export type FileCommand = 'GITHUB_ENV' | 'GITHUB_OUTPUT';

/** The runner gave this step no usable file for its exports or outputs. */
export class RunnerFilesError extends ProvisionError {
  constructor(message: string) {
    super(
      message,
      'Run this action on a GitHub Actions runner (2.297 or later), which provides these files.',
    );
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
  }
}

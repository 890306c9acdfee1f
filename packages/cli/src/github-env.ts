import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

import { ProvisionError } from '@provision-litellm-key/core';

/**
 * The file `GITHUB_ENV` names could not be used. At the `open` stage this was found before any
 * request, so nothing was minted; at the `append` stage the key was minted but not handed on.
 */
export class GithubEnvError extends ProvisionError {
  readonly stage: 'open' | 'append';
  /** The path `GITHUB_ENV` holds. */
  readonly path: string;

  constructor(
    stage: 'open' | 'append',
    path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      stage === 'open'
        ? `GITHUB_ENV names ${path}, which cannot be appended to (${reason})`
        : `Cannot append the key to GITHUB_ENV (${path}): ${reason}`,
      stage === 'open'
        ? 'Use --format github inside a GitHub Actions step, where GITHUB_ENV names a file ' +
            'the runner created.'
        : 'The key was not handed on; make room for it or fix the file GITHUB_ENV names, ' +
            'then run again.',
      options,
    );
    this.stage = stage;
    this.path = path;
  }
}

/** The part of a `node:fs/promises` `FileHandle` that appending uses; tests pass a fake. */
export interface AppendHandle {
  stat(): Promise<{ size: number; isFile(): boolean }>;
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the file `GITHUB_ENV` names, before any key is minted: finding a wrong path only
 * afterwards would waste the key. The file is not created: the runner creates it for each step,
 * so a missing one means the path is wrong. A directory or an unwritable file fails here too.
 * @throws {GithubEnvError} at the `open` stage, naming the file.
 */
export async function openGithubEnv(path: string): Promise<GithubEnvFile> {
  try {
    return new GithubEnvFile(path, await open(path, constants.O_WRONLY | constants.O_APPEND));
  } catch (error) {
    throw new GithubEnvError('open', path, errorCode(error), { cause: error });
  }
}

/** The open `GITHUB_ENV` file, for one append. */
export class GithubEnvFile {
  readonly path: string;
  readonly #handle: AppendHandle;
  #closed = false;

  constructor(path: string, handle: AppendHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /**
   * Appends `text` in one write, so no other output lands inside it, then closes the file. A
   * write that fails leaves the file as it was; one that stops short (a disk filling up) is cut
   * back off, so the next step never reads half an entry.
   * @throws {GithubEnvError} at the `append` stage.
   */
  async append(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    let before: { size: number; isFile(): boolean };
    let written: number;
    try {
      before = await this.#handle.stat();
      ({ bytesWritten: written } = await this.#handle.write(bytes, 0, bytes.length));
      if (written === bytes.length) {
        await this.close();
        return;
      }
    } catch (error) {
      throw new GithubEnvError('append', this.path, errorCode(error), { cause: error });
    }

    // Limitation: text another process of the step appended at this very moment would be cut
    // off too; the writers to a step's GITHUB_ENV normally take turns.
    const reason = `wrote ${written} of ${bytes.length} bytes`;
    try {
      if (before.isFile()) await this.#handle.truncate(before.size);
    } catch (error) {
      throw new GithubEnvError('append', this.path, `${reason} and could not remove them`, {
        cause: error,
      });
    }
    throw new GithubEnvError('append', this.path, `${reason}, then removed them`);
  }

  /** Closes the file if {@link GithubEnvFile.append} has not; a second call does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

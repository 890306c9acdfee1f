import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/** Starts a child process; `node:child_process` `spawn` fits, and tests pass a fake. */
export type Spawn = (
  command: string,
  args: readonly string[],
  options: SpawnOptions,
) => ChildProcess;

/** Where the signals to forward arrive; `process` in the tool, an emitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** A command to run, and what it runs with. */
export interface CommandRun {
  /** The program and its arguments, run directly: no shell sees them. */
  command: readonly [string, ...string[]];
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  spawn: Spawn;
  signals: SignalSource;
  /** Told why a command could not start. */
  report: (message: string) => void;
}

/**
 * The signals a terminal, a CI runner or a supervisor sends to stop a job. Each is passed on
 * rather than acted on: left to its default, SIGHUP or SIGQUIT would end this process at once
 * and leave the command running without anyone waiting for its exit code.
 */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * Runs a command with inherited standard streams and resolves with the exit code to pass on:
 * the child's own code, 128 plus the signal number when a signal ended it (as shells report
 * it), 127 when the program was not found and 126 when it could not be executed. The signals in
 * {@link FORWARDED_SIGNALS} sent to this process are passed to the child, which decides how to
 * end; this process waits for it either way.
 */
export function runCommand(run: CommandRun): Promise<number> {
  const [program, ...args] = run.command;

  return new Promise((resolve) => {
    const child = run.spawn(program, args, { stdio: 'inherit', env: run.env, shell: false });
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    const listeners = FORWARDED_SIGNALS.map((signal) => ({ signal, listener: forward(signal) }));
    for (const { signal, listener } of listeners) run.signals.on(signal, listener);

    const finish = (code: number) => {
      for (const { signal, listener } of listeners) run.signals.off(signal, listener);
      resolve(code);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Once the child has started, an error means a signal could not be delivered; the child is
      // still running, and its exit is what ends the wait.
      if (child.pid !== undefined) {
        run.report(`cannot signal ${JSON.stringify(program)}: ${error.message}`);
        return;
      }
      run.report(`cannot run ${JSON.stringify(program)}: ${error.message}`);
      finish(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      finish(signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0));
    });
  });
}

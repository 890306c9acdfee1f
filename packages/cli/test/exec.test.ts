import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import { type CommandRun, runCommand, type Spawn } from '../src/exec.js';

/** A child process stand-in that records what it was started with and the signals it got. */
class FakeChild extends EventEmitter {
  readonly signals: string[] = [];
  /** Set once the process has started; a failed start leaves it unset, as Node does. */
  pid: number | undefined;

  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    return true;
  }
}

// Checked by the type checker, not at run time: a command always has a program, so runCommand
// has no empty case to handle (the settings refuse `--` with nothing after it).
// @ts-expect-error an empty command is not a CommandRun command
const _noProgram: CommandRun['command'] = [];

function start(command: [string, ...string[]] = ['pytest', 'evals/']) {
  const child = new FakeChild();
  const signals = new EventEmitter();
  const messages: string[] = [];
  const started: { program: string; args: readonly string[]; options: SpawnOptions }[] = [];
  const spawn: Spawn = (program, args, options) => {
    started.push({ program, args, options });
    return child as unknown as ChildProcess;
  };

  const exitCode = runCommand({
    command,
    env: { LITELLM_API_KEY: 'sk-test' },
    spawn,
    signals,
    report: (message) => messages.push(message),
  });
  return { child, signals, messages, started, exitCode };
}

describe('running a command', () => {
  it('starts the program directly with inherited streams, no shell, and the given environment', () => {
    const run = start(['pytest', 'evals/', '$HOME']);

    expect(run.started).toEqual([
      {
        program: 'pytest',
        args: ['evals/', '$HOME'],
        options: { stdio: 'inherit', env: { LITELLM_API_KEY: 'sk-test' }, shell: false },
      },
    ]);
  });

  it("exits with the child's exit code", async () => {
    const run = start();

    run.child.emit('exit', 3, null);

    expect(await run.exitCode).toBe(3);
  });

  it('exits with 128 plus the signal number when a signal ends the child', async () => {
    const run = start();

    run.child.emit('exit', null, 'SIGKILL');

    expect(await run.exitCode).toBe(137);
  });

  it('passes SIGINT, SIGTERM, SIGHUP and SIGQUIT on to the child', () => {
    const run = start();

    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) run.signals.emit(signal);

    expect(run.child.signals).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);
  });

  it('keeps waiting after forwarding a signal, and exits with the code the child then chooses', async () => {
    const run = start();
    let settled = false;
    void run.exitCode.then(() => {
      settled = true;
    });

    run.signals.emit('SIGHUP');
    await new Promise((resolve) => setImmediate(resolve));
    const settledBeforeExit = settled;
    run.child.emit('exit', 71, null);

    expect(settledBeforeExit).toBe(false);
    expect(await run.exitCode).toBe(71);
  });

  it('keeps waiting for a running child when a signal cannot be delivered to it', async () => {
    const run = start();
    run.child.pid = 4321;
    let settled = false;
    void run.exitCode.then(() => {
      settled = true;
    });

    run.child.emit('error', Object.assign(new Error('kill EPERM'), { code: 'EPERM' }));
    await new Promise((resolve) => setImmediate(resolve));
    const settledBeforeExit = settled;
    run.child.emit('exit', 0, null);

    expect(settledBeforeExit).toBe(false);
    expect(await run.exitCode).toBe(0);
    expect(run.messages).toEqual(['cannot signal "pytest": kill EPERM']);
  });

  it('stops listening for signals once the child has exited', async () => {
    const run = start();

    run.child.emit('exit', 0, null);
    await run.exitCode;

    const listening = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'].map((signal) =>
      run.signals.listenerCount(signal),
    );
    expect(listening).toEqual([0, 0, 0, 0]);
  });

  it('exits with 127 and says why when the program does not exist', async () => {
    const run = start(['no-such-program']);

    run.child.emit(
      'error',
      Object.assign(new Error('spawn no-such-program ENOENT'), { code: 'ENOENT' }),
    );

    expect(await run.exitCode).toBe(127);
    expect(run.messages).toEqual(['cannot run "no-such-program": spawn no-such-program ENOENT']);
  });

  it('exits with 126 when the program cannot be executed', async () => {
    const run = start(['./not-executable']);

    run.child.emit('error', Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }));

    expect(await run.exitCode).toBe(126);
  });
});

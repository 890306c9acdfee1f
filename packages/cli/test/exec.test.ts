import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import { runCommand, type Spawn } from '../src/exec.js';

/** A child process stand-in that records what it was started with and the signals it got. */
class FakeChild extends EventEmitter {
  readonly signals: string[] = [];

  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    return true;
  }
}

function start(command: string[] = ['pytest', 'evals/']) {
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

  it('passes SIGINT and SIGTERM on to the child', () => {
    const run = start();

    run.signals.emit('SIGINT');
    run.signals.emit('SIGTERM');

    expect(run.child.signals).toEqual(['SIGINT', 'SIGTERM']);
  });

  it('stops listening for signals once the child has exited', async () => {
    const run = start();

    run.child.emit('exit', 0, null);
    await run.exitCode;

    expect(run.signals.listenerCount('SIGINT') + run.signals.listenerCount('SIGTERM')).toBe(0);
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

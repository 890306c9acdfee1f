import { describe, expect, it } from 'vitest';

import { exitAfterFlush, type FlushableSink } from '../src/index.js';

/** A sink that finishes its writes only when told to, as a slow asynchronous pipe would. */
function slowSink() {
  const pending: ((error?: Error | null) => void)[] = [];
  const sink: FlushableSink = {
    write: (_text, callback) => pending.push(callback),
  };
  const finishWrites = (error?: Error) => {
    for (const callback of pending.splice(0)) callback(error);
  };
  return { sink, finishWrites };
}

describe('exiting after a run', () => {
  it('waits until every sink has handled its earlier writes, then exits with the code', async () => {
    const stdout = slowSink();
    const stderr = slowSink();
    const exits: number[] = [];

    const exiting = exitAfterFlush(3, [stdout.sink, stderr.sink], (code) => exits.push(code));
    stdout.finishWrites();
    await new Promise((resolve) => setImmediate(resolve));
    const exitsBeforeStderr = [...exits];
    stderr.finishWrites();
    await exiting;

    expect(exitsBeforeStderr).toEqual([]);
    expect(exits).toEqual([3]);
  });

  it('still exits when a write fails, as it does once the reader has gone', async () => {
    const closed = slowSink();
    const exits: number[] = [];

    const exiting = exitAfterFlush(1, [closed.sink], (code) => exits.push(code));
    closed.finishWrites(new Error('write EPIPE'));
    await exiting;

    expect(exits).toEqual([1]);
  });
});

/** An output stream that reports, through the write callback, when a write has been handled. */
export interface FlushableSink {
  write(text: string, callback: (error?: Error | null) => void): unknown;
}

/**
 * Ends the process with `code` once everything already written to `sinks` has been handed on.
 * For the entry points of command-line tools and actions built on this package.
 *
 * A finished run has nothing left to do, but the event loop may still hold a socket that no part
 * of the program owns any more: a proxy that never answers a CONNECT keeps its tunnel open for as
 * long as it likes, and a CI job would wait with it. So the program exits explicitly rather than
 * when the loop runs dry. Exiting at once could cut the output short, though: where Node writes
 * a pipe asynchronously (macOS, Windows), `process.exit` drops what is still queued. An empty
 * write is handled only after every earlier one, so its callback marks the point where the output
 * is out. A write that fails (a closed pipe) counts as done: there is nothing left to wait for.
 *
 * @param exit - ends the process; `process.exit` by default, replaceable in tests.
 */
export async function exitAfterFlush(
  code: number,
  sinks: readonly FlushableSink[],
  exit: (code: number) => void = (exitCode) => process.exit(exitCode),
): Promise<void> {
  await Promise.all(
    sinks.map((sink) => new Promise<void>((resolve) => sink.write('', () => resolve()))),
  );
  exit(code);
}

import { exitAfterFlush } from '@provision-litellm-key/core';
import { run } from './run.js';
import { runnerToolkit } from './runner-toolkit.js';

// The runner's entry point: the real runner files and output in, one call into the domain, then
// exit even if a socket (a stalled proxy tunnel) would keep the process alive past the step's
// time limit.
await run({ env: process.env, toolkit: runnerToolkit(process.env, process.stdout) });

await exitAfterFlush(process.exitCode === undefined ? 0 : Number(process.exitCode), [
  process.stdout,
  process.stderr,
]);

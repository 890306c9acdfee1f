#!/usr/bin/env node
import { exitAfterFlush } from '@provision-litellm-key/core';
import { runCli } from './main.js';

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

// runCli resolves only when the run is over (in exec mode, once the command has ended); a socket
// left behind, such as a stalled proxy tunnel, must not keep the process alive after that.
await exitAfterFlush(code, [process.stdout, process.stderr]);

import * as core from '@actions/core';
import { exitAfterFlush } from '@provision-litellm-key/core';
import { run } from './run.js';

// The runner's entry point: real toolkit in, one call into the domain, then exit even if a
// socket (a stalled proxy tunnel) would keep the process alive past the step's time limit.
await run({
  env: process.env,
  toolkit: {
    getInput: (name) => core.getInput(name),
    setSecret: (value) => core.setSecret(value),
    exportVariable: (name, value) => core.exportVariable(name, value),
    setOutput: (name, value) => core.setOutput(name, value),
    info: (message) => core.info(message),
    debug: (message) => core.debug(message),
    warning: (message) => core.warning(message),
    setFailed: (message) => core.setFailed(message),
    appendSummary: async (markdown) => {
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
    },
  },
});

await exitAfterFlush(process.exitCode === undefined ? 0 : Number(process.exitCode), [
  process.stdout,
  process.stderr,
]);

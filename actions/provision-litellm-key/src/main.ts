import * as core from '@actions/core';
import { run } from './run.js';

// The runner's entry point: real toolkit in, one call into the domain.
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

import {
  type ClientOptions,
  describeAttempt,
  formatFailure,
  type ProvisionedKey,
  provisionKey,
} from '@provision-litellm-key/core';
import { allOrNothing, assertFileCommandsWritable, type FileCommand } from './file-commands.js';
import { readInputs } from './inputs.js';
import { publishKey } from './publish.js';
import type { Toolkit } from './toolkit.js';
import { ACTION_USER_AGENT } from './version.js';

/** What the action needs from its surroundings; tests replace any of it. */
export interface RunContext {
  toolkit: Toolkit;
  env: NodeJS.ProcessEnv;
  provision?: typeof provisionKey;
  now?: () => number;
}

/** Reads the inputs, mints a key, publishes it. Never throws: a failure fails the step. */
export async function run({
  toolkit: runner,
  env,
  provision = provisionKey,
  now = Date.now,
}: RunContext): Promise<void> {
  const toolkit = maskingOnce(runner);
  try {
    const inputs = readInputs(toolkit, env);
    const runnerFiles: FileCommand[] =
      inputs.exportEnv || inputs.exportOpenaiEnv
        ? ['GITHUB_ENV', 'GITHUB_OUTPUT']
        : ['GITHUB_OUTPUT'];
    assertFileCommandsWritable(runnerFiles, env);

    const key: ProvisionedKey = await provision({
      token: inputs.apiToken,
      apiUrl: inputs.apiUrl,
      // The input is any text; the core client checks it and names the input when it is wrong.
      authHeader: inputs.authHeader as ClientOptions['authHeader'],
      organization: inputs.organization,
      clientId: inputs.clientId,
      minTtlMs: inputs.minTtlSeconds * 1000,
      deadlineMs: inputs.timeoutSeconds * 1000,
      maxAttempts: inputs.maxAttempts,
      allowInsecureHttp: inputs.allowInsecureHttp,
      userAgent: ACTION_USER_AGENT,
      onSecret: (value) => toolkit.setSecret(value),
      onAttempt: (report) => toolkit.debug(describeAttempt(report)),
    });

    await allOrNothing(runnerFiles, env, () => publishKey(key, inputs, toolkit, now()));
  } catch (error) {
    toolkit.setFailed(formatFailure(error));
  }
}

/** The token is masked when read and again when the client reports it; one mask line is enough. */
function maskingOnce(toolkit: Toolkit): Toolkit {
  const masked = new Set<string>();
  return {
    ...toolkit,
    setSecret: (value) => {
      if (masked.has(value)) return;
      masked.add(value);
      toolkit.setSecret(value);
    },
  };
}

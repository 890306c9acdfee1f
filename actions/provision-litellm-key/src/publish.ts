import {
  describeProvisionedKey,
  keyVariables,
  type ProvisionedKey,
} from '@provision-litellm-key/core';
import type { ActionInputs } from './inputs.js';
import type { Toolkit } from './toolkit.js';

/** The output names, as declared in action.yml. */
export const OUTPUT_NAMES = [
  'api-key',
  'base-url',
  'expires-at',
  'expires-in-seconds',
  'client-id',
] as const;

/**
 * Hands a key to later steps: environment variables, outputs, the job summary and one log line.
 * The key was masked by the client the moment it was parsed, before this runs.
 */
export async function publishKey(
  key: ProvisionedKey,
  inputs: ActionInputs,
  toolkit: Toolkit,
  now: number,
): Promise<void> {
  const expiresAt = key.expiresAt.toISOString();
  const expiresInSeconds = Math.max(0, Math.floor((key.expiresAt.getTime() - now) / 1000));

  const exported = keyVariables(key, { litellm: inputs.exportEnv, openai: inputs.exportOpenaiEnv });
  for (const { name, value } of exported) toolkit.exportVariable(name, value);

  toolkit.setOutput('api-key', key.apiKey);
  toolkit.setOutput('base-url', key.baseUrl);
  toolkit.setOutput('expires-at', expiresAt);
  toolkit.setOutput('expires-in-seconds', String(expiresInSeconds));
  toolkit.setOutput('client-id', key.clientId);

  await toolkit.appendSummary(summaryOf(key, expiresAt)).catch((error: unknown) => {
    toolkit.warning(`Could not write the job summary: ${String(error).split('\n')[0]}`);
  });

  toolkit.info(describeProvisionedKey(key, now));
}

function summaryOf(key: ProvisionedKey, expiresAt: string): string {
  const rows = [
    ['Organization', key.organization],
    ['Gateway', key.baseUrl],
    ['Client id', key.clientId],
    ['Expires', expiresAt],
    ['Attempts', String(key.attempts)],
  ];
  const escapeCell = (cell: string) => cell.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
  return [
    '### LiteLLM key provisioned',
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${escapeCell(value ?? '')} |`),
    '',
  ].join('\n');
}

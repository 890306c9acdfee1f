import {
  clientIdFromEnvironment,
  DEFAULT_API_URL,
  InvalidInputError,
  MIN_SECRET_LENGTH,
  quoteForMessage,
  readWholeNumber,
} from '@provision-litellm-key/core';
import type { Toolkit } from './toolkit.js';

/** Every input of the action, read and checked. */
export interface ActionInputs {
  organization: string;
  apiToken: string;
  apiUrl: string;
  /** Checked by the core client, which accepts either choice in any case. */
  authHeader: string;
  clientId: string;
  exportEnv: boolean;
  exportOpenaiEnv: boolean;
  minTtlSeconds: number;
  timeoutSeconds: number;
  maxAttempts: number;
  allowInsecureHttp: boolean;
}

/** The input names, as declared in action.yml. */
export const INPUT_NAMES = [
  'organization',
  'api-token',
  'api-url',
  'auth-header',
  'client-id',
  'export-env',
  'export-openai-env',
  'min-ttl-seconds',
  'timeout-seconds',
  'max-attempts',
  'allow-insecure-http',
] as const;

type InputName = (typeof INPUT_NAMES)[number];

/** Defaults for inputs left empty; action.yml declares the same values. */
export const INPUT_DEFAULTS: Readonly<Partial<Record<InputName, string>>> = {
  'api-url': DEFAULT_API_URL,
  'auth-header': 'authorization',
  'export-env': 'true',
  'export-openai-env': 'false',
  'min-ttl-seconds': '60',
  'timeout-seconds': '60',
  'max-attempts': '4',
  'allow-insecure-http': 'false',
};

/**
 * Reads and checks every input. The token is masked before anything else is read, so no later
 * line, not even an error about another input, can show it.
 * @throws {InvalidInputError} naming the input at fault.
 */
export function readInputs(toolkit: Toolkit, env: NodeJS.ProcessEnv): ActionInputs {
  const apiToken = toolkit.getInput('api-token').trim();
  // Shorter values are no usable token, and masking one would blank that text across the log;
  // the client refuses them before any request.
  if (apiToken.length >= MIN_SECRET_LENGTH) toolkit.setSecret(apiToken);

  const read = (name: InputName) => toolkit.getInput(name).trim() || (INPUT_DEFAULTS[name] ?? '');
  const organization = read('organization');
  if (organization === '') throw missing('organization', 'the organization slug, e.g. acme');
  if (apiToken === '') throw missing('api-token', 'a secret such as DREADNODE_API_TOKEN');

  return {
    organization,
    apiToken,
    apiUrl: read('api-url'),
    authHeader: read('auth-header'),
    clientId: read('client-id') || clientIdFromEnvironment(env),
    exportEnv: readBoolean('export-env', read('export-env')),
    exportOpenaiEnv: readBoolean('export-openai-env', read('export-openai-env')),
    minTtlSeconds: readWholeNumber('min-ttl-seconds', read('min-ttl-seconds')),
    timeoutSeconds: readWholeNumber('timeout-seconds', read('timeout-seconds')),
    maxAttempts: readWholeNumber('max-attempts', read('max-attempts')),
    allowInsecureHttp: readBoolean('allow-insecure-http', read('allow-insecure-http')),
  };
}

function missing(name: InputName, example: string): InvalidInputError {
  return new InvalidInputError(
    name,
    `the ${name} input is required but empty`,
    `Set it in the step's with: block, for example ${name}: ${example}.`,
  );
}

function readBoolean(name: InputName, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new InvalidInputError(
    name,
    `${name} must be true or false, not ${quoteForMessage(value, 40)}`,
  );
}

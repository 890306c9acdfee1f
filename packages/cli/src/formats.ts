import { randomUUID } from 'node:crypto';

import { type KeyVariable, ProvisionError, type ProvisionedKey } from '@provision-litellm-key/core';

import type { Format } from './settings.js';

/**
 * A value the requested format cannot carry unchanged. The key was minted, but it is handed over
 * in no form rather than in a wrong one.
 */
export class UnrepresentableValueError extends ProvisionError {
  /** The format asked for. */
  readonly format: Format;
  /** The variable whose value does not fit, e.g. `LITELLM_API_KEY`. */
  readonly variable: string;

  constructor(format: Format, variable: string, message: string, hint: string) {
    super(message, hint);
    this.format = format;
    this.variable = variable;
  }
}

/** One environment variable to hand over: its name and value. */
export type Variable = KeyVariable;

/**
 * `export NAME='value'` lines that a POSIX shell can `eval` whatever the value holds: inside
 * single quotes nothing is special except the closing quote, which is written as `'\''`.
 */
export function renderShell(variables: readonly Variable[]): string {
  return variables.map(({ name, value }) => `export ${name}=${shellQuote(value)}\n`).join('');
}

/** Quotes a value as one literal word for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `NAME=value` lines for dotenv files. Single quotes are literal in the common dotenv readers
 * (Node's dotenv, python-dotenv, Docker Compose) as long as the value holds no quote or
 * backslash; double quotes then serve a value with a single quote but nothing they would expand.
 * @throws {UnrepresentableValueError} for a value no quoting carries unchanged to every reader.
 */
export function renderDotenv(variables: readonly Variable[]): string {
  return variables.map(({ name, value }) => `${name}=${dotenvQuote(name, value)}\n`).join('');
}

function dotenvQuote(name: string, value: string): string {
  if (!/['\\\n\r]/.test(value)) return `'${value}'`;
  if (!/["\\$`\n\r]/.test(value)) return `"${value}"`;
  throw new UnrepresentableValueError(
    'dotenv',
    name,
    `The value of ${name} mixes quotes, backslashes or $ in a way dotenv readers disagree on`,
    'Use --format shell or --format json, which carry any value.',
  );
}

/** The JSON document printed by `--format json`, on one line. */
export function renderJson(key: ProvisionedKey): string {
  const document = {
    apiKey: key.apiKey,
    baseUrl: key.baseUrl,
    expiresAt: key.expiresAt.toISOString(),
    clientId: key.clientId,
  };
  return `${JSON.stringify(document)}\n`;
}

/**
 * The workflow command that has the GitHub Actions runner mask `secret` in every later log line.
 * The secret is escaped as command data: the runner decodes `%25`, `%0D` and `%0A` in it, so an
 * unescaped secret holding those sequences would be registered as a different string (and a raw
 * line break would end the command early), and the mask would miss the real value.
 */
export function maskCommand(secret: string): string {
  const data = secret.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
  return `::add-mask::${data}\n`;
}

/**
 * The text to append to the file `GITHUB_ENV` names: each variable in the multi-line
 * `NAME<<DELIMITER` form, whose random delimiter a value cannot end early.
 * @param delimiter - supplies the delimiter; replaceable so tests are deterministic.
 * @throws {UnrepresentableValueError} if a value contains its delimiter.
 */
export function renderGithubEnv(
  variables: readonly Variable[],
  delimiter: () => string = () => `ghadelimiter_${randomUUID()}`,
): string {
  const entries = variables.map(({ name, value }) => {
    const end = delimiter();
    if (value.includes(end)) {
      throw new UnrepresentableValueError(
        'github',
        name,
        `The value of ${name} contains the delimiter chosen to write it to GITHUB_ENV`,
        'Run again: each run chooses a new random delimiter.',
      );
    }
    return `${name}<<${end}\n${value}\n${end}\n`;
  });
  return entries.join('');
}

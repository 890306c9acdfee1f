import { randomUUID } from 'node:crypto';

import { InvalidResponseError, type ProvisionedKey } from '@provision-litellm-key/core';

/** One environment variable to hand over: its name and value. */
export interface Variable {
  name: string;
  value: string;
}

/**
 * The variables a key is handed over as: LiteLLM's own names, plus the OpenAI SDKs' names when
 * asked for. The key comes first so that anything masking secrets sees it before the URL.
 */
export function keyVariables(key: ProvisionedKey, openai: boolean): Variable[] {
  const variables = [
    { name: 'LITELLM_API_KEY', value: key.apiKey },
    { name: 'LITELLM_BASE_URL', value: key.baseUrl },
  ];
  if (openai) {
    variables.push(
      { name: 'OPENAI_API_KEY', value: key.apiKey },
      { name: 'OPENAI_BASE_URL', value: key.baseUrl },
    );
  }
  return variables;
}

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
 * @throws {InvalidResponseError} for a value no quoting carries unchanged to every reader.
 */
export function renderDotenv(variables: readonly Variable[]): string {
  return variables.map(({ name, value }) => `${name}=${dotenvQuote(name, value)}\n`).join('');
}

function dotenvQuote(name: string, value: string): string {
  if (!/['\\\n\r]/.test(value)) return `'${value}'`;
  if (!/["\\$`\n\r]/.test(value)) return `"${value}"`;
  throw new InvalidResponseError(
    `The value of ${name} mixes quotes, backslashes or $ in a way dotenv readers disagree on`,
    undefined,
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

/** What `--format github` writes: the workflow command for stdout, and the `$GITHUB_ENV` text. */
export interface GithubHandover {
  /** Printed first, so the runner masks the key before anything else can show it. */
  stdout: string;
  /** Appended to the file named by `GITHUB_ENV`. */
  environmentFile: string;
}

/**
 * Renders variables for GitHub Actions: `::add-mask::` for each secret, escaped as command data,
 * then each variable in the multi-line `NAME<<DELIMITER` form, whose random delimiter a value
 * cannot end early.
 * @param secrets - the values to mask, normally the key.
 * @param delimiter - supplies the delimiter; replaceable so tests are deterministic.
 * @throws {InvalidResponseError} if a value contains the delimiter.
 */
export function renderGithub(
  variables: readonly Variable[],
  secrets: readonly string[],
  delimiter: () => string = () => `ghadelimiter_${randomUUID()}`,
): GithubHandover {
  const lines = variables.map(({ name, value }) => {
    const end = delimiter();
    if (value.includes(end)) {
      throw new InvalidResponseError(
        `The value of ${name} contains the delimiter chosen to write it to GITHUB_ENV`,
        undefined,
        'Run again: the delimiter is random.',
      );
    }
    return `${name}<<${end}\n${value}\n${end}\n`;
  });
  const masks = [...new Set(secrets)].map((secret) => `::add-mask::${commandData(secret)}\n`);
  return { stdout: masks.join(''), environmentFile: lines.join('') };
}

/**
 * Escapes the data of a workflow command. The runner decodes `%25`, `%0D` and `%0A` in it, so an
 * unescaped value holding those sequences would be registered as a different string (and a raw
 * line break would end the command early): the mask would then miss the real key.
 */
function commandData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

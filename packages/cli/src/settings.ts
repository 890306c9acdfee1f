import { parseArgs } from 'node:util';

import {
  clientIdFromEnvironment,
  InvalidInputError,
  quoteForMessage,
  type RangedSetting,
  readWholeNumber,
} from '@provision-litellm-key/core';

/** The ways the key can be handed over when no command is given. */
export const FORMATS = ['shell', 'dotenv', 'json', 'github'] as const;

/** How the key is printed: `export` lines, a dotenv file, one JSON object, or `$GITHUB_ENV`. */
export type Format = (typeof FORMATS)[number];

/** The environment, as far as this tool reads it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Everything one run needs, resolved from flags, then the environment, then defaults. */
export interface Settings {
  /** The organization slug, unchecked: the core library judges it. */
  organization: string;
  /** The platform URL; `undefined` leaves the choice to the core library's default. */
  apiUrl: string | undefined;
  /** Passed through unchecked; the core library accepts `authorization` or `x-api-key`. */
  authHeader: string | undefined;
  clientId: string;
  minTtlSeconds: number;
  /** The time limit for the whole provisioning, retries included. */
  timeoutSeconds: number;
  maxAttempts: number;
  allowInsecureHttp: boolean;
  /** The token found in the environment; ignored when `tokenFromStdin` is set. */
  environmentToken: string | undefined;
  tokenFromStdin: boolean;
  format: Format;
  /** Also hand over `OPENAI_API_KEY` and `OPENAI_BASE_URL`. */
  openai: boolean;
  debug: boolean;
  /** The command to run with the key in its environment, when one follows `--`. */
  command: [string, ...string[]] | undefined;
  /** Where `--format github` appends; read from `GITHUB_ENV`. */
  githubEnvPath: string | undefined;
}

/** What the command line asks for: a run, or one of the informational flags. */
export type Request = { kind: 'run'; settings: Settings } | { kind: 'help' } | { kind: 'version' };

/** A flag or argument the tool cannot use. Exits with code 2, like any invalid input. */
export class UsageError extends InvalidInputError {
  constructor(field: string, message: string, hint?: string) {
    super(field, message, hint ?? 'Run provision-litellm-key --help to see the flags.');
  }
}

const OPTIONS = {
  org: { type: 'string' },
  organization: { type: 'string' },
  'api-url': { type: 'string' },
  'auth-header': { type: 'string' },
  'client-id': { type: 'string' },
  'min-ttl-seconds': { type: 'string' },
  'timeout-seconds': { type: 'string' },
  'max-attempts': { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
  format: { type: 'string' },
  openai: { type: 'boolean' },
  'token-stdin': { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

// Any flag that looks like it carries the token is refused before parsing, with the reason,
// rather than reported as merely unknown: users will try it.
const TOKEN_FLAG = /^--(api-)?(token|key)(=|$)/;

/**
 * Reads the command line (without the node and script paths) and the environment into settings.
 * Flags win over the environment, which wins over defaults. Values are passed on as given; the
 * core library is the one place that judges organization, client id, URL and auth header.
 * @throws {UsageError} for an unknown, malformed or forbidden flag.
 */
export function readSettings(argv: readonly string[], env: Environment): Request {
  const terminator = argv.indexOf('--');
  const flags = terminator === -1 ? argv : argv.slice(0, terminator);
  refuseTokenFlags(flags);

  const { values, positionals } = parseFlags(flags);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (positionals.length > 0) {
    throw new UsageError(
      'command',
      `unexpected argument ${JSON.stringify(positionals[0])}`,
      'Put the command to run after --, for example: provision-litellm-key --org acme -- pytest',
    );
  }

  const command = readCommand(argv, terminator);
  if (command !== undefined && values.format !== undefined) {
    throw new UsageError(
      'format',
      '--format cannot be combined with a command',
      'A command receives the key in its environment; drop --format or drop the command.',
    );
  }

  const organization =
    values.org ?? values.organization ?? fromEnvironment(env, 'DREADNODE_ORGANIZATION');
  if (organization === undefined) {
    throw new UsageError(
      'organization',
      'no organization given',
      'Pass --org <slug> or set DREADNODE_ORGANIZATION.',
    );
  }

  const format = readFormat(values.format);
  const githubEnvPath = fromEnvironment(env, 'GITHUB_ENV');
  if (command === undefined && format === 'github' && githubEnvPath === undefined) {
    throw new UsageError(
      'format',
      '--format github needs the GITHUB_ENV environment variable, which is not set',
      'Use --format github only inside a GitHub Actions run: step.',
    );
  }

  return {
    kind: 'run',
    settings: {
      organization,
      apiUrl:
        values['api-url'] ??
        fromEnvironment(env, 'DREADNODE_SERVER_URL') ??
        fromEnvironment(env, 'DREADNODE_SERVER'),
      authHeader: values['auth-header'],
      clientId: values['client-id'] ?? clientIdFromEnvironment(env),
      minTtlSeconds: wholeNumber('min-ttl-seconds', values['min-ttl-seconds'], 60),
      timeoutSeconds: wholeNumber('timeout-seconds', values['timeout-seconds'], 60),
      maxAttempts: wholeNumber('max-attempts', values['max-attempts'], 4),
      allowInsecureHttp: values['allow-insecure-http'] === true,
      environmentToken:
        fromEnvironment(env, 'DREADNODE_API_TOKEN') ?? fromEnvironment(env, 'DREADNODE_API_KEY'),
      tokenFromStdin: values['token-stdin'] === true,
      format,
      openai: values.openai === true,
      debug: values.debug === true,
      command,
      githubEnvPath,
    },
  };
}

function readCommand(
  argv: readonly string[],
  terminator: number,
): [string, ...string[]] | undefined {
  if (terminator === -1) return undefined;
  const [program, ...args] = argv.slice(terminator + 1);
  if (program === undefined) {
    throw new UsageError('command', 'no command after --', 'Name the command to run after --.');
  }
  return [program, ...args];
}

function refuseTokenFlags(flags: readonly string[]): void {
  const tokenFlag = flags.find((flag) => TOKEN_FLAG.test(flag));
  if (tokenFlag === undefined) return;
  // Only the flag's name is quoted: the value after `=` is the secret being kept out of sight.
  const name = tokenFlag.split('=')[0] ?? tokenFlag;
  throw new UsageError(
    'token',
    `${name} is not accepted: a token on the command line is visible to every user through ps ` +
      'and is kept in shell history',
    'Set DREADNODE_API_TOKEN in the environment, or pipe the token in with --token-stdin.',
  );
}

function parseFlags(flags: readonly string[]) {
  try {
    return parseArgs({ args: [...flags], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    // Node's message goes on to explain `--` for positionals, which misleads here: keep the
    // first sentence, which names the flag.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError('flags', message.split('. ')[0] ?? message);
  }
}

function readFormat(value: string | undefined): Format {
  if (value === undefined) return 'shell';
  const format = FORMATS.find((known) => known === value);
  if (format === undefined) {
    throw new UsageError(
      'format',
      `--format must be one of ${FORMATS.join(', ')}, not ${quoteForMessage(value, 40)}`,
    );
  }
  return format;
}

/** A numeric flag, or its default when it is absent; ranges are the core's, as for the action. */
function wholeNumber(flag: RangedSetting, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return readWholeNumber(flag, text);
  } catch (error) {
    // The same rule, told as a usage error about the flag as it is typed.
    if (error instanceof InvalidInputError) throw new UsageError(flag, `--${error.message}`);
    throw error;
  }
}

// CI systems often define a variable for a secret that was never set as an empty string;
// treating empty as absent lets the next source in line apply.
function fromEnvironment(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

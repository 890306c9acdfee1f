#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { MAX_KEY_TTL_SECONDS } from './key-store.js';
import type { MockPlatformOptions } from './platform.js';
import { startMockPlatform } from './server.js';

/** Flags that take a value; they take the next argument as it stands, like getopt. */
const VALUE_FLAGS = ['host', 'port', 'token', 'org', 'ttl', 'rate', 'burst', 'path-prefix'];

/** Path characters a client sends as they are (RFC 3986 `pchar` without percent-encoding). */
const PREFIX_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;

const USAGE = `Usage: provision-litellm-key-mock [options]

Serves a mock of the LiteLLM key provisioning API and its gateway on a loopback port.
Prints one JSON line {"url": ..., "gatewayUrl": ...} once listening; stop with Ctrl-C.

Options:
  --host HOST          loopback interface to bind (default 127.0.0.1)
  --port PORT          port to bind, 0 to 65535 (default 0: any free port)
  --token TOKEN        accepted API token; repeatable (default test-token)
  --org ORG            known organization; repeatable (default acme)
  --ttl SECONDS        lifetime of minted keys, 1 to 31536000 (default 900)
  --rate PER_SECOND    rate limit provisioning to this many requests per second
  --burst N            requests allowed at once under --rate (default: --rate rounded up)
  --path-prefix PATH   serve the API under PATH, e.g. /platform (no . or .. segments)
  --help               show this help

Environment:
  MOCK_PLATFORM_TOKENS comma-separated tokens, added to any --token
`;

/** Where the command writes, what it reads, and when it should stop. */
export interface CliIo {
  /** Receives each line meant for standard output, without its newline. */
  stdout: (line: string) => void;
  /** Receives each line meant for standard error, without its newline. */
  stderr: (line: string) => void;
  /** Environment to read `MOCK_PLATFORM_TOKENS` from. */
  env: Record<string, string | undefined>;
  /** Aborting it closes the platform and ends the command. */
  stop: AbortSignal;
  /** Clock for the platform, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * Runs the `provision-litellm-key-mock` command: parses `argv` (without the node and script
 * paths), serves until `io.stop` aborts, and resolves with the exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let options: MockPlatformOptions | 'help';
  try {
    options = readOptions(argv, io.env);
  } catch (error) {
    io.stderr(`provision-litellm-key-mock: ${oneLine(messageOf(error))}`);
    io.stderr('Run with --help for usage.');
    return 2;
  }
  if (options === 'help') {
    io.stdout(USAGE.trimEnd());
    return 0;
  }

  let platform: Awaited<ReturnType<typeof startMockPlatform>>;
  try {
    platform = await startMockPlatform({ ...options, now: io.now });
  } catch (error) {
    io.stderr(`provision-litellm-key-mock: ${messageOf(error)}`);
    return 1;
  }
  io.stdout(JSON.stringify({ url: platform.url, gatewayUrl: platform.gatewayUrl }));

  await stopped(io.stop);
  await platform.close();
  return 0;
}

function readOptions(
  argv: string[],
  env: Record<string, string | undefined>,
): MockPlatformOptions | 'help' {
  const { values } = parseArgs({
    args: attachValues(argv),
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string', multiple: true },
      org: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'path-prefix': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    return 'help';
  }

  const fromEnv = (env.MOCK_PLATFORM_TOKENS ?? '').split(',').map((token) => token.trim());
  const tokens = [...(values.token ?? []), ...fromEnv].filter((token) => token !== '');
  const options: MockPlatformOptions = {
    tokens: tokens.length > 0 ? tokens : ['test-token'],
    organizations: values.org ?? ['acme'],
  };

  if (values.host !== undefined) {
    options.host = values.host;
  }
  if (values.port !== undefined) {
    options.port = wholeNumber('--port', values.port, 0, 65_535);
  }
  if (values.ttl !== undefined) {
    options.keyTtlSeconds = wholeNumber('--ttl', values.ttl, 1, MAX_KEY_TTL_SECONDS);
  }
  if (values['path-prefix'] !== undefined) {
    options.pathPrefix = pathPrefix(values['path-prefix']);
  }
  if (values.burst !== undefined && values.rate === undefined) {
    throw new Error('--burst needs --rate');
  }
  if (values.rate !== undefined) {
    const perSecond = Number(values.rate);
    if (!Number.isFinite(perSecond) || perSecond <= 0) {
      throw new Error(`--rate must be a positive number, got '${values.rate}'`);
    }
    const burst =
      values.burst === undefined
        ? Math.max(1, Math.ceil(perSecond))
        : wholeNumber('--burst', values.burst, 1, Number.MAX_SAFE_INTEGER);
    options.rateLimit = { perSecond, burst };
  }
  return options;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

/**
 * Writes each `--flag value` pair as `--flag=value`, so a value that starts with a dash, such as
 * `--port -1`, reaches the flag's own check instead of parseArgs' multi-line ambiguity error.
 */
function attachValues(argv: string[]): string[] {
  const attached: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      attached.push(...argv.slice(index));
      break;
    }
    const value = argv[index + 1];
    if (arg.startsWith('--') && VALUE_FLAGS.includes(arg.slice(2)) && value !== undefined) {
      attached.push(`${arg}=${value}`);
      index += 1;
    } else {
      attached.push(arg);
    }
  }
  return attached;
}

/**
 * Accepts a prefix only if clients send it back unchanged: a client resolves `.` and `..`
 * segments and percent-encodes other characters, and the request would then miss the prefix.
 */
function pathPrefix(text: string): string {
  if (text === '') {
    return text;
  }
  if (!text.startsWith('/')) {
    throw new Error(`--path-prefix must be empty or start with '/', got '${text}'`);
  }
  const segments = text.slice(1).split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`--path-prefix must not contain '.' or '..' segments, got '${text}'`);
  }
  if (!segments.every((segment) => PREFIX_SEGMENT.test(segment))) {
    const allowed = "letters, digits and -._~!$&'()*+,;=:@";
    throw new Error(`--path-prefix may hold only ${allowed} between slashes, got '${text}'`);
  }
  return text;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}

function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.resolve();
  }
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether this module is the script node was asked to run, rather than an import. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) {
    return false;
  }
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the command with this process's arguments, output and signals. */
export function runFromCommandLine(): void {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const io: CliIo = {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    stop: stop.signal,
  };
  runCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

if (isEntryPoint()) runFromCommandLine();

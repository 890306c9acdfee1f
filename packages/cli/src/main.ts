import { spawn as spawnChild } from 'node:child_process';

import {
  type ClientOptions,
  describeAttempt,
  describeProvisionedKey,
  formatFailure,
  InvalidInputError,
  keyVariables,
  type ProvisionedKey,
  type ProvisionRequest,
  provisionKey,
} from '@provision-litellm-key/core';

import { runCommand, type SignalSource, type Spawn } from './exec.js';
import {
  maskCommand,
  renderDotenv,
  renderGithubEnv,
  renderJson,
  renderShell,
  type Variable,
} from './formats.js';
import { GithubEnvError, type GithubEnvFile, openGithubEnv } from './github-env.js';
import { type Environment, readSettings, type Settings, UsageError } from './settings.js';
import { USAGE } from './usage.js';
import { VERSION } from './version.js';

/** A stream the tool writes text to. */
export interface TextSink {
  write(text: string): unknown;
}

/** A stream the tool reads text from; `isTTY` tells a terminal from a pipe. */
export type TextSource = (AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>) & {
  readonly isTTY?: boolean | undefined;
};

/** What the tool reads, where it writes, and the collaborators tests replace. */
export interface CliOptions {
  /** The arguments, without the node and script paths. */
  argv: readonly string[];
  env: Environment;
  /** Read in full only with `--token-stdin`. */
  stdin: TextSource;
  /** Receives only the requested output. */
  stdout: TextSink;
  /** Receives every message for a person. */
  stderr: TextSink;
  /**
   * Mints the key; the core library's `provisionKey` by default. A replacement must report each
   * secret to `onSecret`, as the core library does.
   */
  provision?: (options: ClientOptions & ProvisionRequest) => Promise<ProvisionedKey>;
  /** Starts the command in exec mode; `node:child_process` `spawn` by default. */
  spawn?: Spawn;
  /** Signals to forward to the command; `process` by default. */
  signals?: SignalSource;
}

/** What `--token-stdin` shows on a terminal, where it would otherwise wait without a word. */
export const TOKEN_PROMPT = 'Paste the platform API token, then press Ctrl-D:';

const NAME = 'provision-litellm-key';

/** Where the key goes, settled before it is minted. */
type Destination =
  | { kind: 'command'; command: readonly [string, ...string[]] }
  | { kind: 'stdout'; format: 'shell' | 'dotenv' | 'json' }
  | { kind: 'github'; file: GithubEnvFile };

/**
 * Runs the `provision-litellm-key` command and resolves with its exit code: 0 on success, 1 when
 * the platform refused or failed or the key could not be handed over, 2 for a bad flag or input
 * or an unusable `GITHUB_ENV` (nothing was sent then), and in exec mode the command's own.
 * It never rejects: every failure becomes one line on stderr.
 */
export async function runCli(options: CliOptions): Promise<number> {
  // Stack traces are for failures past reading the flags; a usage error's stack says nothing.
  let debug = false;
  let destination: Destination | undefined;
  try {
    const request = readSettings(options.argv, options.env);
    if (request.kind === 'help') return print(options.stdout, USAGE);
    if (request.kind === 'version') return print(options.stdout, `${VERSION}\n`);
    const { settings } = request;
    debug = settings.debug;

    destination = await openDestination(settings);
    const token = await readToken(settings, options);
    const key = await provision(settings, token, options, destination.kind === 'github');

    return await handOver(key, destination, settings, options);
  } catch (error) {
    options.stderr.write(`${NAME}: ${formatFailure(error)}\n`);
    if (debug && error instanceof Error && error.stack) options.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  } finally {
    // Still open only when the key never reached it; the failure is what gets reported then.
    if (destination?.kind === 'github') await destination.file.close().catch(() => undefined);
  }
}

/** 2 for a failure found before anything was sent: the run asked for what cannot be done. */
function exitCodeFor(error: unknown): number {
  if (error instanceof InvalidInputError) return 2;
  if (error instanceof GithubEnvError && error.stage === 'open') return 2;
  return 1;
}

// GITHUB_ENV is opened now: a wrong path found only after minting would waste the key.
async function openDestination(settings: Settings): Promise<Destination> {
  if (settings.command !== undefined) return { kind: 'command', command: settings.command };
  if (settings.format !== 'github') return { kind: 'stdout', format: settings.format };
  return { kind: 'github', file: await openGithubEnv(settings.githubEnvPath ?? '') };
}

async function readToken(settings: Settings, options: CliOptions): Promise<string | undefined> {
  if (!settings.tokenFromStdin) return settings.environmentToken;
  // Limitation: the terminal shows what is pasted; piping the token in keeps it off the screen.
  if (options.stdin.isTTY === true) options.stderr.write(`${TOKEN_PROMPT}\n`);
  return (await readAll(options.stdin)).trim();
}

async function provision(
  settings: Settings,
  token: string | undefined,
  options: CliOptions,
  mask: boolean,
): Promise<ProvisionedKey> {
  if (token === undefined) {
    throw new UsageError(
      'token',
      'no platform API token given',
      'Set DREADNODE_API_TOKEN (or DREADNODE_API_KEY), or pipe the token in with --token-stdin.',
    );
  }
  const log = (line: string) => options.stderr.write(`${line}\n`);
  const deadlineMs = settings.timeoutSeconds * 1000;

  const key = await (options.provision ?? provisionKey)({
    token,
    apiUrl: settings.apiUrl,
    authHeader: settings.authHeader as ClientOptions['authHeader'],
    clientId: settings.clientId,
    organization: settings.organization,
    minTtlMs: settings.minTtlSeconds * 1000,
    deadlineMs,
    maxAttempts: settings.maxAttempts,
    allowInsecureHttp: settings.allowInsecureHttp,
    userAgent: `${NAME}/${VERSION}`,
    // The core library reports each secret as soon as it knows it (the token before the first
    // request, the key as soon as it is parsed), so the runner masks it before any output can
    // hold it.
    onSecret: mask ? (secret) => options.stdout.write(maskCommand(secret)) : undefined,
    onAttempt: settings.debug ? (report) => log(`debug: ${describeAttempt(report)}`) : undefined,
  });

  log(describeProvisionedKey(key, Date.now()));
  return key;
}

async function handOver(
  key: ProvisionedKey,
  destination: Destination,
  settings: Settings,
  options: CliOptions,
): Promise<number> {
  const variables = keyVariables(key, { openai: settings.openai });

  switch (destination.kind) {
    case 'command':
      return runCommand({
        command: destination.command,
        env: childEnvironment(options.env, variables),
        spawn: options.spawn ?? spawnChild,
        signals: options.signals ?? process,
        report: (message) => options.stderr.write(`${NAME}: ${message}\n`),
      });
    case 'github':
      await destination.file.append(renderGithubEnv(variables));
      return 0;
    case 'stdout':
      switch (destination.format) {
        case 'shell':
          return print(options.stdout, renderShell(variables));
        case 'dotenv':
          return print(options.stdout, renderDotenv(variables));
        case 'json':
          return print(options.stdout, renderJson(key));
      }
  }
}

// The command gets the short-lived key, not the long-lived platform token it was minted with.
function childEnvironment(env: Environment, variables: readonly Variable[]): NodeJS.ProcessEnv {
  const { DREADNODE_API_TOKEN: _token, DREADNODE_API_KEY: _key, ...inherited } = env;
  return { ...inherited, ...Object.fromEntries(variables.map((v) => [v.name, v.value])) };
}

function print(sink: TextSink, text: string): number {
  sink.write(text);
  return 0;
}

async function readAll(
  stream: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

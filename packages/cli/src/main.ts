import { spawn as spawnChild } from 'node:child_process';
import { appendFile } from 'node:fs/promises';

import {
  type AttemptReport,
  type ClientOptions,
  formatFailure,
  InvalidInputError,
  ProvisionError,
  type ProvisionedKey,
  type ProvisionRequest,
  provisionKey,
} from '@provision-litellm-key/core';

import { runCommand, type SignalSource, type Spawn } from './exec.js';
import {
  keyVariables,
  renderDotenv,
  renderGithub,
  renderJson,
  renderShell,
  type Variable,
} from './formats.js';
import { type Environment, readSettings, type Settings, UsageError } from './settings.js';
import { USAGE } from './usage.js';
import { VERSION } from './version.js';

/** A stream the tool writes text to. */
export interface TextSink {
  write(text: string): unknown;
}

/** What the tool reads, where it writes, and the collaborators tests replace. */
export interface CliOptions {
  /** The arguments, without the node and script paths. */
  argv: readonly string[];
  env: Environment;
  /** Read in full only with `--token-stdin`. */
  stdin: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  /** Receives only the requested output. */
  stdout: TextSink;
  /** Receives every message for a person. */
  stderr: TextSink;
  /** Mints the key; the core library's `provisionKey` by default. */
  provision?: (options: ClientOptions & ProvisionRequest) => Promise<ProvisionedKey>;
  /** Starts the command in exec mode; `node:child_process` `spawn` by default. */
  spawn?: Spawn;
  /** Signals to forward to the command; `process` by default. */
  signals?: SignalSource;
}

const NAME = 'provision-litellm-key';

/**
 * Runs the `provision-litellm-key` command and resolves with its exit code: 0 on success, 1 when
 * the platform refused or failed, 2 for a bad flag or input, and in exec mode the command's own.
 * It never rejects: every failure becomes one line on stderr.
 */
export async function runCli(options: CliOptions): Promise<number> {
  // Stack traces are for failures past reading the flags; a usage error's stack says nothing.
  let debug = false;
  try {
    const request = readSettings(options.argv, options.env);
    if (request.kind === 'help') return print(options.stdout, USAGE);
    if (request.kind === 'version') return print(options.stdout, `${VERSION}\n`);
    const { settings } = request;
    debug = settings.debug;

    const token = settings.tokenFromStdin
      ? (await readAll(options.stdin)).trim()
      : settings.environmentToken;
    const key = await provision(settings, token, options);

    return await handOver(key, settings, options);
  } catch (error) {
    options.stderr.write(`${NAME}: ${formatFailure(error)}\n`);
    if (debug && error instanceof Error && error.stack) options.stderr.write(`${error.stack}\n`);
    return error instanceof InvalidInputError ? 2 : 1;
  }
}

async function provision(
  settings: Settings,
  token: string | undefined,
  options: CliOptions,
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
    // One slow attempt must leave time for another within the overall limit.
    timeoutMs: Math.min(20_000, deadlineMs),
    maxAttempts: settings.maxAttempts,
    allowInsecureHttp: settings.allowInsecureHttp,
    userAgent: `${NAME}/${VERSION}`,
    onAttempt: settings.debug ? (report) => log(`debug: ${describeAttempt(report)}`) : undefined,
  });

  log(describeKey(key));
  return key;
}

async function handOver(
  key: ProvisionedKey,
  settings: Settings,
  options: CliOptions,
): Promise<number> {
  const variables = keyVariables(key, settings.openai);

  if (settings.command !== undefined) {
    return runCommand({
      command: settings.command,
      env: childEnvironment(options.env, variables),
      spawn: options.spawn ?? spawnChild,
      signals: options.signals ?? process,
      report: (message) => options.stderr.write(`${NAME}: ${message}\n`),
    });
  }

  switch (settings.format) {
    case 'shell':
      return print(options.stdout, renderShell(variables));
    case 'dotenv':
      return print(options.stdout, renderDotenv(variables));
    case 'json':
      return print(options.stdout, renderJson(key));
    case 'github': {
      const handover = renderGithub(variables, [key.apiKey]);
      options.stdout.write(handover.stdout);
      await appendEnvironmentFile(settings.githubEnvPath ?? '', handover.environmentFile);
      return 0;
    }
  }
}

async function appendEnvironmentFile(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text, 'utf8');
  } catch (error) {
    throw new ProvisionError(
      `Cannot append to the GITHUB_ENV file: ${(error as NodeJS.ErrnoException).code ?? error}`,
      'Run --format github inside a GitHub Actions step, where GITHUB_ENV names a writable file.',
      { cause: error },
    );
  }
}

// The command gets the short-lived key, not the long-lived platform token it was minted with.
function childEnvironment(env: Environment, variables: readonly Variable[]): NodeJS.ProcessEnv {
  const { DREADNODE_API_TOKEN: _token, DREADNODE_API_KEY: _key, ...inherited } = env;
  return { ...inherited, ...Object.fromEntries(variables.map((v) => [v.name, v.value])) };
}

function describeAttempt(report: AttemptReport): string {
  const outcome = report.status === undefined ? report.error : `HTTP ${report.status}`;
  const requestId = report.requestId === undefined ? '' : `, request id ${report.requestId}`;
  const next = report.plannedWaitMs === undefined ? '' : `, next in ${report.plannedWaitMs} ms`;
  return `attempt ${report.attempt}: ${outcome} in ${report.latencyMs} ms${requestId}${next}`;
}

function describeKey(key: ProvisionedKey): string {
  const minutes = Math.round((key.expiresAt.getTime() - Date.now()) / 60_000);
  const attempts = key.attempts > 1 ? ` after ${key.attempts} attempts` : '';
  return (
    `Provisioned a LiteLLM key for organization ${key.organization}${attempts}: ` +
    `gateway ${key.baseUrl}, expires ${key.expiresAt.toISOString()} (in about ${minutes} min).`
  );
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

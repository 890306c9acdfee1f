import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommands } from './file-commands.js';

/** How to run a JavaScript action. */
export interface ActionRun {
  /** The bundled entry, e.g. `actions/provision-litellm-key/dist/index.js`. */
  entry: string;
  /** Inputs by name as written in a workflow's `with:` block. */
  inputs: Record<string, string>;
  /** Extra environment, e.g. `RUNNER_DEBUG: '1'` or proxy settings. */
  env?: Record<string, string>;
  /** The Node.js executable; the runner uses its own node24. Default: this process's. */
  node?: string;
  /** Kill the step after this long, as a job timeout would. Default 120 s. */
  timeoutMs?: number;
}

/** What a step left behind. */
export interface ActionResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Variables exported to later steps through `GITHUB_ENV`. */
  exported: Record<string, string>;
  /** Step outputs written through `GITHUB_OUTPUT`. */
  outputs: Record<string, string>;
  /** The Markdown appended to the job summary. */
  summary: string;
  /** The raw file-command files, for checks that no secret leaked into them. */
  files: { env: string; output: string; summary: string };
  /** Values the step asked the runner to mask (`::add-mask::`). */
  masked: string[];
}

/** `INPUT_<NAME>`: upper case, spaces as underscores, hyphens kept, as the runner names them. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs a JavaScript action the way the GitHub Actions runner does: `node <entry>` with inputs
 * as `INPUT_*` variables and fresh `GITHUB_ENV`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`
 * files, then reads what the step wrote to them.
 */
export async function runAction(run: ActionRun): Promise<ActionResult> {
  const workspace = await mkdtemp(join(tmpdir(), 'action-run-'));
  const files = {
    env: join(workspace, 'env'),
    output: join(workspace, 'output'),
    summary: join(workspace, 'summary'),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));

  try {
    const env = runnerEnvironment(workspace, files, run.inputs, run.env);

    const { exitCode, signal, stdout, stderr } = await spawnStep(
      run.node ?? process.execPath,
      [run.entry],
      env,
      run.timeoutMs ?? 120_000,
    );
    const written = {
      env: await readFile(files.env, 'utf8'),
      output: await readFile(files.output, 'utf8'),
      summary: await readFile(files.summary, 'utf8'),
    };
    return {
      exitCode,
      signal,
      stdout,
      stderr,
      exported: parseFileCommands(written.env),
      outputs: parseFileCommands(written.output),
      summary: written.summary,
      files: written,
      masked: maskedValues(stdout),
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/** The files a runner hands a step for exports, outputs and the job summary. */
export interface RunnerFiles {
  env: string;
  output: string;
  summary: string;
}

/**
 * The environment a runner gives a JavaScript action step, built from nothing but `PATH`, so
 * variables of the calling shell (NODE_OPTIONS, proxies) change nothing unless passed in `extra`.
 */
export function runnerEnvironment(
  workspace: string,
  files: RunnerFiles,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: workspace,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/evals',
    GITHUB_JOB: 'evaluate',
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ENV: files.env,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: workspace,
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return env;
}

function spawnStep(node: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  return new Promise<{
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Reads `::add-mask::value` workflow commands, undoing the runner's escaping. */
function maskedValues(stdout: string): string[] {
  return [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map(([, value = '']) =>
    value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'),
  );
}

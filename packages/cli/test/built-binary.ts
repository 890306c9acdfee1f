import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import {
  type ConnectProxy,
  type MockPlatform,
  type MockPlatformOptions,
  startConnectProxy,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { onTestFinished } from 'vitest';

/** The built command, exactly as `npm install` would link it. */
export const BINARY = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** The token the test platforms accept for `acme`. */
export const TOKEN = 'test-token-0123456789';

/**
 * Fails with instructions when the command has not been built; these tests exercise the build
 * output on purpose and never build it themselves.
 */
export function requireBuiltBinary(): void {
  if (!existsSync(BINARY)) {
    throw new Error(
      `${BINARY} is missing: run \`pnpm run build\` (or \`npx tsc -p packages/cli/tsconfig.build.json\`) first.`,
    );
  }
}

/** How one run of the command ended, and everything it printed. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running command, with its output so far. */
export interface Launched {
  child: ChildProcess;
  /** Resolves with stdout so far once it contains `text`. */
  printed(text: string): Promise<string>;
  outcome: Promise<Outcome>;
}

/** How to start the built command: its variables and its stdin. */
export interface LaunchOptions {
  env?: Record<string, string>;
  stdin?: string;
}

/**
 * Starts the built command with only `PATH` and the given variables in its environment, so
 * nothing from the machine running the tests (a real token, a proxy) leaks in.
 */
export function launch(args: readonly string[], options: LaunchOptions = {}): Launched {
  const child = spawn(process.execPath, [BINARY, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: 'pipe',
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stdin.end(options.stdin ?? '');

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const printed = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!stdout.includes(text)) return;
        child.stdout.off('data', check);
        resolve(stdout);
      };
      child.stdout.on('data', check);
      child.once('close', () => reject(new Error(`exited before printing ${text}: ${stderr}`)));
      check();
    });
  const outcome = new Promise<Outcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, printed, outcome };
}

/** Runs the built command to the end. */
export function run(args: readonly string[], options: LaunchOptions = {}): Promise<Outcome> {
  return launch(args, options).outcome;
}

/** Starts a mock platform on loopback that accepts {@link TOKEN} for `acme`, closed after the test. */
export async function startPlatform(options: MockPlatformOptions = {}): Promise<MockPlatform> {
  const platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] }, ...options });
  onTestFinished(() => platform.close());
  return platform;
}

/**
 * Starts a proxy on loopback that accepts every CONNECT and never answers, as a proxy stuck on an
 * upstream would; its connections stay open until the test ends.
 */
export async function startStalledProxy(): Promise<ConnectProxy> {
  const proxy = await startConnectProxy();
  onTestFinished(() => proxy.close());
  return proxy;
}

/** A loopback URL that nothing listens on: a port the system handed out, then released. */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return `http://127.0.0.1:${address.port}`;
}

/** The first key the platform minted; the test fails if there is none. */
export function mintedKey(platform: MockPlatform): string {
  const key = platform.keys[0];
  if (key === undefined) throw new Error('the platform minted no key');
  return key.apiKey;
}

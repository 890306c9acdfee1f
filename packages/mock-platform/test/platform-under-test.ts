import { onTestFinished } from 'vitest';

import { type MockPlatform, type MockPlatformOptions, startMockPlatform } from '../src/index.js';

/** Starts a platform that is closed again when the current test finishes. */
export async function startPlatform(options?: MockPlatformOptions): Promise<MockPlatform> {
  const platform = await startMockPlatform(options);
  onTestFinished(() => platform.close());
  return platform;
}

/** A provisioning call; every part defaults to a request the default platform accepts. */
export interface ProvisionCall {
  org?: string;
  /** Sent as JSON when an object, verbatim when a string. */
  body?: unknown;
  headers?: Record<string, string>;
  method?: string;
  signal?: AbortSignal;
}

/** Calls the provisioning endpoint of a running platform. */
export function provision(platform: MockPlatform, call: ProvisionCall = {}): Promise<Response> {
  const org = call.org ?? 'acme';
  const body = call.body ?? { client_id: 'ci-run-1' };
  const method = call.method ?? 'POST';
  return fetch(`${platform.url}/api/v1/org/${org}/inference/keys`, {
    method,
    headers: {
      authorization: 'Bearer test-token',
      'content-type': 'application/json',
      ...call.headers,
    },
    body: method === 'GET' || method === 'HEAD' ? null : serialize(body),
    signal: call.signal ?? null,
  });
}

/** Provisions a key and returns it, failing the test if the platform refuses. */
export async function mintKey(platform: MockPlatform, clientId = 'ci-run-1'): Promise<string> {
  const response = await provision(platform, { body: { client_id: clientId } });
  if (response.status !== 200) {
    throw new Error(`provisioning answered ${response.status}`);
  }
  const { api_key } = (await response.json()) as { api_key: string };
  return api_key;
}

/** A clock tests move by hand. */
export function manualClock(startMs = Date.UTC(2026, 3, 15, 12, 0, 0)) {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms: number) => {
      current += ms;
    },
  };
}

/** A promise the test settles by hand, to hand control between a test and a hook. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function serialize(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ActionResult, runAction } from '@provision-litellm-key/action-harness';
import {
  errorEnvelope,
  type MockPlatform,
  type MockPlatformOptions,
  type RecordedRequest,
  type ScriptedResponse,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TOKEN = 'dn_fault_token_3c9e71b2';
/** Keys a hostile platform hands out in the scenarios below; none may leak either. */
const SCRIPTED_KEYS = ['sk-fault-key-8d41a6e0', 'sk-hostile-4f2a9c'];
const GATEWAY = 'https://litellm.example.test';
const EXPIRES_AT = '2099-01-01T00:00:00+00:00';

const started: MockPlatform[] = [];

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm run build" first`);
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((platform) => platform.close()));
});

async function platformWith(options: MockPlatformOptions): Promise<MockPlatform> {
  const platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] }, ...options });
  started.push(platform);
  return platform;
}

/** The token as the platform received it, so a scripted answer can echo it back. */
function tokenOf(request: RecordedRequest): string {
  return request.headers.authorization?.replace(/^Bearer /, '') ?? '';
}

/** An error envelope whose detail and request id repeat the caller's token, as a careless server might. */
function echoingEnvelope(status: number, detail: string) {
  return (request: RecordedRequest): ScriptedResponse => ({
    status,
    headers: { 'x-request-id': tokenOf(request) },
    body: errorEnvelope(status, `${detail} (token ${tokenOf(request)})`),
  });
}

interface BundleFault {
  name: string;
  /** Inputs besides organization, token and api-url. */
  inputs?: Record<string, string>;
  /** The platform's normal handling, or a scripted fault (`redirect` is filled in by the test). */
  platform?: Omit<MockPlatformOptions, 'respond'>;
  respond?: (request: RecordedRequest, redirectTo: string) => ScriptedResponse;
  /** Requests the platform must have received. */
  requests: number;
  /** The one `::error::` line. */
  error: RegExp;
}

const faults: BundleFault[] = [
  {
    name: 'HTTP 401 from a token the platform does not know',
    inputs: { 'api-token': TOKEN },
    platform: { tokens: { dn_someone_else_0000: ['acme'] } },
    requests: 1,
    error:
      /^::error::Platform answered HTTP 401 \(authentication_error\): .+ The API token is missing/,
  },
  {
    name: 'HTTP 403 echoing the token',
    respond: echoingEnvelope(403, 'Forbidden for this organization'),
    requests: 1,
    error:
      /^::error::Platform answered HTTP 403 \(permission_denied\): Forbidden for this organization \(token \*\*\*\)\. The API token is valid but/,
  },
  {
    name: 'HTTP 404 for an unknown organization',
    inputs: { organization: 'globex' },
    requests: 1,
    error: /^::error::Platform answered HTTP 404 \(not_found\): Organization 'globex' not found/,
  },
  {
    name: 'HTTP 409 for a client id that holds a live key',
    platform: { conflictOnReuse: true },
    inputs: { 'client-id': 'nightly-evals' },
    requests: 2,
    error: /^::error::Platform answered HTTP 409 \(conflict\): A key for client_id 'nightly-evals'/,
  },
  {
    name: 'HTTP 422 echoing the token in a validation error',
    respond: (request) => ({
      status: 422,
      body: errorEnvelope(422, 'Request validation failed', [
        { loc: ['header', 'authorization'], msg: `${tokenOf(request)} is malformed`, type: 'x' },
      ]),
    }),
    requests: 1,
    error:
      /^::error::Platform answered HTTP 422 \(validation_error\): Request validation failed — header\.authorization: \*\*\* is malformed/,
  },
  {
    name: 'HTTP 426',
    respond: echoingEnvelope(426, 'Client version too old'),
    requests: 1,
    error: /^::error::Platform answered HTTP 426 \(upgrade_required\): .+ upgrade the action/,
  },
  {
    name: 'HTTP 429 whose Retry-After is past the deadline',
    inputs: { 'timeout-seconds': '60' },
    respond: (request) => ({
      ...echoingEnvelope(429, 'Out of credits')(request),
      headers: { 'retry-after': '3600', 'x-request-id': tokenOf(request) },
    }),
    requests: 1,
    error:
      /^::error::Platform answered HTTP 429 \(rate_limited\): Out of credits \(token \*\*\*\) \(the platform asked to wait 3600 s, past the 60 s time limit\)\. /,
  },
  {
    name: 'HTTP 500 on all four attempts',
    inputs: { 'max-attempts': '4' },
    respond: echoingEnvelope(500, 'Internal server error'),
    requests: 4,
    error:
      /^::error::Platform answered HTTP 500 \(internal_error\): Internal server error \(token \*\*\*\) \(after 4 attempts over \d+\.\d s\)\. /,
  },
  {
    name: 'HTTP 502 as a load balancer HTML page',
    inputs: { 'max-attempts': '1' },
    respond: (request) => ({
      status: 502,
      headers: { 'content-type': 'text/html', 'x-request-id': tokenOf(request) },
      body: `<html><head><title>502 Bad Gateway</title></head><body>${tokenOf(request)}</body></html>`,
    }),
    requests: 1,
    error: /^::error::Platform answered HTTP 502 \(http_502\): HTML page: 502 Bad Gateway\. /,
  },
  {
    name: 'HTTP 504 with an empty body',
    inputs: { 'max-attempts': '1' },
    respond: () => ({ status: 504 }),
    requests: 1,
    error:
      /^::error::Platform answered HTTP 504 \(http_504\): empty response body — request id req_/,
  },
  {
    name: 'a redirect to another origin',
    respond: (_request, redirectTo) => ({
      status: 307,
      headers: { location: `${redirectTo}/api/v1/org/acme/inference/keys` },
    }),
    requests: 1,
    error:
      /^::error::Platform answered HTTP 307 \(http_307\): .+ — redirect to http:\/\/127\.0\.0\.1:\d+ /,
  },
  {
    name: 'a body over 1 MiB',
    respond: () => ({ status: 200, body: Buffer.alloc(2 * 1024 * 1024, 0x20) }),
    requests: 1,
    error: /^::error::The platform's answer \(HTTP 200\) is larger than 1048576 bytes; refused\. /,
  },
  {
    name: 'a body trickled a byte at a time past the time limit',
    inputs: { 'timeout-seconds': '1' },
    respond: () => ({
      status: 200,
      body: { api_key: SCRIPTED_KEYS[0], base_url: GATEWAY, expires_at: EXPIRES_AT },
      trickle: { chunkBytes: 1, intervalMs: 50 },
    }),
    requests: 1,
    error:
      /^::error::No usable answer within the 1 s time limit; last problem: No complete answer within 1000 ms\. /,
  },
  {
    name: 'a success body with the key where the expiry belongs',
    respond: () => ({
      status: 200,
      body: { api_key: SCRIPTED_KEYS[0], base_url: GATEWAY, expires_at: SCRIPTED_KEYS[0] },
    }),
    requests: 1,
    error:
      /^::error::The platform returned an expires_at that is not an RFC 3339 date-time: "\*\*\*"\. /,
  },
  {
    name: 'a key with a line break that would inject a variable',
    respond: () => ({
      status: 200,
      body: {
        api_key: `${SCRIPTED_KEYS[1]}\nLITELLM_BASE_URL=https://evil.example.test`,
        base_url: GATEWAY,
        expires_at: EXPIRES_AT,
      },
    }),
    requests: 1,
    error:
      /^::error::The platform returned an api_key containing white space or control characters\. /,
  },
];

/** Everything a step leaves behind that a person or a later step can read. */
function visibleText(result: ActionResult): string {
  return [
    result.stdout.replace(/^::add-mask::.*$/gm, ''),
    result.stderr,
    result.files.env,
    result.files.output,
    result.files.summary,
  ].join('\n');
}

describe.each(faults)('the bundled action with RUNNER_DEBUG=1 facing $name', (fault) => {
  let run: { result: ActionResult; platform: MockPlatform; redirectTarget: MockPlatform };

  // One run per fault, shared by the checks below: some faults cost seconds of real backoff.
  beforeAll(async () => {
    const redirectTarget = await platformWith({});
    const respond = fault.respond;
    const platform = await platformWith({
      ...fault.platform,
      ...(respond && { respond: (request) => respond(request, redirectTarget.url) }),
    });
    const inputs = {
      organization: 'acme',
      'api-token': TOKEN,
      'api-url': platform.url,
      'timeout-seconds': '10',
      'max-attempts': '2',
      ...fault.inputs,
    };
    if (fault.platform?.conflictOnReuse) {
      // The first run holds the key; the second meets the conflict.
      await runAction({ entry: BUNDLE, inputs });
    }
    const result = await runAction({ entry: BUNDLE, inputs, env: { RUNNER_DEBUG: '1' } });
    run = { result, platform, redirectTarget };
  }, 30_000);

  it('fails the step with exactly one error line naming the problem', () => {
    const { result, platform, redirectTarget } = run;

    expect(result.exitCode).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(fault.error);
    expect(platform.requests).toHaveLength(fault.requests);
    expect(redirectTarget.connections()).toBe(0);
  });

  it('exports nothing and shows neither the token nor any key', () => {
    const { result, platform } = run;

    expect(result.files.env).toBe('');
    expect(result.files.output).toBe('');
    const secrets = [TOKEN, ...SCRIPTED_KEYS, ...platform.keys.map((key) => key.apiKey)];
    const visible = visibleText(result);
    for (const secret of secrets) expect(visible).not.toContain(secret);
    expect(visible).not.toContain('evil.example.test');
    expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
  });
});

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ActionResult, runAction } from '@provision-litellm-key/action-harness';
import {
  errorEnvelope,
  type MockPlatform,
  startMockPlatform,
} from '@provision-litellm-key/mock-platform';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TOKEN = 'dn_e2e_token_5be1f07a';

let platform: MockPlatform | undefined;

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm run build" first`);
});
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

async function runAgainstMock(
  inputs: Record<string, string> = {},
  options: Parameters<typeof startMockPlatform>[0] = {},
  env: Record<string, string> = {},
): Promise<ActionResult> {
  platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] }, ...options });
  return runAction({
    entry: BUNDLE,
    inputs: { organization: 'acme', 'api-token': TOKEN, 'api-url': platform.url, ...inputs },
    env,
  });
}

/** Every place a step can leave text behind, except the masked `api-key` output. */
function everythingVisible(result: ActionResult): string {
  const outputsWithoutKey = Object.entries(result.outputs)
    .filter(([name]) => name !== 'api-key')
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  const exported = Object.entries(result.exported)
    .filter(([name]) => !name.endsWith('_API_KEY'))
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  return [
    result.stdout.replace(/^::add-mask::.*$/gm, ''),
    result.stderr,
    outputsWithoutKey,
    exported,
    result.summary,
  ].join('\n');
}

describe('the committed bundle, run the way the Actions runner runs it', () => {
  it('mints a key, masks it, exports it and sets every output', async () => {
    const result = await runAgainstMock();

    expect(result.exitCode).toBe(0);
    const key = platform?.keys[0]?.apiKey ?? '';
    expect(key).toMatch(/^sk-mock-/);
    expect(result.exported).toEqual({
      LITELLM_API_KEY: key,
      LITELLM_BASE_URL: platform?.gatewayUrl,
    });
    expect(result.outputs).toEqual({
      'api-key': key,
      'base-url': platform?.gatewayUrl,
      'expires-at': platform?.keys[0]?.expiresAt.toISOString(),
      'expires-in-seconds': expect.stringMatching(/^(899|900)$/),
      'client-id': expect.stringMatching(/^gha-acme-evals-evaluate-9876543210-1-[0-9a-f]{8}$/),
    });
    expect(result.masked).toEqual([TOKEN, key]);
  });

  it('shows the key only inside the add-mask command', async () => {
    const result = await runAgainstMock({}, {}, { RUNNER_DEBUG: '1' });

    const key = platform?.keys[0]?.apiKey ?? '';
    const linesWithKey = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .filter((line) => line.includes(key));
    expect(linesWithKey).toEqual([`::add-mask::${key}`]);
    expect(everythingVisible(result)).not.toContain(TOKEN);
  });

  it('masks the key before any line that could mention it is printed', async () => {
    const result = await runAgainstMock({}, {}, { RUNNER_DEBUG: '1' });

    const lines = result.stdout.split('\n');
    const maskLine = lines.findIndex((line) => line.startsWith('::add-mask::sk-mock-'));
    const firstOther = lines.findIndex((line) => line !== '' && !line.startsWith('::add-mask::'));
    expect(maskLine).toBeGreaterThanOrEqual(0);
    expect(maskLine).toBeLessThan(firstOther);
  });

  it('sends the documented request to the platform', async () => {
    const result = await runAgainstMock({ 'auth-header': 'x-api-key' });

    expect(result.exitCode).toBe(0);
    const request = platform?.requests[0];
    expect(request?.path).toBe('/api/v1/org/acme/inference/keys');
    expect(request?.headers['x-api-key']).toBe(TOKEN);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['user-agent']).toMatch(
      /^provision-litellm-key-action\/1\.0\.0 provision-litellm-key-core\/1\.0\.0$/,
    );
    expect(JSON.parse(request?.body ?? '')).toEqual({ client_id: result.outputs['client-id'] });
  });

  it('lets the next step call the gateway with the exported variables', async () => {
    const result = await runAgainstMock();

    const response = await fetch(`${result.exported.LITELLM_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${result.exported.LITELLM_API_KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'ping' }] }),
    });
    const completion = (await response.json()) as { choices: { message: { content: string } }[] };

    expect(response.status).toBe(200);
    expect(completion.choices[0]?.message.content).toBe('Mock reply to: ping');
  });

  it('also exports the OpenAI variables when asked', async () => {
    const result = await runAgainstMock({ 'export-openai-env': 'true' });

    expect(result.exported.OPENAI_API_KEY).toBe(result.exported.LITELLM_API_KEY);
    expect(result.exported.OPENAI_BASE_URL).toBe(platform?.gatewayUrl);
  });

  it('writes a job summary naming the organization, gateway, client id and expiry', async () => {
    const result = await runAgainstMock();

    expect(result.summary).toContain('| Organization | acme |');
    expect(result.summary).toContain(`| Client id | ${result.outputs['client-id']} |`);
    expect(result.summary).not.toContain(result.exported.LITELLM_API_KEY ?? 'missing');
  });

  it('retries a server error and reports the attempts in debug lines', async () => {
    const result = await runAgainstMock(
      {},
      { respond: (_request, index) => (index === 0 ? { status: 503, body: 'busy' } : undefined) },
      { RUNNER_DEBUG: '1' },
    );

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^::debug::Attempt 1: HTTP 503 ApiError after \d+ ms.*; retrying in \d+\.\d s$/m,
    );
    expect(result.stdout).toMatch(/^::debug::Attempt 2: HTTP 200 after \d+ ms/m);
    expect(result.stdout).toContain(', 2 attempts.');
  });
});

describe('a failing step', () => {
  it('fails with one line naming the problem and what to do, exporting nothing', async () => {
    const result = await runAgainstMock({ 'api-token': 'dn_wrong_token_000' });

    expect(result.exitCode).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error::Platform answered HTTP 401 \(authentication_error\): .+\. The API token is missing, wrong or expired/,
    );
    expect(result.files.env).toBe('');
    expect(result.files.output).toBe('');
    expect(everythingVisible(result)).not.toContain('dn_wrong_token_000');
    expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects bad input before any request', async () => {
    const result = await runAgainstMock({ organization: 'acme/../admin' });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('::error::organization "acme/../admin" contains a character');
    expect(platform?.requests).toHaveLength(0);
    expect(result.files.env).toBe('');
  });

  it('exports nothing when the platform returns a key with a line break', async () => {
    const result = await runAgainstMock(
      {},
      {
        respond: () => ({
          status: 200,
          body: {
            api_key: 'sk-a\nLITELLM_BASE_URL=http://evil.test',
            base_url: 'http://127.0.0.1:1',
            expires_at: '2099-01-01T00:00:00Z',
          },
        }),
      },
    );

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '::error::The platform returned an api_key containing white space',
    );
    expect(result.files.env).toBe('');
    expect(result.files.output).toBe('');
  });

  it('fails on an HTML error page with a short message that carries the status', async () => {
    const page = `<html><head><title>504 Gateway Time-out</title></head><body>${'x'.repeat(5000)}</body></html>`;
    const result = await runAgainstMock(
      { 'max-attempts': '1' },
      { respond: () => ({ status: 504, headers: { 'content-type': 'text/html' }, body: page }) },
    );

    expect(result.exitCode).toBe(1);
    const error = result.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';
    expect(error).toMatch(
      /^::error::Platform answered HTTP 504 \(http_504\): HTML page: 504 Gateway Time-out — request id req_[0-9a-f]+\. The platform timed out/,
    );
    expect(error.length).toBeLessThan(400);
  });

  it('fails with a validation error listing each field', async () => {
    const result = await runAgainstMock(
      {},
      {
        respond: () => ({
          status: 422,
          body: errorEnvelope(422, 'Request validation failed', [
            {
              loc: ['body', 'client_id'],
              msg: 'String should have at most 128 characters',
              type: 'string_too_long',
            },
          ]),
        }),
      },
    );

    expect(result.stdout).toContain(
      '::error::Platform answered HTTP 422 (validation_error): Request validation failed — body.client_id: String should have at most 128 characters — request id',
    );
  });
});

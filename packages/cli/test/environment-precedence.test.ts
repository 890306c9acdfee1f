import { beforeAll, describe, expect, it } from 'vitest';

import { requireBuiltBinary, run, startPlatform, TOKEN } from './built-binary.js';

beforeAll(requireBuiltBinary);

describe('settings from the environment, as the built command reads them', () => {
  it('provisions with DREADNODE_ORGANIZATION, DREADNODE_SERVER_URL and DREADNODE_API_TOKEN alone', async () => {
    const platform = await startPlatform();

    const outcome = await run([], {
      env: {
        DREADNODE_ORGANIZATION: 'acme',
        DREADNODE_SERVER_URL: `${platform.url}/api/v1`,
        DREADNODE_API_TOKEN: TOKEN,
      },
    });

    expect(outcome.code).toBe(0);
    expect(platform.requests.map((request) => request.path)).toEqual([
      '/api/v1/org/acme/inference/keys',
    ]);
  });

  it('prefers DREADNODE_SERVER_URL to DREADNODE_SERVER', async () => {
    const chosen = await startPlatform();
    const ignored = await startPlatform();

    await run(['--org', 'acme'], {
      env: {
        DREADNODE_SERVER_URL: chosen.url,
        DREADNODE_SERVER: ignored.url,
        DREADNODE_API_TOKEN: TOKEN,
      },
    });

    expect([chosen.requests.length, ignored.requests.length]).toEqual([1, 0]);
  });

  it('uses DREADNODE_SERVER when it is the only platform URL given', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme'], {
      env: { DREADNODE_SERVER: platform.url, DREADNODE_API_TOKEN: TOKEN },
    });

    expect(outcome.code).toBe(0);
  });

  it('prefers --api-url to the environment', async () => {
    const chosen = await startPlatform();
    const ignored = await startPlatform();

    await run(['--org', 'acme', '--api-url', chosen.url], {
      env: { DREADNODE_SERVER_URL: ignored.url, DREADNODE_API_TOKEN: TOKEN },
    });

    expect([chosen.requests.length, ignored.requests.length]).toEqual([1, 0]);
  });

  it('prefers --org to DREADNODE_ORGANIZATION', async () => {
    const platform = await startPlatform();

    await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_ORGANIZATION: 'other', DREADNODE_API_TOKEN: TOKEN },
    });

    expect(platform.requests[0]?.path).toBe('/api/v1/org/acme/inference/keys');
  });

  it('sends DREADNODE_API_TOKEN rather than DREADNODE_API_KEY', async () => {
    const platform = await startPlatform({
      tokens: { [TOKEN]: ['acme'], 'second-token': ['acme'] },
    });

    await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_TOKEN: TOKEN, DREADNODE_API_KEY: 'second-token' },
    });

    expect(platform.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('falls back to DREADNODE_API_KEY', async () => {
    const platform = await startPlatform();

    const outcome = await run(['--org', 'acme', '--api-url', platform.url], {
      env: { DREADNODE_API_KEY: TOKEN },
    });

    expect(outcome.code).toBe(0);
  });

  it('prefers a token piped in with --token-stdin to the environment', async () => {
    const platform = await startPlatform({ tokens: { [TOKEN]: ['acme'], 'env-token': ['acme'] } });

    await run(['--org', 'acme', '--api-url', platform.url, '--token-stdin'], {
      env: { DREADNODE_API_TOKEN: 'env-token' },
      stdin: `  ${TOKEN}\n`,
    });

    expect(platform.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('sends the token as X-API-Key with --auth-header x-api-key', async () => {
    const platform = await startPlatform();

    await run(['--org', 'acme', '--api-url', platform.url, '--auth-header', 'x-api-key'], {
      env: { DREADNODE_API_TOKEN: TOKEN },
    });

    expect(platform.requests[0]?.headers).toMatchObject({ 'x-api-key': TOKEN });
    expect(platform.requests[0]?.headers).not.toHaveProperty('authorization');
  });
});

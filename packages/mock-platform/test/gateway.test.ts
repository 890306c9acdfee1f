import { describe, expect, it } from 'vitest';

import type { MockPlatform } from '../src/index.js';
import { manualClock, mintKey, startPlatform } from './platform-under-test.js';

function chat(platform: MockPlatform, apiKey: string | undefined, path = '/chat/completions') {
  return fetch(`${platform.gatewayUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Now say goodbye' },
      ],
    }),
  });
}

const INVALID_KEY = {
  error: {
    message: expect.any(String),
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
};

describe('the gateway', () => {
  it.each(['/chat/completions', '/v1/chat/completions'])(
    'answers %s with a chat completion for a freshly minted key',
    async (path) => {
      const platform = await startPlatform();
      const apiKey = await mintKey(platform);

      const response = await chat(platform, apiKey, path);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ object: 'chat.completion' });
    },
  );

  it('replies to the last user message with the requested model and usage', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now });
    const apiKey = await mintKey(platform);

    const completion = await (await chat(platform, apiKey)).json();

    expect(completion).toEqual({
      id: expect.stringMatching(/^chatcmpl-mock-[0-9a-f]+$/),
      object: 'chat.completion',
      created: clock.now() / 1000,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Mock reply to: Now say goodbye' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 },
    });
  });

  it('reads the last user message from a list of text parts', async () => {
    const platform = await startPlatform();
    const apiKey = await mintKey(platform);

    const response = await fetch(`${platform.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'parts work' }] }],
      }),
    });

    const completion = (await response.json()) as {
      choices: { message: { content: string } }[];
    };
    expect(completion.choices[0]?.message.content).toBe('Mock reply to: parts work');
  });

  it('rejects a request without an Authorization header with an OpenAI-style 401', async () => {
    const platform = await startPlatform();

    const response = await chat(platform, undefined);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(INVALID_KEY);
  });

  it('rejects a key the platform never minted', async () => {
    const platform = await startPlatform();

    const response = await chat(platform, `sk-mock-${'0'.repeat(32)}`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(INVALID_KEY);
  });

  it('rejects the platform API token, which is not a gateway key', async () => {
    const platform = await startPlatform();

    const response = await chat(platform, 'test-token');

    expect(response.status).toBe(401);
  });

  it('rejects a key once the clock passes its expiry', async () => {
    const clock = manualClock();
    const platform = await startPlatform({ now: clock.now, keyTtlSeconds: 60 });
    const apiKey = await mintKey(platform);

    clock.advance(59_999);
    const beforeExpiry = await chat(platform, apiKey);
    clock.advance(1);
    const atExpiry = await chat(platform, apiKey);

    expect(beforeExpiry.status).toBe(200);
    expect(atExpiry.status).toBe(401);
    expect(await atExpiry.json()).toEqual(INVALID_KEY);
  });

  it('rejects a key that was rotated away by re-provisioning its client_id', async () => {
    const platform = await startPlatform();
    const oldKey = await mintKey(platform, 'job-1');
    const newKey = await mintKey(platform, 'job-1');

    expect((await chat(platform, oldKey)).status).toBe(401);
    expect((await chat(platform, newKey)).status).toBe(200);
  });

  it('lists models for a valid key', async () => {
    const platform = await startPlatform();
    const apiKey = await mintKey(platform);

    const response = await fetch(`${platform.gatewayUrl}/v1/models`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });

    const list = (await response.json()) as { object: string; data: { object: string }[] };
    expect(response.status).toBe(200);
    expect(list.object).toBe('list');
    expect(list.data.length).toBeGreaterThan(0);
    expect(list.data.every((model) => model.object === 'model')).toBe(true);
  });

  it('refuses to list models without a valid key', async () => {
    const platform = await startPlatform();

    const response = await fetch(`${platform.gatewayUrl}/v1/models`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(INVALID_KEY);
  });

  it('rejects a chat request without messages with a 400', async () => {
    const platform = await startPlatform();
    const apiKey = await mintKey(platform);

    const response = await fetch(`${platform.gatewayUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: 'gpt-4o-mini' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('records gateway requests apart from provisioning requests', async () => {
    const platform = await startPlatform();
    const apiKey = await mintKey(platform);

    await chat(platform, apiKey, '/v1/chat/completions');

    expect(platform.requests).toHaveLength(1);
    expect(platform.gatewayRequests).toHaveLength(1);
    expect(platform.gatewayRequests[0]).toMatchObject({
      method: 'POST',
      path: '/litellm/v1/chat/completions',
    });
    expect(platform.gatewayRequests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });
});

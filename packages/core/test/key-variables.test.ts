import { describe, expect, it } from 'vitest';
import { keyVariables } from '../src/index.js';
import { KeyRecord } from '../src/provisioned-key.js';

const key = new KeyRecord({
  apiKey: 'sk-litellm-0123456789',
  baseUrl: 'https://litellm.example.test',
  expiresAt: new Date('2026-04-15T12:00:00Z'),
  organization: 'acme',
  clientId: 'job-1',
  attempts: 1,
});

describe('the variables a key is handed over as', () => {
  it("are LiteLLM's own names by default", () => {
    expect(keyVariables(key)).toEqual([
      { name: 'LITELLM_API_KEY', value: 'sk-litellm-0123456789' },
      { name: 'LITELLM_BASE_URL', value: 'https://litellm.example.test' },
    ]);
  });

  it('add the names OpenAI SDKs read when asked', () => {
    expect(keyVariables(key, { openai: true }).map(({ name }) => name)).toEqual([
      'LITELLM_API_KEY',
      'LITELLM_BASE_URL',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
    ]);
  });

  it('can be the OpenAI names alone', () => {
    expect(keyVariables(key, { litellm: false, openai: true }).map(({ name }) => name)).toEqual([
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
    ]);
  });
});

import type { ProvisionedKey } from './provisioned-key.js';

/** One environment variable to hand a key over as: its name and value. */
export interface KeyVariable {
  name: string;
  value: string;
}

/**
 * The environment variables a key is handed over as, in one place for every front end: LiteLLM's
 * own names (`LITELLM_API_KEY`, `LITELLM_BASE_URL`) and, when asked for, the names OpenAI SDKs
 * read (`OPENAI_API_KEY`, `OPENAI_BASE_URL`). The values include the key itself: a secret.
 */
export function keyVariables(
  key: ProvisionedKey,
  { litellm = true, openai = false }: { litellm?: boolean; openai?: boolean } = {},
): KeyVariable[] {
  const variables: KeyVariable[] = [];
  if (litellm) {
    variables.push(
      { name: 'LITELLM_API_KEY', value: key.apiKey },
      { name: 'LITELLM_BASE_URL', value: key.baseUrl },
    );
  }
  if (openai) {
    variables.push(
      { name: 'OPENAI_API_KEY', value: key.apiKey },
      { name: 'OPENAI_BASE_URL', value: key.baseUrl },
    );
  }
  return variables;
}

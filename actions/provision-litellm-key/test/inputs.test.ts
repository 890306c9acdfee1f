import { InvalidInputError } from '@provision-litellm-key/core';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/inputs.js';
import { recordingToolkit } from './recording-toolkit.js';

const required = { organization: 'acme', 'api-token': 'dn_token_123' };
const actionsEnv = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/evals',
  GITHUB_JOB: 'eval',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '2',
};

function read(inputs: Record<string, string>) {
  const { toolkit, calls } = recordingToolkit(inputs);
  return { inputs: readInputs(toolkit, actionsEnv), calls };
}

function failure(inputs: Record<string, string>): InvalidInputError {
  try {
    read(inputs);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('reading the inputs', () => {
  it('applies the documented defaults when only the required inputs are set', () => {
    const { inputs } = read(required);
    expect(inputs).toEqual({
      organization: 'acme',
      apiToken: 'dn_token_123',
      apiUrl: 'https://platform.dreadnode.io',
      authHeader: 'authorization',
      clientId: expect.stringMatching(/^gha-acme-evals-eval-42-2-[0-9a-f]{8}$/),
      exportEnv: true,
      exportOpenaiEnv: false,
      minTtlSeconds: 60,
      timeoutSeconds: 60,
      maxAttempts: 4,
      allowInsecureHttp: false,
    });
  });

  it('masks the token before reading anything else', () => {
    const { calls } = read({ ...required, 'api-token': '  dn_token_123\n' });
    expect(calls).toEqual([['setSecret', 'dn_token_123']]);
  });

  it('masks the token even when another input is invalid', () => {
    const { toolkit, calls } = recordingToolkit({ ...required, 'max-attempts': 'many' });
    expect(() => readInputs(toolkit, actionsEnv)).toThrow(InvalidInputError);
    expect(calls).toEqual([['setSecret', 'dn_token_123']]);
  });

  it('reads every input when all are given', () => {
    const { inputs } = read({
      ...required,
      'api-url': 'https://platform.example.test/api/v1',
      'auth-header': 'X-API-Key',
      'client-id': 'nightly-evals',
      'export-env': 'False',
      'export-openai-env': 'TRUE',
      'min-ttl-seconds': '0',
      'timeout-seconds': '300',
      'max-attempts': '1',
      'allow-insecure-http': 'true',
    });
    expect(inputs).toMatchObject({
      apiUrl: 'https://platform.example.test/api/v1',
      authHeader: 'X-API-Key',
      clientId: 'nightly-evals',
      exportEnv: false,
      exportOpenaiEnv: true,
      minTtlSeconds: 0,
      timeoutSeconds: 300,
      maxAttempts: 1,
      allowInsecureHttp: true,
    });
  });

  it.each([
    [{ organization: '' }, 'the organization input is required but empty'],
    [{ 'api-token': '   ' }, 'the api-token input is required but empty'],
    [{ 'export-env': 'yes' }, 'export-env must be true or false, not "yes"'],
    [{ 'allow-insecure-http': '1' }, 'allow-insecure-http must be true or false, not "1"'],
    [{ 'timeout-seconds': '0' }, 'timeout-seconds must be a whole number from 1 to 3600, not "0"'],
    [{ 'max-attempts': '2.5' }, 'max-attempts must be a whole number from 1 to 20, not "2.5"'],
    [
      { 'min-ttl-seconds': '-1' },
      'min-ttl-seconds must be a whole number from 0 to 86400, not "-1"',
    ],
  ])('rejects %j', (override, message) => {
    const error = failure({ ...required, ...override });
    expect(error.message).toBe(message);
  });
});

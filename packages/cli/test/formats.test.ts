import { execFileSync } from 'node:child_process';

import {
  InvalidResponseError,
  keyVariables,
  type ProvisionedKey,
} from '@provision-litellm-key/core';
import { describe, expect, it } from 'vitest';

import {
  maskCommand,
  renderDotenv,
  renderGithubEnv,
  renderJson,
  renderShell,
  UnrepresentableValueError,
} from '../src/formats.js';

const key: ProvisionedKey = {
  apiKey: 'sk-test-123',
  baseUrl: 'https://litellm.example.test',
  expiresAt: new Date('2026-04-15T12:00:00.123Z'),
  organization: 'acme',
  clientId: 'ci-run-1',
  attempts: 1,
};

/** Evaluates shell output in `sh` and reads back each variable exactly, byte for byte. */
function evalInShell(script: string, names: string[]): string[] {
  const readBack = names.map((name) => `printf '%s\\0' "$${name}"`).join('; ');
  const output = execFileSync('sh', ['-c', `eval "$1"; ${readBack}`, 'sh', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return output.split('\0').slice(0, -1);
}

/** Decodes workflow command data the way the Actions runner does. */
function decodeCommandData(data: string): string {
  return data.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}

describe('the variables handed over', () => {
  it('are the LiteLLM pair by default', () => {
    expect(keyVariables(key).map((v) => v.name)).toEqual(['LITELLM_API_KEY', 'LITELLM_BASE_URL']);
  });

  it('add the OpenAI pair with the same values when asked', () => {
    expect(keyVariables(key, { openai: true }).slice(2)).toEqual([
      { name: 'OPENAI_API_KEY', value: 'sk-test-123' },
      { name: 'OPENAI_BASE_URL', value: 'https://litellm.example.test' },
    ]);
  });
});

describe('shell format', () => {
  it('writes one export line per variable with single-quoted values', () => {
    expect(renderShell(keyVariables(key))).toBe(
      "export LITELLM_API_KEY='sk-test-123'\n" +
        "export LITELLM_BASE_URL='https://litellm.example.test'\n",
    );
  });

  it("writes a single quote as '\\''", () => {
    expect(renderShell([{ name: 'A', value: "it's" }])).toBe("export A='it'\\''s'\n");
  });

  it('survives eval in sh unchanged for values full of shell syntax', () => {
    const values = [
      "sk-'$(id)'",
      'sk-"$HOME"`id`',
      "'''",
      '\\\\n\\',
      'a;b&&c||d|e>f<g',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter syntax is the point
      '$((1+1))${IFS}!*?[a]~#',
      '',
      'line\nbreak',
    ];
    const variables = values.map((value, index) => ({ name: `V${index}`, value }));

    const readBack = evalInShell(
      renderShell(variables),
      variables.map((v) => v.name),
    );

    expect(readBack).toEqual(values);
  });
});

describe('dotenv format', () => {
  it('single-quotes ordinary values', () => {
    expect(renderDotenv([{ name: 'A', value: 'sk-a$b"c' }])).toBe(`A='sk-a$b"c'\n`);
  });

  it('double-quotes a value holding a single quote', () => {
    expect(renderDotenv([{ name: 'A', value: "sk-it's" }])).toBe(`A="sk-it's"\n`);
  });

  it('refuses a value that no quoting carries to every dotenv reader unchanged', () => {
    expect(() => renderDotenv([{ name: 'A', value: `sk-'"` }])).toThrow(
      expect.objectContaining({
        hint: 'Use --format shell or --format json, which carry any value.',
      }),
    );
  });

  it('blames the format, not the platform, for a value it cannot carry', () => {
    const refusal = catchError(() => renderDotenv([{ name: 'A', value: `sk-'"` }]));

    expect(refusal).toBeInstanceOf(UnrepresentableValueError);
    expect(refusal).not.toBeInstanceOf(InvalidResponseError);
    expect(refusal).toMatchObject({ format: 'dotenv', variable: 'A' });
  });
});

describe('json format', () => {
  it('prints the key, gateway, expiry and client id as one JSON line', () => {
    expect(renderJson(key)).toBe(
      '{"apiKey":"sk-test-123","baseUrl":"https://litellm.example.test",' +
        '"expiresAt":"2026-04-15T12:00:00.123Z","clientId":"ci-run-1"}\n',
    );
  });
});

describe('github format', () => {
  it('writes each variable as a heredoc for GITHUB_ENV', () => {
    let counter = 0;

    expect(renderGithubEnv(keyVariables(key), () => `EOF${++counter}`)).toBe(
      'LITELLM_API_KEY<<EOF1\nsk-test-123\nEOF1\n' +
        'LITELLM_BASE_URL<<EOF2\nhttps://litellm.example.test\nEOF2\n',
    );
  });

  it('masks a secret with one workflow command', () => {
    expect(maskCommand('sk-test-123')).toBe('::add-mask::sk-test-123\n');
  });

  it('escapes the secret in the mask command, so the runner decodes it back to the real one', () => {
    const hostile = 'sk-a%0A::warning::injected%25\r\n';
    const command = maskCommand(hostile);

    expect(command).toBe('::add-mask::sk-a%250A::warning::injected%2525%0D%0A\n');
    expect(decodeCommandData(command.slice('::add-mask::'.length, -1))).toBe(hostile);
  });

  it('refuses a value that contains the delimiter, blaming the format', () => {
    const variables = [{ name: 'A', value: 'sk-EOF-x' }];

    const refusal = catchError(() => renderGithubEnv(variables, () => 'EOF'));

    expect(refusal).toBeInstanceOf(UnrepresentableValueError);
    expect(refusal).toMatchObject({
      message: 'The value of A contains the delimiter chosen to write it to GITHUB_ENV',
      format: 'github',
      variable: 'A',
    });
  });

  it('chooses a different random delimiter for each variable', () => {
    const environmentFile = renderGithubEnv(keyVariables(key));
    const delimiters = [...environmentFile.matchAll(/<<(.+)\n/g)].map((match) => match[1]);

    expect(new Set(delimiters).size).toBe(2);
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

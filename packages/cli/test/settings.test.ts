import { describe, expect, it } from 'vitest';

import { type Environment, readSettings, type Settings, UsageError } from '../src/settings.js';

function settingsFor(argv: string[], env: Environment = {}): Settings {
  const request = readSettings(argv, env);
  if (request.kind !== 'run') throw new Error(`expected a run, got ${request.kind}`);
  return request.settings;
}

function usageErrorFor(argv: string[], env: Environment = {}): UsageError {
  try {
    readSettings(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('where each setting comes from', () => {
  it('takes the organization from --org over DREADNODE_ORGANIZATION', () => {
    const settings = settingsFor(['--org', 'flag-org'], { DREADNODE_ORGANIZATION: 'env-org' });

    expect(settings.organization).toBe('flag-org');
  });

  it('accepts --organization as the long name of --org', () => {
    expect(settingsFor(['--organization', 'acme']).organization).toBe('acme');
  });

  it('falls back to DREADNODE_ORGANIZATION when no flag names the organization', () => {
    expect(settingsFor([], { DREADNODE_ORGANIZATION: 'env-org' }).organization).toBe('env-org');
  });

  it('takes the platform URL from --api-url over both environment variables', () => {
    const settings = settingsFor(['--org', 'acme', '--api-url', 'https://flag.test'], {
      DREADNODE_SERVER_URL: 'https://server-url.test',
      DREADNODE_SERVER: 'https://server.test',
    });

    expect(settings.apiUrl).toBe('https://flag.test');
  });

  it('prefers DREADNODE_SERVER_URL to DREADNODE_SERVER', () => {
    const settings = settingsFor(['--org', 'acme'], {
      DREADNODE_SERVER_URL: 'https://server-url.test',
      DREADNODE_SERVER: 'https://server.test',
    });

    expect(settings.apiUrl).toBe('https://server-url.test');
  });

  it('reads DREADNODE_SERVER when DREADNODE_SERVER_URL is unset', () => {
    const settings = settingsFor(['--org', 'acme'], { DREADNODE_SERVER: 'https://server.test' });

    expect(settings.apiUrl).toBe('https://server.test');
  });

  it('leaves the platform URL to the core default when nothing names one', () => {
    expect(settingsFor(['--org', 'acme']).apiUrl).toBeUndefined();
  });

  it('prefers DREADNODE_API_TOKEN to DREADNODE_API_KEY', () => {
    const settings = settingsFor(['--org', 'acme'], {
      DREADNODE_API_TOKEN: 'token-one',
      DREADNODE_API_KEY: 'token-two',
    });

    expect(settings.environmentToken).toBe('token-one');
  });

  it('treats an empty variable as unset, so the next one in line applies', () => {
    const settings = settingsFor([], {
      DREADNODE_ORGANIZATION: 'acme',
      DREADNODE_API_TOKEN: '',
      DREADNODE_API_KEY: 'token-two',
    });

    expect(settings.environmentToken).toBe('token-two');
  });

  it('uses the documented defaults when no flag is given', () => {
    const settings = settingsFor(['--org', 'acme']);

    expect(settings).toMatchObject({
      minTtlSeconds: 60,
      timeoutSeconds: 60,
      maxAttempts: 4,
      allowInsecureHttp: false,
      format: 'shell',
      openai: false,
      tokenFromStdin: false,
      debug: false,
      command: undefined,
    });
  });

  it('derives a client id from the GitHub Actions run when none is given', () => {
    const settings = settingsFor(['--org', 'acme'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '1234',
      GITHUB_REPOSITORY: 'owner/repo',
      GITHUB_JOB: 'evals',
    });

    expect(settings.clientId).toMatch(/^gha-owner-repo-evals-1234-1-[0-9a-f]+$/);
  });

  it('keeps a given client id exactly as written, for the core library to judge', () => {
    expect(settingsFor(['--org', 'acme', '--client-id', 'not valid!']).clientId).toBe('not valid!');
  });

  it('reads the numeric flags as whole numbers', () => {
    const settings = settingsFor([
      '--org=acme',
      '--min-ttl-seconds=0',
      '--timeout-seconds',
      '5',
      '--max-attempts',
      '1',
    ]);

    expect(settings).toMatchObject({ minTtlSeconds: 0, timeoutSeconds: 5, maxAttempts: 1 });
  });
});

describe('a command after --', () => {
  it('is taken whole, including arguments that look like flags', () => {
    const settings = settingsFor(['--org', 'acme', '--', 'pytest', '--token', '-x', '--']);

    expect(settings.command).toEqual(['pytest', '--token', '-x', '--']);
  });

  it('must name a program', () => {
    expect(usageErrorFor(['--org', 'acme', '--']).message).toBe('no command after --');
  });

  it('cannot be combined with --format', () => {
    expect(usageErrorFor(['--org', 'acme', '--format', 'json', '--', 'env']).field).toBe('format');
  });

  it('is the only place a bare argument may appear', () => {
    expect(usageErrorFor(['--org', 'acme', 'pytest']).hint).toContain('after --');
  });
});

describe('usage errors', () => {
  it('refuse --token with the reason and without repeating its value', () => {
    const error = usageErrorFor(['--org', 'acme', '--token=s3cret-value']);

    expect(error.message).toContain('--token is not accepted');
    expect(error.message).toContain('shell history');
    expect(`${error.message} ${error.hint}`).not.toContain('s3cret-value');
  });

  it('refuse --api-token given as a separate argument', () => {
    expect(usageErrorFor(['--api-token', 'value', '--org', 'acme']).field).toBe('token');
  });

  it('name an unknown flag', () => {
    expect(usageErrorFor(['--org', 'acme', '--bogus']).message).toBe("Unknown option '--bogus'");
  });

  it('report a missing organization with where to set it', () => {
    expect(usageErrorFor([]).hint).toContain('DREADNODE_ORGANIZATION');
  });

  it('reject a format that does not exist', () => {
    expect(usageErrorFor(['--org', 'acme', '--format', 'yaml']).message).toContain(
      'shell, dotenv, json, github',
    );
  });

  it('reject --format github outside GitHub Actions', () => {
    expect(usageErrorFor(['--org', 'acme', '--format', 'github']).message).toContain('GITHUB_ENV');
  });

  it('reject a number that is not whole', () => {
    expect(usageErrorFor(['--org', 'acme', '--max-attempts', '2.5']).field).toBe('max-attempts');
  });

  it('reject a time limit of zero', () => {
    expect(usageErrorFor(['--org', 'acme', '--timeout-seconds', '0']).field).toBe(
      'timeout-seconds',
    );
  });
});

describe('the numeric flags', () => {
  const ranges = [
    { flag: 'min-ttl-seconds', field: 'minTtlSeconds', min: 0, max: 86_400 },
    { flag: 'timeout-seconds', field: 'timeoutSeconds', min: 1, max: 3_600 },
    { flag: 'max-attempts', field: 'maxAttempts', min: 1, max: 20 },
  ];

  it.each(ranges)('accept $flag at both ends of $min to $max', ({ flag, field, min, max }) => {
    expect(settingsFor(['--org', 'acme', `--${flag}`, `${min}`])).toMatchObject({ [field]: min });
    expect(settingsFor(['--org', 'acme', `--${flag}`, `${max}`])).toMatchObject({ [field]: max });
  });

  it.each(ranges)('reject $flag above $max, naming the range', ({ flag, min, max }) => {
    const error = usageErrorFor(['--org', 'acme', `--${flag}`, `${max + 1}`]);

    expect(error.field).toBe(flag);
    expect(error.message).toBe(
      `--${flag} must be a whole number from ${min} to ${max}, not "${max + 1}"`,
    );
  });

  it('reject a time limit too long for a timer, rather than letting it fire at once', () => {
    expect(usageErrorFor(['--org', 'acme', '--timeout-seconds', '99999999999999']).message).toBe(
      '--timeout-seconds must be a whole number from 1 to 3600, not "99999999999999"',
    );
  });
});

describe('informational flags', () => {
  it('ask for help even when other flags are wrong', () => {
    expect(readSettings(['--format', 'yaml', '--help'], {})).toEqual({ kind: 'help' });
  });

  it('ask for the version', () => {
    expect(readSettings(['--version'], {})).toEqual({ kind: 'version' });
  });
});

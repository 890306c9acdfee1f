import { describe, expect, it } from 'vitest';
import { CLIENT_ID_MAX_LENGTH, CLIENT_ID_PATTERN, clientIdFromEnvironment } from '../src/index.js';

const actions = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/evals',
  GITHUB_JOB: 'evaluate',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '3',
};

describe('a client id derived in GitHub Actions', () => {
  it('names the repository, job, run, attempt and a random part', () => {
    expect(clientIdFromEnvironment(actions, () => 'a1b2c3d4')).toBe(
      'gha-acme-evals-evaluate-9876543210-3-a1b2c3d4',
    );
  });

  it('differs between parallel matrix legs of the same job', () => {
    const legs = new Set(Array.from({ length: 50 }, () => clientIdFromEnvironment(actions)));
    expect(legs.size).toBe(50);
  });

  it('differs between attempts of the same run', () => {
    const first = clientIdFromEnvironment({ ...actions, GITHUB_RUN_ATTEMPT: '1' }, () => 'x');
    const second = clientIdFromEnvironment({ ...actions, GITHUB_RUN_ATTEMPT: '2' }, () => 'x');
    expect(first).not.toBe(second);
  });

  it('replaces characters the platform refuses', () => {
    const id = clientIdFromEnvironment(
      { ...actions, GITHUB_REPOSITORY: 'Acme Corp/évals.v2', GITHUB_JOB: 'build & test' },
      () => 'ff',
    );
    expect(id).toBe('gha-Acme-Corp-vals-v2-build-test-9876543210-3-ff');
    expect(id).toMatch(CLIENT_ID_PATTERN);
  });

  it('shortens a long repository and job name but keeps the run, attempt and random part', () => {
    const id = clientIdFromEnvironment(
      { ...actions, GITHUB_REPOSITORY: `acme/${'r'.repeat(200)}`, GITHUB_JOB: 'j'.repeat(200) },
      () => 'cafe0123',
    );
    expect(id).toHaveLength(CLIENT_ID_MAX_LENGTH);
    expect(id.endsWith('-9876543210-3-cafe0123')).toBe(true);
    expect(id).toMatch(CLIENT_ID_PATTERN);
  });

  it('stays valid when the run id itself is absurdly long', () => {
    const id = clientIdFromEnvironment({ ...actions, GITHUB_RUN_ID: '9'.repeat(300) }, () => 'ab');
    expect(id.length).toBeLessThanOrEqual(CLIENT_ID_MAX_LENGTH);
    expect(id).toMatch(CLIENT_ID_PATTERN);
  });

  it('counts a missing run attempt as the first', () => {
    const { GITHUB_RUN_ATTEMPT: _omitted, ...withoutAttempt } = actions;
    expect(clientIdFromEnvironment(withoutAttempt, () => 'ab')).toBe(
      'gha-acme-evals-evaluate-9876543210-1-ab',
    );
  });
});

describe('a client id derived elsewhere', () => {
  it('is a random id with a readable prefix', () => {
    expect(clientIdFromEnvironment({}, () => '0a1b2c3d')).toBe('provision-litellm-key-0a1b2c3d');
  });

  it('is random by default', () => {
    const first = clientIdFromEnvironment({});
    expect(first).toMatch(/^provision-litellm-key-[0-9a-f]{8}$/);
    expect(clientIdFromEnvironment({})).not.toBe(first);
  });

  it('ignores GitHub variables when not running in Actions', () => {
    const { GITHUB_ACTIONS: _omitted, ...notActions } = actions;
    expect(clientIdFromEnvironment(notActions, () => 'ab')).toBe('provision-litellm-key-ab');
  });

  it('reads process.env when given no environment', () => {
    expect(clientIdFromEnvironment()).toMatch(CLIENT_ID_PATTERN);
  });
});

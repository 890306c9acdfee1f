import { randomBytes } from 'node:crypto';
import { InvalidInputError, quoteForMessage } from './errors.js';

/** What the platform accepts as a `client_id`. */
export const CLIENT_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

/** The longest `client_id` the platform accepts. */
export const CLIENT_ID_MAX_LENGTH = 128;

/**
 * Checks a client id against the platform's rules (1 to 128 of `a-z A-Z 0-9 _ -`).
 * @throws {InvalidInputError} naming the rule that failed.
 */
export function assertValidClientId(clientId: string): void {
  const hint = 'Use 1 to 128 letters, digits, "_" or "-", or leave client-id unset to derive one.';
  if (typeof clientId !== 'string') {
    throw new InvalidInputError(
      'clientId',
      `client-id must be a string, not ${typeof clientId}`,
      hint,
    );
  }
  if (clientId.length === 0) {
    throw new InvalidInputError('clientId', 'client-id is empty', hint);
  }
  if (clientId.length > CLIENT_ID_MAX_LENGTH) {
    throw new InvalidInputError(
      'clientId',
      `client-id is ${clientId.length} characters long; at most ${CLIENT_ID_MAX_LENGTH} are allowed`,
      hint,
    );
  }
  if (!CLIENT_ID_PATTERN.test(clientId)) {
    throw new InvalidInputError(
      'clientId',
      `client-id ${quoteForMessage(clientId)} contains characters other than letters, digits, "_" and "-"`,
      hint,
    );
  }
}

/**
 * Derives a client id for this process.
 *
 * The platform names a per-session key alias after the client id, so one value should stand for
 * one job run attempt and never be reused by unrelated jobs. In GitHub Actions it is made of the
 * repository, job, run id and run attempt, plus a short random part so that parallel matrix legs
 * of one job differ; elsewhere it is a random id with a readable prefix. The result always
 * matches {@link CLIENT_ID_PATTERN} and is at most {@link CLIENT_ID_MAX_LENGTH} characters.
 *
 * @param env - the environment to read, `process.env` by default.
 * @param randomPart - supplies the random suffix; replaceable so tests are deterministic.
 */
export function clientIdFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
  randomPart: () => string = () => randomBytes(4).toString('hex'),
): string {
  const random = sanitise(randomPart()) || '0';
  const runId = sanitise(env.GITHUB_RUN_ID ?? '');

  if (env.GITHUB_ACTIONS !== 'true' || runId === '') {
    return `provision-litellm-key-${random}`.slice(0, CLIENT_ID_MAX_LENGTH);
  }

  const attempt = sanitise(env.GITHUB_RUN_ATTEMPT ?? '') || '1';
  const tail = `-${runId}-${attempt}-${random}`.slice(-(CLIENT_ID_MAX_LENGTH - 4));
  const head = ['gha', env.GITHUB_REPOSITORY ?? '', env.GITHUB_JOB ?? '']
    .map(sanitise)
    .filter((part) => part !== '')
    .join('-')
    .slice(0, CLIENT_ID_MAX_LENGTH - tail.length)
    .replace(/-+$/, '');
  return `${head}${tail}`;
}

function sanitise(part: string): string {
  return part.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

import type { ValidationProblem } from './envelope.js';

const CLIENT_ID_PATTERN = '^[a-zA-Z0-9_-]+$';
const CLIENT_ID_MAX_LENGTH = 128;

/** A provisioning body read either into a client id or into the problems a real server lists. */
export type ProvisionBody = { clientId: string } | { problems: ValidationProblem[] };

/**
 * Validates a provisioning request body the way the platform's FastAPI and pydantic stack does,
 * down to the `loc`, `msg` and `type` of each problem, so clients are tested against the
 * messages they will really see. Like pydantic, length is checked before the pattern and a
 * field reports one problem at most.
 */
export function readProvisionBody(raw: string): ProvisionBody {
  if (raw.trim() === '') {
    return { problems: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problems: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] };
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const msg = 'Input should be a valid dictionary or object to extract fields from';
    return { problems: [{ loc: ['body'], msg, type: 'model_attributes_type' }] };
  }

  const problem = clientIdProblem((parsed as Record<string, unknown>).client_id);
  if (problem !== undefined) {
    return { problems: [{ loc: ['body', 'client_id'], ...problem }] };
  }
  return { clientId: (parsed as { client_id: string }).client_id };
}

function clientIdProblem(value: unknown): Omit<ValidationProblem, 'loc'> | undefined {
  if (value === undefined) {
    return { msg: 'Field required', type: 'missing' };
  }
  if (typeof value !== 'string') {
    return { msg: 'Input should be a valid string', type: 'string_type' };
  }
  // Pydantic counts code points, not UTF-16 units.
  const length = [...value].length;
  if (length < 1) {
    return { msg: 'String should have at least 1 character', type: 'string_too_short' };
  }
  if (length > CLIENT_ID_MAX_LENGTH) {
    const msg = `String should have at most ${CLIENT_ID_MAX_LENGTH} characters`;
    return { msg, type: 'string_too_long' };
  }
  if (!new RegExp(CLIENT_ID_PATTERN).test(value)) {
    const msg = `String should match pattern '${CLIENT_ID_PATTERN}'`;
    return { msg, type: 'string_pattern_mismatch' };
  }
  return undefined;
}

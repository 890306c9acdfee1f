import { InvalidInputError, quoteForMessage } from './errors.js';

// The contract specifies nothing about the slug's alphabet, so only what cannot be one safe
// path segment is refused: separators, the characters that start a query, fragment or escape,
// backslashes (some proxies read them as separators), white space, control characters and
// invisible format characters (which would make the slug in a log read as another).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const UNSAFE_IN_SEGMENT = /[/?#%\\\s\u0000-\u001f\u007f-\u009f\p{Cf}]/u;

/**
 * Checks an organization slug and returns it percent-encoded for the request path.
 * @throws {InvalidInputError} when the slug cannot be a single safe path segment.
 */
export function encodeOrganization(organization: string): string {
  const fail = (why: string) =>
    new InvalidInputError(
      'organization',
      `organization ${quoteForMessage(organization)} ${why}`,
      'Set organization to the slug shown in the platform, for example acme.',
    );

  if (typeof organization !== 'string') {
    throw new InvalidInputError(
      'organization',
      `organization must be a string, not ${typeof organization}`,
    );
  }
  if (organization.length === 0) throw fail('is empty');
  if (organization === '.' || organization === '..') throw fail('is not a valid name');
  if (UNSAFE_IN_SEGMENT.test(organization)) {
    throw fail('contains a character that cannot appear in a URL path segment');
  }
  try {
    return encodeURIComponent(organization);
  } catch {
    throw fail('is not valid Unicode text');
  }
}

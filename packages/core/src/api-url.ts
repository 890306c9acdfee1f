import { InvalidInputError, quoteForMessage } from './errors.js';

/** The platform's public origin, used when no `apiUrl` is given. */
export const DEFAULT_API_URL = 'https://platform.dreadnode.io';

/**
 * Normalises a platform URL the way the platform's own SDK accepts it: the origin alone, or a
 * URL that already ends in `/api` or `/api/v1`, with or without trailing slashes. A path prefix
 * in front (a platform served under `https://host/platform`) is kept. The result has no
 * trailing slash and no API suffix, e.g. `https://host/platform`.
 */
export function normaliseApiUrl(raw: string | URL, allowInsecureHttp: boolean): URL {
  const trimmed = String(raw).trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InvalidInputError(
      'apiUrl',
      `api-url ${quoteForMessage(trimmed)} is not an absolute URL`,
      'Set api-url to the platform origin, for example https://platform.dreadnode.io.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError('apiUrl', `api-url must use https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new InvalidInputError(
      'apiUrl',
      'api-url must not contain credentials',
      'Remove the user:password part from api-url; the token is passed on its own.',
    );
  }
  if (url.search || url.hash || trimmed.includes('?') || trimmed.includes('#')) {
    throw new InvalidInputError('apiUrl', 'api-url must not contain a query or a fragment');
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw new InvalidInputError(
      'apiUrl',
      `api-url uses plain http to ${url.hostname}, which would send the token unencrypted`,
      'Use https, or set allow-insecure-http only for a trusted private network.',
    );
  }

  const prefix = url.pathname.replace(/\/+$/, '').replace(/\/api(\/v1)?$/, '');
  url.pathname = prefix === '' ? '/' : prefix;
  return url;
}

/** The provisioning endpoint for one organization, under a normalised platform URL. */
export function provisioningUrl(platform: URL, encodedOrganization: string): URL {
  const prefix = platform.pathname.replace(/\/+$/, '');
  const url = new URL(platform.href);
  url.pathname = `${prefix}/api/v1/org/${encodedOrganization}/inference/keys`;
  return url;
}

/** The platform URL as users write it: no trailing slash. */
export function displayApiUrl(platform: URL): string {
  return platform.href.replace(/\/+$/, '');
}

/**
 * Whether a URL host name is this machine: `localhost` (with or without its final dot),
 * 127.0.0.0/8, `::1`, or 127.0.0.0/8 written as an IPv4-mapped IPv6 address
 * (`[::ffff:7f00:1]`, as URL parsing writes `[::ffff:127.0.0.1]`). Names under `.localhost` are
 * not counted: resolvers need not map them to loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    host === 'localhost' ||
    host === 'localhost.' ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.test(host)
  );
}

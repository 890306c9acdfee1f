import { BlockList, isIP } from 'node:net';
import { isLoopbackHost } from './api-url.js';
import { InvalidInputError } from './errors.js';

/** A forward proxy that requests to one origin go through. */
export interface ProxyRoute {
  /** The environment variable it was named in, as messages tell the user what to fix. */
  variable: string;
  /** How the proxy itself is reached. */
  protocol: 'http:' | 'https:';
  /** Host name or address, without IPv6 brackets. */
  host: string;
  port: number;
  /** The `Proxy-Authorization` header value, when the proxy URL carries credentials. */
  authorization?: string | undefined;
}

/**
 * The proxy that requests to `target` go through, or `undefined` to go direct, following the
 * conventions of curl and the Actions runner:
 * - `https_proxy`/`HTTPS_PROXY` for https targets, `http_proxy`/`HTTP_PROXY` for http ones, the
 *   lower-case name first;
 * - `no_proxy`/`NO_PROXY`: comma-separated host names, each matching itself and its
 *   subdomains (`example.com`, `.example.com` and `*.example.com` alike), IP addresses and
 *   CIDR ranges (`10.0.0.0/8`, `fd00::/8`), each optionally limited to a port
 *   (`example.com:8443`, `[fd00::1]:8443`); `*` turns the proxy off;
 * - loopback (`localhost`, 127.0.0.0/8, `::1`) is never proxied.
 *
 * A proxy given without a scheme (`proxy.corp:3128`) is taken as `http://`.
 * @throws {InvalidInputError} for a proxy value that is not a usable http or https proxy URL; the
 * message names the variable and never repeats its value, which may hold a password.
 */
export function proxyRouteFor(
  target: URL,
  env: NodeJS.ProcessEnv = process.env,
): ProxyRoute | undefined {
  const secure = target.protocol === 'https:';
  const variable = firstSet(
    env,
    secure ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'],
  );
  if (!variable) return undefined;
  const host = unbracketed(target.hostname);
  if (isLoopbackHost(host)) return undefined;
  const port = Number(target.port) || (secure ? 443 : 80);
  const exemptions = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (exemptions && isExempt(host, port, exemptions.value)) return undefined;
  return parseProxy(variable.name, variable.value);
}

function parseProxy(variable: string, value: string): ProxyRoute {
  const unusable = (why: string) =>
    new InvalidInputError(
      'proxy',
      `${variable} ${why}`,
      `Set ${variable} to http://host:port (or http://user:password@host:port), or unset it.`,
    );
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw unusable('is not a usable proxy URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw unusable(
      `names a ${url.protocol.slice(0, -1)} proxy; only http and https proxies are supported`,
    );
  }
  if (!url.hostname) throw unusable('names no proxy host');
  // A proxy URL never has a path: one here means a password with an unencoded / ? # or @ cut
  // the URL short, and the rest would be taken for the host.
  if (url.pathname !== '/' || url.search || url.hash || value.includes('#')) {
    throw unusable(
      'is not a plain proxy URL; percent-encode any / ? # or @ in the user name or password',
    );
  }
  if (url.port === '0') throw unusable('names port 0');
  const protocol = url.protocol;
  const credentials = url.username || url.password;
  return {
    variable,
    protocol,
    host: unbracketed(url.hostname),
    port: Number(url.port) || (protocol === 'https:' ? 443 : 80),
    authorization: credentials
      ? `Basic ${Buffer.from(`${decoded(url.username)}:${decoded(url.password)}`).toString('base64')}`
      : undefined,
  };
}

/** The first of `names` set to something other than white space, with its trimmed value. */
function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]) {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function isExempt(host: string, port: number, noProxy: string): boolean {
  const target = host.toLowerCase().replace(/\.$/, '');
  const family = isIP(target);
  return noProxy.split(',').some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (!entry) return false;
    if (entry === '*') return true;
    const { name, port: entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) return false;
    // An address matches addresses and ranges only: "1.2.3" is no suffix of 10.1.2.3.
    if (family !== 0) return addressMatches(target, family, name);
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    return domain !== '' && (target === domain || target.endsWith(`.${domain}`));
  });
}

/** Whether an IP address is the address or inside the CIDR range an entry names. */
function addressMatches(address: string, family: number, entry: string): boolean {
  const [base = '', bits] = entry.split('/');
  if (isIP(base) !== family) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const ranges = new BlockList();
  if (bits === undefined) {
    ranges.addAddress(base, type);
  } else {
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) return false;
    ranges.addSubnet(base, prefix, type);
  }
  return ranges.check(address, type);
}

/** `host:port`, `[v6]:port`, or a bare host (an IPv6 address without brackets has no port). */
function splitPort(entry: string): { name: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', port: portOf(bracketed[2]) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { name: withPort[1] ?? '', port: portOf(withPort[2]) };
  return { name: entry };
}

function portOf(digits: string | undefined): number | undefined {
  return digits === undefined ? undefined : Number(digits);
}

function unbracketed(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Percent-decoded, or as written when it is not valid percent-encoding (a bare `%`). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

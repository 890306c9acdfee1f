import * as z from 'zod/mini';
import { isLoopbackHost } from './api-url.js';
import { InvalidResponseError, quoteForMessage } from './errors.js';
import { MIN_SECRET_LENGTH, type SecretRegistry } from './secrets.js';
import { parseRfc3339 } from './timestamp.js';

/** A LiteLLM virtual key minted by the platform. */
export interface ProvisionedKey {
  /**
   * The key itself: a secret. It is not an own enumerable property, so logging, inspecting or
   * serialising the object does not reveal it; read it explicitly where it is needed.
   */
  readonly apiKey: string;
  /** The LiteLLM gateway to call with the key (OpenAI-compatible). */
  readonly baseUrl: string;
  /** When the key stops working. */
  readonly expiresAt: Date;
  /** The organization the key was provisioned for. */
  readonly organization: string;
  /** The client id the key was provisioned under. */
  readonly clientId: string;
  /** How many attempts it took. */
  readonly attempts: number;
}

/**
 * A provisioned key as handed to callers. The secret lives in a private field behind a getter on
 * the prototype, so `console.log`, `util.inspect`, `JSON.stringify` and object spread of a key
 * never show it; reading `apiKey` does.
 */
export class KeyRecord implements ProvisionedKey {
  readonly #apiKey: string;
  readonly baseUrl: string;
  readonly expiresAt: Date;
  readonly organization: string;
  readonly clientId: string;
  readonly attempts: number;

  constructor(fields: ProvisionedKey) {
    this.#apiKey = fields.apiKey;
    this.baseUrl = fields.baseUrl;
    this.expiresAt = fields.expiresAt;
    this.organization = fields.organization;
    this.clientId = fields.clientId;
    this.attempts = fields.attempts;
  }

  get apiKey(): string {
    return this.#apiKey;
  }
}

// Zod checks types; the finer rules follow by hand so that each message names the field and the
// rule, and none can echo the value of `api_key`. Unknown fields are dropped, as the contract asks.
const successBodySchema = z.object({
  api_key: z.string(),
  base_url: z.string(),
  expires_at: z.string(),
});

const MIN_KEY_LENGTH = MIN_SECRET_LENGTH;
const MAX_KEY_LENGTH = 4096;

// Format characters (\p{Cf}: zero-width spaces, bidirectional overrides) are refused too: they
// would make a logged gateway URL read differently from what it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f\p{Cf}]/u;

/** How a success body is judged. */
export interface SuccessBodyRules {
  allowInsecureHttp: boolean;
  /** Milliseconds since the epoch, now. */
  now: number;
  /** The key must stay valid at least this long from now. */
  minTtlMs: number;
  secrets: SecretRegistry;
  /** Gateway URLs this client already found valid under the same rules; skipped next time. */
  validBaseUrls?: Set<string>;
}

/** The fields of a usable success body. */
export type KeyFields = Pick<ProvisionedKey, 'apiKey' | 'baseUrl' | 'expiresAt'>;

/**
 * Reads a 200 body into key fields, registering the key as a secret before anything else
 * happens to it.
 * @throws {InvalidResponseError} naming the field that is missing or wrong.
 */
export function parseSuccessBody(body: unknown, rules: SuccessBodyRules): KeyFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidResponseError(
      `The platform's success response is ${describeJsonKind(body)}, not a JSON object`,
    );
  }
  const apiKey = (body as { api_key?: unknown }).api_key;
  // A key too short to mask is refused below, never handed out.
  if (typeof apiKey === 'string' && apiKey.length >= MIN_KEY_LENGTH) {
    rules.secrets.add(apiKey, 'recent');
  }

  const parsed = successBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'body');
    const found = describeJsonKind((body as Record<string, unknown>)[field]);
    throw new InvalidResponseError(
      `The platform's success response has ${found} for "${field}" where a string is required`,
      field,
    );
  }
  const fields = parsed.data;

  if (fields.api_key.length === 0) {
    throw new InvalidResponseError('The platform returned an empty api_key', 'api_key');
  }
  if (WHITESPACE_OR_CONTROL.test(fields.api_key)) {
    throw new InvalidResponseError(
      'The platform returned an api_key containing white space or control characters',
      'api_key',
    );
  }
  // Bounds no real key comes near: a key of a few characters would be masked wherever those
  // characters appear in a log, and a huge one would overflow the environment of later steps.
  if (fields.api_key.length < MIN_KEY_LENGTH || fields.api_key.length > MAX_KEY_LENGTH) {
    throw new InvalidResponseError(
      `The platform returned an api_key of ${fields.api_key.length} characters; ` +
        `${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH} are accepted`,
      'api_key',
    );
  }

  if (rules.secrets.reveals(fields.base_url)) {
    throw new InvalidResponseError(
      'The platform returned a base_url that contains the token or the key',
      'base_url',
    );
  }
  const baseUrl = checkBaseUrl(fields.base_url, rules);
  const expiresAt = checkExpiry(fields.expires_at, rules);
  return { apiKey: fields.api_key, baseUrl, expiresAt };
}

function checkBaseUrl(value: string, rules: SuccessBodyRules): string {
  // A client asks one platform for many keys, and the platform names the same gateway each time.
  if (rules.validBaseUrls?.has(value)) return value;
  const { allowInsecureHttp } = rules;
  const invalid = (why: string) =>
    new InvalidResponseError(`The platform returned a base_url that ${why}`, 'base_url');
  if (value.length === 0) throw invalid('is empty');
  if (WHITESPACE_OR_CONTROL.test(value))
    throw invalid('contains white space or control characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`uses ${url.protocol} instead of https`);
  }
  // The URL is handed on as written, and other clients parse it differently from this one:
  // `https:host` or a backslash (`http://127.0.0.1\@elsewhere/`) can name another host there.
  if (!/^https?:\/\//i.test(value) || value.includes('\\')) {
    throw invalid('is not written in the plain form scheme://host/path');
  }
  if (url.username || url.password) throw invalid('contains credentials');
  // The URL is logged as it is, and an old form of workflow command, `##[error]`, is read
  // anywhere in a line; a fragment is also meaningless for an API base URL.
  if (value.includes('#')) throw invalid('has a fragment (#), which a gateway URL never has');
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw new InvalidResponseError(
      `The platform returned a plain-http base_url for ${url.hostname}; the key would travel unencrypted`,
      'base_url',
      'Ask the platform operator to serve the gateway over https, or set allow-insecure-http ' +
        'for a trusted private network.',
    );
  }
  rules.validBaseUrls?.add(value);
  return value;
}

function checkExpiry(value: string, rules: SuccessBodyRules): Date {
  const expiresAt = parseRfc3339(value);
  if (!expiresAt) {
    throw new InvalidResponseError(
      'The platform returned an expires_at that is not an RFC 3339 date-time: ' +
        quoteForMessage(rules.secrets.redact(value), 40),
      'expires_at',
    );
  }
  const remainingMs = expiresAt.getTime() - rules.now;
  if (remainingMs <= 0) {
    throw new InvalidResponseError(
      `The platform returned a key that already expired at ${expiresAt.toISOString()}`,
      'expires_at',
      "Check this machine's clock; if it is right, the platform is misconfigured.",
    );
  }
  if (remainingMs < rules.minTtlMs) {
    throw new InvalidResponseError(
      `The key expires in ${Math.floor(remainingMs / 1000)} s, sooner than the ` +
        `${Math.ceil(rules.minTtlMs / 1000)} s required`,
      'expires_at',
      'Lower min-ttl-seconds, or ask the platform operator for a longer key lifetime.',
    );
  }
  return expiresAt;
}

/** Names the JSON kind of a value without revealing the value. */
export function describeJsonKind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}

/**
 * The one log line for a provisioned key, in the user's terms: organization, client id,
 * gateway, expiry and attempts. It never holds the key.
 * @param now - milliseconds since the epoch, to say how long the key has left.
 */
export function describeProvisionedKey(key: ProvisionedKey, now: number): string {
  const seconds = Math.max(0, Math.floor((key.expiresAt.getTime() - now) / 1000));
  const left =
    seconds < 120
      ? `${seconds} s`
      : seconds < 7200
        ? `${Math.round(seconds / 60)} min`
        : `${(seconds / 3600).toFixed(1)} h`;
  const attempts = key.attempts === 1 ? '1 attempt' : `${key.attempts} attempts`;
  return (
    `Provisioned a LiteLLM key for organization ${key.organization} (client id ${key.clientId}): ` +
    `gateway ${key.baseUrl}, expires ${key.expiresAt.toISOString()} (in ${left}), ${attempts}.`
  );
}

import { DEFAULT_API_URL, displayApiUrl, normaliseApiUrl, provisioningUrl } from './api-url.js';
import { assertValidClientId } from './client-id.js';
import { parseErrorResponse, readRequestId } from './envelope.js';
import {
  AbortedError,
  ConflictError,
  InvalidInputError,
  InvalidResponseError,
  ProvisionError,
  quoteForMessage,
} from './errors.js';
import { encodeOrganization } from './organization.js';
import { KeyRecord, type ProvisionedKey, parseSuccessBody } from './provisioned-key.js';
import { proxyRouteFor } from './proxy-route.js';
import { type AttemptReport, type RetryClock, systemClock, withRetries } from './retry.js';
import { MIN_SECRET_LENGTH, SecretRegistry } from './secrets.js';
import { Transport } from './transport.js';
import { VERSION } from './version.js';

/** How to reach and authenticate to the platform, and how persistently to try. */
export interface ClientOptions {
  /** The platform API token. Surrounding white space is trimmed. */
  token: string;
  /**
   * The platform URL: the origin, or a URL ending in `/api` or `/api/v1`; a path prefix is kept.
   * Default `https://platform.dreadnode.io`.
   */
  apiUrl?: string | undefined;
  /**
   * How the token is sent: `authorization` (`Authorization: Bearer …`, the documented form, the
   * default) or `x-api-key` (`X-API-Key: …`, as the platform's SDK sends API keys).
   */
  authHeader?: 'authorization' | 'x-api-key' | undefined;
  /** Limit for one attempt, covering connect, headers and body. Default 20,000 ms. */
  timeoutMs?: number | undefined;
  /** Limit for all attempts together, backoff included. Default 60,000 ms. */
  deadlineMs?: number | undefined;
  /** Attempts at most, the first included. Default 4. */
  maxAttempts?: number | undefined;
  /** Permit plain `http` to hosts other than loopback (for the platform and the gateway). */
  allowInsecureHttp?: boolean | undefined;
  /** Prepended to this package's own `User-Agent`, e.g. `my-tool/2.1`. */
  userAgent?: string | undefined;
  /**
   * Called with each secret the moment it is known: the token when the client is created, each
   * key as soon as it is parsed. A CI integration masks the value in its logs here.
   */
  onSecret?: ((value: string) => void) | undefined;
  /** Called after every attempt; for debug logs. Never receives a secret. */
  onAttempt?: ((report: AttemptReport) => void) | undefined;
  /** Time, sleep and jitter source; tests replace it. */
  clock?: Partial<RetryClock> | undefined;
}

/** What to provision. */
export interface ProvisionRequest {
  /** The organization slug. */
  organization: string;
  /** A stable identifier of this client process; see `clientIdFromEnvironment`. */
  clientId: string;
  /** Reject the key unless it stays valid at least this long. Default 0 (only expired keys). */
  minTtlMs?: number | undefined;
  /** Cancels at once, also during a backoff wait. */
  signal?: AbortSignal | undefined;
}

/** A configured connection to the platform. Reuse one for many keys; `close()` when done. */
export interface PlatformClient {
  /** The normalised platform URL, without `/api/v1` and without a trailing slash. */
  readonly apiUrl: string;
  /** Mints a key, retrying what can be retried. Rejects with a {@link ProvisionError}. */
  provisionKey(request: ProvisionRequest): Promise<ProvisionedKey>;
  /**
   * Closes idle connections, and proxy tunnels still being opened. Calls still running fail
   * with `AbortedError`; the client can be used again afterwards.
   */
  close(): void;
}

const DEFAULTS = {
  timeoutMs: 20_000,
  deadlineMs: 60_000,
  maxAttempts: 4,
  baseBackoffMs: 1_000,
  maxBackoffMs: 10_000,
  // Tuned with a 200-job matrix against a 20-per-second limit: wide enough that the herd
  // spreads over the seconds the platform needs, narrow enough not to idle once it has.
  rateLimitSpreadMs: 3_000,
  crowdRateLimitSpreadMs: 6_000,
};

/**
 * Creates a client after checking every option; nothing touches the network until
 * `provisionKey` is called.
 * @throws {InvalidInputError} for an unusable option (the message never contains the token).
 */
export function createClient(options: ClientOptions): PlatformClient {
  const secrets = new SecretRegistry(options.onSecret);
  const token = typeof options.token === 'string' ? options.token.trim() : '';
  // A token too short to mask is refused by readSettings, never sent.
  if (token.length >= MIN_SECRET_LENGTH) secrets.add(token);

  const settings = redactingInputErrors(secrets, () => readSettings(options, token));
  const clock: RetryClock = { ...systemClock, ...options.clock };
  const userAgent = [settings.userAgent, `provision-litellm-key-core/${VERSION}`]
    .filter(Boolean)
    .join(' ');
  const transport = new Transport(settings.proxy);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    ...(settings.authHeader === 'x-api-key'
      ? { 'X-API-Key': token }
      : { Authorization: `Bearer ${token}` }),
  };

  const validBaseUrls = new Set<string>();
  // A tool provisioning many keys asks for few organizations; the URL is built once for each.
  const urls = new Map<string, URL>();
  const urlFor = (organization: string) => {
    let url = urls.get(organization);
    if (!url) {
      url = provisioningUrl(settings.platform, encodeOrganization(organization));
      urls.set(organization, url);
    }
    return url;
  };

  // close() ends the calls still running, which would otherwise go on to their deadline: the
  // transport abandons their requests, a call waiting between attempts is woken, and a call
  // about to start an attempt sees that the client was closed since it began.
  let closes = 0;
  const waiting = new Set<AbortController>();

  async function provisionKey(request: ProvisionRequest): Promise<ProvisionedKey> {
    const { organization, clientId, signal } = request;
    const url = redactingInputErrors(secrets, () => {
      assertValidClientId(clientId);
      const minTtlMs = request.minTtlMs ?? 0;
      if (typeof minTtlMs !== 'number' || !(minTtlMs >= 0 && minTtlMs <= MAX_DURATION_MS)) {
        throw new InvalidInputError('minTtlMs', 'the minimum key lifetime must be 0 to 24 hours');
      }
      return urlFor(organization);
    });
    const body = JSON.stringify({ client_id: clientId });
    let attempts = 0;
    const closesAtStart = closes;
    // Made only for a call that has to wait, so a call that succeeds at once costs nothing.
    let wake: AbortController | undefined;
    const waitSignal = () => {
      if (!wake) {
        wake = new AbortController();
        if (closes === closesAtStart) waiting.add(wake);
        else wake.abort();
      }
      return signal ? AbortSignal.any([signal, wake.signal]) : wake.signal;
    };

    const provisioned = await withRetries(
      async (attempt, timeoutMs) => {
        attempts = attempt;
        if (closes !== closesAtStart) throw new AbortedError();
        const answer = await transport.post({ url, headers, body, timeoutMs, signal });
        const now = clock.now();
        if (answer.status !== 200 && answer.status !== 201) {
          throw parseErrorResponse({ ...answer, url, now }, secrets);
        }
        const fields = parseSuccessBody(readJson(answer.body), {
          validBaseUrls,
          allowInsecureHttp: settings.allowInsecureHttp,
          now,
          minTtlMs: request.minTtlMs ?? 0,
          secrets,
        });
        // Read after the body, so that a server echoing the new key as its request id is caught.
        return {
          value: fields,
          status: answer.status,
          requestId: readRequestId(answer.headers, secrets),
        };
      },
      settings.policy,
      clock,
      waitSignal,
      options.onAttempt,
    )
      .catch((error: unknown) => {
        if (error instanceof ConflictError && attempts > 1) {
          // The platform may have minted a key for an attempt whose answer never arrived; the
          // retry then meets that key. Same client id, same conflict: only a new id helps.
          error.hint =
            'An earlier attempt may have created the key before its answer was lost; run again ' +
            '(a derived client id changes on every run) or pass a new client-id.';
        }
        throw redactError(error, secrets);
      })
      .finally(() => {
        if (wake) waiting.delete(wake);
      });

    return new KeyRecord({ ...provisioned, organization, clientId, attempts });
  }

  return {
    apiUrl: displayApiUrl(settings.platform),
    provisionKey,
    close: () => {
      closes += 1;
      for (const wake of waiting) wake.abort();
      waiting.clear();
      transport.close();
    },
  };
}

/**
 * Mints one key with a client made for the purpose, then closes it.
 * @throws {ProvisionError} a subclass naming what went wrong.
 */
export async function provisionKey(
  options: ClientOptions & ProvisionRequest,
): Promise<ProvisionedKey> {
  const client = createClient(options);
  try {
    return await client.provisionKey(options);
  } finally {
    client.close();
  }
}

function readSettings(options: ClientOptions, token: string) {
  if (token === '') {
    throw new InvalidInputError(
      'token',
      'the platform API token is empty',
      'Pass the platform API token, usually kept in a secret named DREADNODE_API_TOKEN.',
    );
  }
  if (token.length < MIN_SECRET_LENGTH) {
    throw new InvalidInputError(
      'token',
      `the platform API token is only ${token.length} characters`,
      'Check that the secret holds the whole platform API token, usually DREADNODE_API_TOKEN.',
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(token) || /[^\u0020-\u00ff]/.test(token)) {
    throw new InvalidInputError(
      'token',
      'the platform API token contains white space, control or non-Latin-1 characters',
      'Copy the token again; it is a single word with no line breaks.',
    );
  }
  const authHeader = String(options.authHeader ?? 'authorization').toLowerCase();
  if (authHeader !== 'authorization' && authHeader !== 'x-api-key') {
    throw new InvalidInputError(
      'authHeader',
      `auth-header must be "authorization" or "x-api-key", not ${quoteForMessage(authHeader, 40)}`,
    );
  }
  const userAgent = options.userAgent === undefined ? '' : String(options.userAgent).trim();
  if (/[^\u0020-\u007e]/.test(userAgent) || userAgent.length > 200) {
    throw new InvalidInputError(
      'userAgent',
      'the user agent must be printable ASCII of at most 200 characters',
    );
  }
  const allowInsecureHttp = options.allowInsecureHttp === true;
  const platform = normaliseApiUrl(options.apiUrl ?? DEFAULT_API_URL, allowInsecureHttp);
  return {
    platform,
    // Read once, so a proxy setting that cannot work fails here, before any request.
    proxy: proxyRouteFor(platform),
    authHeader: authHeader as 'authorization' | 'x-api-key',
    userAgent,
    allowInsecureHttp,
    policy: {
      attemptTimeoutMs: boundedNumber('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs),
      deadlineMs: boundedNumber('deadlineMs', options.deadlineMs, DEFAULTS.deadlineMs),
      maxAttempts: Math.floor(
        boundedNumber('maxAttempts', options.maxAttempts, DEFAULTS.maxAttempts, 100),
      ),
      baseBackoffMs: DEFAULTS.baseBackoffMs,
      maxBackoffMs: DEFAULTS.maxBackoffMs,
      rateLimitSpreadMs: DEFAULTS.rateLimitSpreadMs,
      crowdRateLimitSpreadMs: DEFAULTS.crowdRateLimitSpreadMs,
    },
  };
}

/** Longer than any sensible wait, and within what a Node.js timer can hold. */
const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

function boundedNumber(
  field: string,
  value: number | undefined,
  fallback: number,
  max = MAX_DURATION_MS,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 1 && value <= max)) {
    throw new InvalidInputError(
      field,
      `${field} must be a number from 1 to ${max}, not ${quoteForMessage(String(value), 20)}`,
    );
  }
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readJson(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new InvalidResponseError("The platform's success response is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError(
      `The platform's success response ${text.trim() === '' ? 'is empty' : 'is not valid JSON'}`,
    );
  }
}

function redactingInputErrors<T>(secrets: SecretRegistry, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/**
 * Scrubs known secrets from an error and the errors it wraps. The stack is scrubbed too: it
 * holds the message as it was when first read, and `util.inspect` prints it.
 */
function redactError(error: unknown, secrets: SecretRegistry): unknown {
  for (let link = error, depth = 0; link instanceof ProvisionError && depth < 8; depth += 1) {
    link.message = secrets.redact(link.message);
    if (typeof link.stack === 'string') link.stack = secrets.redact(link.stack);
    link = link.cause;
  }
  return error;
}

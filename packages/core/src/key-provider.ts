import { type ClientOptions, createClient } from './client.js';
import { assertValidClientId, clientIdFromEnvironment } from './client-id.js';
import { AbortedError, InvalidInputError, quoteForMessage } from './errors.js';
import { encodeOrganization } from './organization.js';
import type { ProvisionedKey } from './provisioned-key.js';
import { type RetryClock, systemClock } from './retry.js';

/** What a {@link KeyProvider} keeps fresh: the client settings plus the key to provision. */
export interface KeyProviderOptions extends ClientOptions {
  /** The organization slug every key is provisioned for. */
  organization: string;
  /**
   * The client id for every key this provider mints. Default: one derived once, when the
   * provider is created, with `clientIdFromEnvironment()`.
   */
  clientId?: string | undefined;
  /**
   * How long before a key expires a fresh one is fetched in the background. Default: a fifth
   * of the key's lifetime, at most 5 minutes. Whatever is given, the margin is at most half the
   * key's lifetime, so a key is always used for a while before it is replaced.
   *
   * Limitation: every key is provisioned under the provider's one client id, as the contract
   * asks of a client process. A platform that answers 409 to a second key for the same id while
   * the first is alive cannot be refreshed ahead of time: the next key is minted only once the
   * current one has expired, so callers then wait for that request, and receive the
   * `ConflictError` if the provider is still backing off from the refused refreshes.
   */
  refreshBeforeMs?: number | undefined;
}

/** Hands out a key that is always valid, provisioning a new one only when it must. */
export interface KeyProvider {
  /**
   * Resolves with a valid key. A key still outside its refresh window comes from the cache; one
   * inside it is returned at once while a single background refresh runs. Only a missing,
   * expired or invalidated key makes the caller wait, and concurrent callers share one request.
   * A failed provisioning is not retried at once: until its backoff has passed (1 s, doubling
   * up to 60 s, with jitter), callers left without a valid key receive that same failure.
   * @throws {ProvisionError} when no valid key is left and provisioning failed; an
   * {@link AbortedError} once the provider is closed.
   */
  getKey(): Promise<ProvisionedKey>;
  /**
   * Forgets the cached key, for instance after the gateway answered 401, so that the next
   * `getKey()` provisions a new one.
   */
  invalidate(): void;
  /** Cancels any request in flight and closes the connections; later calls to `getKey()` fail. */
  close(): void;
}

/** The first pause after a failed provisioning; it doubles with each failure in a row. */
const FIRST_BACKOFF_MS = 1_000;
/** The longest pause between provisionings that keep failing. */
const MAX_BACKOFF_MS = 60_000;
/** The default refresh margin never exceeds this, however long the key lives. */
const MAX_DEFAULT_MARGIN_MS = 5 * 60_000;

/** A key together with the moments that decide when it is refreshed. */
interface CachedKey {
  key: ProvisionedKey;
  expiresAtMs: number;
  refreshAtMs: number;
}

/**
 * Creates a provider that keeps one key fresh for a long-running process. Every option is
 * checked here, so a mistake surfaces at start-up rather than at the first request. The provider
 * sets no timers of its own: refreshes start from `getKey()` calls and a backoff is only a
 * moment to wait for, so nothing keeps the process alive.
 * @throws {InvalidInputError} for an unusable option, before any network call.
 */
export function createKeyProvider(options: KeyProviderOptions): KeyProvider {
  const { organization } = options;
  encodeOrganization(organization);
  // Derived once: the platform names a per-session key alias after the client id, so every key
  // of one process must carry the same one.
  const clientId = options.clientId ?? clientIdFromEnvironment();
  assertValidClientId(clientId);
  const refreshBeforeMs = checkedMargin(options.refreshBeforeMs);

  const client = createClient(options);
  const clock: RetryClock = { ...systemClock, ...options.clock };
  const shutdown = new AbortController();

  let cached: CachedKey | undefined;
  let inFlight: Promise<ProvisionedKey> | undefined;
  let failuresInARow = 0;
  let retryAtMs = 0;
  let lastFailure: unknown;
  let closed = false;

  function remember(key: ProvisionedKey, receivedAtMs: number): CachedKey {
    const expiresAtMs = key.expiresAt.getTime();
    const lifetimeMs = expiresAtMs - receivedAtMs;
    // A margin as long as the key's life would refresh on every call, each new key replacing the
    // one just handed out; half the lifetime is the most any margin is allowed to take.
    const marginMs = Math.min(
      refreshBeforeMs ?? Math.min(MAX_DEFAULT_MARGIN_MS, lifetimeMs / 5),
      lifetimeMs / 2,
    );
    return { key, expiresAtMs, refreshAtMs: expiresAtMs - marginMs };
  }

  function backOff(error: unknown): void {
    failuresInARow += 1;
    lastFailure = error;
    const windowMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failuresInARow - 1));
    // At least half the window, so a failure always buys a pause; the random half keeps many
    // processes that failed together from all trying again at the same moment.
    retryAtMs = clock.now() + windowMs / 2 + clock.random() * (windowMs / 2);
  }

  function provision(): Promise<ProvisionedKey> {
    const request = client
      .provisionKey({ organization, clientId, signal: shutdown.signal })
      .then(
        (key) => {
          if (closed) throw closedError();
          cached = remember(key, clock.now());
          failuresInARow = 0;
          retryAtMs = 0;
          lastFailure = undefined;
          return key;
        },
        (error: unknown) => {
          if (!closed) backOff(error);
          throw error;
        },
      )
      .finally(() => {
        if (inFlight === request) inFlight = undefined;
      });
    // A background refresh has no caller to receive its failure; the failure is kept for the
    // callers that come once the key has expired.
    request.catch(() => undefined);
    inFlight = request;
    return request;
  }

  async function getKey(): Promise<ProvisionedKey> {
    if (closed) throw closedError();
    const now = clock.now();

    if (cached !== undefined && now < cached.expiresAtMs) {
      if (now >= cached.refreshAtMs && inFlight === undefined && now >= retryAtMs) {
        void provision();
      }
      return cached.key;
    }

    if (inFlight !== undefined) return inFlight;
    // During a backoff the last failure is still the best answer; asking again at once would
    // turn every caller's retry loop into a request to the platform.
    if (lastFailure !== undefined && now < retryAtMs) throw lastFailure;
    return provision();
  }

  return {
    getKey,
    invalidate: () => {
      cached = undefined;
    },
    close: () => {
      if (closed) return;
      closed = true;
      cached = undefined;
      shutdown.abort(closedError());
      client.close();
    },
  };
}

function checkedMargin(refreshBeforeMs: number | undefined): number | undefined {
  if (refreshBeforeMs === undefined) return undefined;
  if (
    typeof refreshBeforeMs !== 'number' ||
    !Number.isFinite(refreshBeforeMs) ||
    refreshBeforeMs < 0
  ) {
    throw new InvalidInputError(
      'refreshBeforeMs',
      `refreshBeforeMs must be a number of 0 or more, not ${quoteForMessage(String(refreshBeforeMs), 20)}`,
    );
  }
  return refreshBeforeMs;
}

function closedError(): AbortedError {
  // Closing is the owner cancelling all further work, so it fails like a cancelled request: a
  // caller racing a shutdown needs one branch for both. The message names the cause.
  const error = new AbortedError();
  error.message = 'The key provider is closed; it provisions no more keys';
  return error;
}

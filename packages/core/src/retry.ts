import { AbortedError, BUG_HINT, ProvisionError, RateLimitError, TimeoutError } from './errors.js';

/** What one attempt ended with, for the `onAttempt` hook. */
export interface AttemptReport {
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status, when the platform answered. */
  status?: number | undefined;
  /** The error class name, when the attempt failed, e.g. `ConnectionError`. */
  error?: string | undefined;
  /** The platform's request id, when it sent a well-formed one. */
  requestId?: string | undefined;
  /** How long the attempt took. */
  latencyMs: number;
  /** How long the client waits before the next attempt; absent when this was the last one. */
  plannedWaitMs?: number | undefined;
}

/** Time, sleep and chance, replaceable so tests run on fake timers and fixed jitter. */
export interface RetryClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with an `AbortedError` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

/** Attempts at most, rate-limited ones included, however long the deadline. */
export const MAX_ATTEMPTS_IN_ALL = 100;

/** How persistently to try. */
export interface RetryPolicy {
  /**
   * Attempts at most for failures; 1 turns retrying off. Otherwise rate-limited answers (429)
   * do not use them up: the platform is scheduling the client, and giving up while time remains
   * would fail a job that only had to wait. The deadline bounds them, and
   * {@link MAX_ATTEMPTS_IN_ALL}.
   */
  maxAttempts: number;
  /** Per-attempt limit: connecting, headers and the whole body. */
  attemptTimeoutMs: number;
  /** Limit for all attempts together, waits included. */
  deadlineMs: number;
  /** The first backoff window; it doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /**
   * The jitter window added to a `Retry-After`: this after the first 429 in a row and after the
   * third and later ones, `crowdRateLimitSpreadMs` after the second.
   */
  rateLimitSpreadMs: number;
  crowdRateLimitSpreadMs: number;
}

/** The outcome of one attempt, as the retry loop sees it. */
export interface AttemptOutcome<T> {
  value: T;
  status?: number | undefined;
  requestId?: string | undefined;
}

/** Time kept for the last attempt: a retry that could not finish within it is not started. */
const MIN_LAST_ATTEMPT_MS = 1_000;

/** The real clock. */
export const systemClock: RetryClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortedError({ cause: signal.reason }));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortedError({ cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Runs `attempt` until it succeeds, fails for good, or time or attempts run out.
 *
 * Waits use exponential backoff with full jitter, so parallel jobs that fail together do not
 * retry together. A `Retry-After` is a floor, with jitter on top of it for the same reason; one
 * that points past the deadline ends the attempts at once. The error that ends the attempts
 * records how many were made and over how long.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number, timeoutMs: number) => Promise<AttemptOutcome<T>>,
  policy: RetryPolicy,
  clock: RetryClock,
  /** The signal that ends a wait between attempts; asked for only when there is a wait. */
  waitSignal: () => AbortSignal | undefined,
  reportAttempt: ((report: AttemptReport) => void) | undefined,
): Promise<T> {
  // The hook is for logs: a failing logger must not fail, or worse repeat, a provisioning.
  const onAttempt = (report: AttemptReport) => {
    try {
      reportAttempt?.(report);
    } catch {
      // Ignored on purpose; see above.
    }
  };
  const startedAt = clock.now();
  const deadline = startedAt + policy.deadlineMs;
  const summary = (attempts: number) => ({ attempts, elapsedMs: clock.now() - startedAt });
  let rateLimitedInARow = 0;
  let rateLimitedSoFar = 0;

  for (let number = 1; ; number += 1) {
    const attemptStart = clock.now();
    const remaining = deadline - attemptStart;
    const timeoutMs = Math.max(1, Math.min(policy.attemptTimeoutMs, remaining));
    try {
      const outcome = await attempt(number, timeoutMs);
      onAttempt({
        attempt: number,
        status: outcome.status,
        requestId: outcome.requestId,
        latencyMs: clock.now() - attemptStart,
      });
      return outcome.value;
    } catch (caught) {
      const error = asProvisionError(caught);
      const report = {
        attempt: number,
        status: 'status' in error ? (error.status as number) : undefined,
        requestId: 'requestId' in error ? (error.requestId as string | undefined) : undefined,
        error: error.name,
        latencyMs: clock.now() - attemptStart,
      };
      const stop = (final: ProvisionError, why?: string) => {
        onAttempt(report);
        return final.endAttempts(summary(number), why);
      };

      if (error instanceof AbortedError || !error.retryable) throw stop(error);
      if (
        clock.now() >= deadline ||
        (error instanceof TimeoutError && timeoutMs < policy.attemptTimeoutMs)
      ) {
        throw stop(deadlineExceeded(policy, error));
      }
      const failuresSoFar = number - rateLimitedSoFar;
      const waitedOut = error instanceof RateLimitError && policy.maxAttempts > 1;
      const attemptsLeft =
        number < MAX_ATTEMPTS_IN_ALL && (waitedOut || failuresSoFar < policy.maxAttempts);
      if (!attemptsLeft) {
        throw stop(
          error,
          number >= MAX_ATTEMPTS_IN_ALL
            ? `${MAX_ATTEMPTS_IN_ALL} attempts is the most made`
            : undefined,
        );
      }
      rateLimitedInARow = error instanceof RateLimitError ? rateLimitedInARow + 1 : 0;
      if (error instanceof RateLimitError) rateLimitedSoFar += 1;

      const planned = plannedWait(number, rateLimitedInARow, error, policy, clock);
      const reserve = Math.min(MIN_LAST_ATTEMPT_MS, policy.attemptTimeoutMs);
      const available = deadline - reserve - clock.now();
      const retryAfterMs = error instanceof RateLimitError ? error.retryAfterMs : undefined;
      // After a 429, the random spread on top of Retry-After is trimmed to fit the time left; the
      // platform's own Retry-After is not. Other waits are never trimmed: a shortened backoff
      // would hammer a failing platform right up to the deadline.
      const waitMs =
        retryAfterMs !== undefined && retryAfterMs <= available
          ? Math.min(planned, available)
          : planned;
      const tooLate =
        retryAfterMs !== undefined ? retryAfterMs > available : clock.now() + waitMs >= deadline;
      if (tooLate) {
        // Sleeping to the deadline cannot help; report the real reason now, with its own hint.
        if (retryAfterMs !== undefined) {
          error.hint = `${error.hint} If waiting ${seconds(retryAfterMs)} s is acceptable, raise the time limit.`;
        }
        throw stop(
          error,
          retryAfterMs === undefined
            ? `a further attempt would end past the ${seconds(policy.deadlineMs)} s time limit`
            : retryAfterMs > policy.deadlineMs
              ? `the platform asked to wait ${seconds(retryAfterMs)} s, past the ` +
                `${seconds(policy.deadlineMs)} s time limit`
              : `the platform asked to wait ${seconds(retryAfterMs)} s, with ` +
                `${seconds(Math.max(0, deadline - clock.now()))} s of the ` +
                `${seconds(policy.deadlineMs)} s time limit left for that and another attempt`,
        );
      }
      onAttempt({ ...report, plannedWaitMs: waitMs });
      try {
        await clock.sleep(waitMs, waitSignal());
      } catch (aborted) {
        throw asProvisionError(aborted).endAttempts(summary(number));
      }
    }
  }
}

/**
 * Full jitter: a random wait within a window that doubles per failure. After a 429, the wait is
 * the platform's `Retry-After` plus a random spread, so that many jobs turned away together come
 * back spread out instead of in the same second.
 */
function plannedWait(
  attemptNumber: number,
  rateLimitedInARow: number,
  error: ProvisionError,
  policy: RetryPolicy,
  clock: RetryClock,
): number {
  const doubling = (first: number, max: number, step: number) =>
    Math.min(max, first * 2 ** Math.max(0, step - 1));
  if (error instanceof RateLimitError) {
    // Clients turned away together come back over a few seconds; those turned away again meet
    // the crowd at its densest and spread twice as wide. A client refused a third time is in
    // the tail: the crowd has mostly been served, and a wide window would only leave it waiting
    // after the platform has gone quiet.
    const spread =
      rateLimitedInARow === 2 ? policy.crowdRateLimitSpreadMs : policy.rateLimitSpreadMs;
    return (error.retryAfterMs ?? 0) + Math.floor(clock.random() * spread);
  }
  // A 503 may carry Retry-After too; it is a floor there as well.
  const retryAfterMs =
    'retryAfterMs' in error ? (error.retryAfterMs as number | undefined) : undefined;
  const window = doubling(policy.baseBackoffMs, policy.maxBackoffMs, attemptNumber);
  return (retryAfterMs ?? 0) + Math.floor(clock.random() * window);
}

function deadlineExceeded(policy: RetryPolicy, last: ProvisionError): TimeoutError {
  return new TimeoutError(
    'deadline',
    `No usable answer within the ${seconds(policy.deadlineMs)} s time limit; ` +
      `last problem: ${last.message}`,
    // A timeout with advice of its own (a proxy that opened no tunnel) keeps it.
    {
      cause: last,
      hint:
        last instanceof TimeoutError && last.hint !== TimeoutError.defaultHint('attempt')
          ? last.hint
          : undefined,
    },
  );
}

/** Whole seconds as they are, anything else to a tenth: a 500 ms limit is not "0 s" or "1 s". */
function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function asProvisionError(error: unknown): ProvisionError {
  if (error instanceof ProvisionError) return error;
  return new ProvisionError(
    `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    BUG_HINT,
    { cause: error },
  );
}

/**
 * One log line for an attempt report, e.g. `Attempt 1: HTTP 503 ApiError after 41 ms, request id
 * req_7f3a; retrying in 1.2 s`. For debug logs: it never holds a secret.
 */
export function describeAttempt(report: AttemptReport): string {
  const outcome = report.status === undefined ? report.error : `HTTP ${report.status}`;
  const failure = report.status !== undefined && report.error ? ` ${report.error}` : '';
  const requestId = report.requestId ? `, request id ${report.requestId}` : '';
  const next =
    report.plannedWaitMs === undefined
      ? ''
      : `; retrying in ${(report.plannedWaitMs / 1000).toFixed(1)} s`;
  return `Attempt ${report.attempt}: ${outcome}${failure} after ${report.latencyMs} ms${requestId}${next}`;
}

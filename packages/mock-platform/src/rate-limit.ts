/** The outcome of asking a {@link TokenBucket} for one token. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket that refills continuously at `perSecond` up to `burst` tokens and starts full.
 * Time comes from the injected clock so tests can step it instead of sleeping.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: { perSecond: number; burst: number },
    private readonly now: () => number,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('rateLimit needs perSecond > 0 and burst >= 1');
    }
    this.tokens = limit.burst;
    this.refilledAt = now();
  }

  /** Takes one token if one is available; otherwise says how long until one will be. */
  take(): RateDecision {
    this.refill();

    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    const secondsUntilToken = (1 - this.tokens) / this.limit.perSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsUntilToken)) };
  }

  private refill(): void {
    const current = this.now();
    // A clock that steps backwards must not drain the bucket.
    const elapsedSeconds = Math.max(0, current - this.refilledAt) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.perSecond);
    this.refilledAt = current;
  }
}

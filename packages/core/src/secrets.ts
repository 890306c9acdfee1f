/**
 * The one place that decides what is secret: the platform token and every provisioned key.
 *
 * A registry is told about each secret the moment it is known, reports it to the caller's
 * `onSecret` hook (a GitHub Action masks it there) and scrubs it from any text this package
 * is about to place in an error or a log line. The values live in a private field, so neither
 * `util.inspect` nor `JSON.stringify` of an object holding a registry can reveal them.
 */
export class SecretRegistry {
  /** The token, kept for the registry's whole life. */
  readonly #permanent = new Set<string>();
  /** The newest keys, oldest first; older ones were reported to `onSecret` already. */
  readonly #recent: string[] = [];
  readonly #onSecret: ((value: string) => void) | undefined;
  #pattern: RegExp | undefined;
  #lowered: string[] | undefined;

  /**
   * How many keys are remembered for redaction. A long-running client mints a key per hour or
   * so; remembering every one would make each redaction slower and hold dead keys in memory.
   */
  static readonly RECENT_KEYS = 16;

  constructor(onSecret?: (value: string) => void) {
    this.#onSecret = onSecret;
  }

  /**
   * Marks a value as secret, reporting it once to the `onSecret` hook.
   * @param lifetime - `permanent` for the token; `recent` for keys, of which the newest are kept.
   */
  add(value: string, lifetime: 'permanent' | 'recent' = 'permanent'): void {
    if (value.length === 0 || this.#permanent.has(value) || this.#recent.includes(value)) return;
    if (lifetime === 'permanent') {
      this.#permanent.add(value);
    } else {
      this.#recent.push(value);
      if (this.#recent.length > SecretRegistry.RECENT_KEYS) this.#recent.shift();
    }
    this.#pattern = undefined;
    this.#lowered = undefined;
    this.#onSecret?.(value);
  }

  /**
   * Replaces every occurrence of a known secret in `text` with `***`, ignoring case: a server
   * may echo a secret inside a host name, which URL parsing lower-cases.
   */
  redact(text: string): string {
    // The common case, text holding no secret, costs a few substring searches and no regex.
    if (!this.reveals(text)) return text;
    this.#pattern ??= alternation([...this.#permanent, ...this.#recent]);
    return text.replace(this.#pattern, '***');
  }

  /** Whether `text` holds a known secret, in any case. */
  reveals(text: string): boolean {
    this.#lowered ??= [...this.#permanent, ...this.#recent].map((value) => value.toLowerCase());
    if (this.#lowered.length === 0) return false;
    const lowered = text.toLowerCase();
    return this.#lowered.some((value) => lowered.includes(value));
  }
}

/** One case-insensitive pattern matching any of `values`, longest first so none is cut. */
function alternation(values: string[]): RegExp {
  const escaped = values
    .sort((a, b) => b.length - a.length)
    .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('|'), 'gi');
}

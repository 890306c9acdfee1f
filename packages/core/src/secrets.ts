/**
 * The one place that decides what is secret: the platform token and every provisioned key.
 *
 * A registry is told about each secret the moment it is known, reports it to the caller's
 * `onSecret` hook (a GitHub Action masks it there) and scrubs it from any text this package
 * is about to place in an error or a log line. The values live in a private field, so neither
 * `util.inspect` nor `JSON.stringify` of an object holding a registry can reveal them.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();
  readonly #onSecret: ((value: string) => void) | undefined;

  constructor(onSecret?: (value: string) => void) {
    this.#onSecret = onSecret;
  }

  /** Marks a value as secret, reporting it once to the `onSecret` hook. */
  add(value: string): void {
    if (value.length === 0 || this.#values.has(value)) return;
    this.#values.add(value);
    this.#onSecret?.(value);
  }

  /** Replaces every occurrence of a known secret in `text` with `***`. */
  redact(text: string): string {
    let redacted = text;
    for (const value of this.#values) redacted = redacted.split(value).join('***');
    return redacted;
  }
}

import { ProvisionError } from './errors.js';

/**
 * The shortest value treated as a secret. Masking a shorter one would blank that text wherever
 * it appears in a log (every "true", every "e"), and nothing that short is a usable credential:
 * a token or key below it is refused instead.
 */
export const MIN_SECRET_LENGTH = 8;

/** The caller's `onSecret` hook failed, so the secret could not be masked; nothing is handed out. */
export class SecretHookError extends ProvisionError {
  constructor(cause: unknown) {
    super(
      `The onSecret hook failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      'Fix the onSecret callback; a secret that cannot be masked is not handed out.',
      { cause },
    );
  }
}

/**
 * The one place that decides what is secret: the platform token and every provisioned key.
 *
 * A registry is told about each secret the moment it is known, reports it to the caller's
 * `onSecret` hook (a CI integration masks it there) and scrubs it from any text this package
 * is about to place in an error or a log line. The values live in a private field, so neither
 * `util.inspect` nor `JSON.stringify` of an object holding a registry can reveal them.
 */
export class SecretRegistry {
  /** The token, kept for the registry's whole life. */
  readonly #permanent = new Set<string>();
  /** The newest keys, oldest first; older ones were reported to `onSecret` already. */
  readonly #recent: string[] = [];
  readonly #onSecret: ((value: string) => void) | undefined;
  /** Each secret's pieces, computed once when it is added. */
  readonly #pieces = new Map<string, readonly string[]>();
  /** How many known secrets hold each piece, for a lookup per position of the text. */
  readonly #pieceCounts = new Map<string, number>();

  /**
   * How many keys are remembered for redaction. A long-running client mints a key per hour or
   * so; remembering every one would make each redaction slower and hold dead keys in memory.
   */
  static readonly RECENT_KEYS = 16;

  /**
   * The shortest piece of a secret that is hidden on its own. Long enough that ordinary words
   * do not match by chance, short enough to catch a key a server echoes cut in half.
   */
  static readonly PIECE_LENGTH = 10;

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
      const forgotten = this.#recent.length > SecretRegistry.RECENT_KEYS && this.#recent.shift();
      if (forgotten) this.#forget(forgotten);
    }
    const pieces = piecesOf(value);
    this.#pieces.set(value, pieces);
    for (const piece of pieces)
      this.#pieceCounts.set(piece, (this.#pieceCounts.get(piece) ?? 0) + 1);
    try {
      this.#onSecret?.(value);
    } catch (error) {
      // A secret the caller could not mask must not be handed out: stop here.
      throw new SecretHookError(error);
    }
  }

  /**
   * Hides secrets in `text`: every word (a run of characters other than white space, quotes and
   * URL delimiters) that holds a known secret, or a piece of one at least
   * {@link SecretRegistry.PIECE_LENGTH} characters long, becomes `***`. Case is ignored: a
   * server may echo a secret inside a host name, which URL parsing lower-cases; and a piece
   * counts because servers often echo only part of a key ("invalid key sk-abcd1234…").
   */
  redact(text: string): string {
    // The common case, text holding no secret, costs a few substring searches.
    if (!this.reveals(text)) return text;
    return text.replace(WORD, (word) => (this.reveals(word) ? '***' : word));
  }

  /** Whether `text` holds a known secret, or a piece of one, in any case. */
  reveals(text: string): boolean {
    if (this.#pieces.size === 0) return false;
    const lowered = text.toLowerCase();
    // Pieces all have the same length, so each position of the text is one map lookup; only a
    // secret shorter than a piece is searched for whole.
    const length = SecretRegistry.PIECE_LENGTH;
    for (let start = 0; start + length <= lowered.length; start += 1) {
      if (this.#pieceCounts.has(lowered.slice(start, start + length))) return true;
    }
    for (const secret of this.#pieces.keys()) {
      if (secret.length < length && lowered.includes(secret.toLowerCase())) return true;
    }
    return false;
  }

  #forget(secret: string): void {
    for (const piece of this.#pieces.get(secret) ?? []) {
      const count = (this.#pieceCounts.get(piece) ?? 1) - 1;
      if (count === 0) this.#pieceCounts.delete(piece);
      else this.#pieceCounts.set(piece, count);
    }
    this.#pieces.delete(secret);
  }
}

/** Separators a secret never contains: white space, quotes, brackets and URL delimiters. */
const WORD = /[^\s"'`<>()[\]{},;:/?#@&=|\\]+/g;

/**
 * Every stretch of {@link SecretRegistry.PIECE_LENGTH} characters of a secret, lower-cased; a
 * shorter secret stands for itself. Text holding any of them holds a piece of the secret.
 */
function piecesOf(secret: string): string[] {
  const lowered = secret.toLowerCase();
  const length = Math.min(SecretRegistry.PIECE_LENGTH, lowered.length);
  // A piece that repeats is counted as often as it occurs, and forgotten as often.
  const pieces: string[] = [];
  for (let start = 0; start + length <= lowered.length; start += 1) {
    pieces.push(lowered.slice(start, start + length));
  }
  return pieces;
}

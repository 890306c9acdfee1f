import { randomBytes } from 'node:crypto';

import type { MintedKey } from './platform.js';

/**
 * The longest key lifetime the platform accepts, one year in seconds. Real keys live minutes;
 * the cap keeps every expiry a date that can be written out.
 */
export const MAX_KEY_TTL_SECONDS = 31_536_000;

/**
 * Every key the platform has minted, and which of them the gateway still accepts.
 */
export class KeyStore {
  /** All minted keys in order, including rotated and expired ones. */
  readonly minted: MintedKey[] = [];
  private readonly byApiKey = new Map<string, MintedKey>();
  /** The newest key per organization and client id; older ones have been rotated away. */
  private readonly latest = new Map<string, MintedKey>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_KEY_TTL_SECONDS) {
      const range = `from 1 to ${MAX_KEY_TTL_SECONDS} (a year)`;
      throw new RangeError(`keyTtlSeconds must be a whole number ${range}, got ${ttlSeconds}`);
    }
  }

  /** The unexpired key this client id currently holds in the organization, if any. */
  liveKeyFor(organization: string, clientId: string): MintedKey | undefined {
    const key = this.latest.get(slot(organization, clientId));
    return key !== undefined && this.isLive(key) ? key : undefined;
  }

  /** Mints a key for the client id, retiring any key it held before in that organization. */
  mint(organization: string, clientId: string): MintedKey {
    const expiresAtMs = this.now() + this.ttlSeconds * 1000;
    const key: MintedKey = {
      apiKey: `sk-mock-${randomBytes(16).toString('hex')}`,
      clientId,
      organization,
      expiresAt: new Date(expiresAtMs),
    };

    const previous = this.latest.get(slot(organization, clientId));
    if (previous !== undefined) {
      this.byApiKey.delete(previous.apiKey);
    }
    this.minted.push(key);
    this.byApiKey.set(key.apiKey, key);
    this.latest.set(slot(organization, clientId), key);
    return key;
  }

  /** Whether the gateway should accept this key now: minted here, not rotated, not expired. */
  accepts(apiKey: string): boolean {
    const key = this.byApiKey.get(apiKey);
    return key !== undefined && this.isLive(key);
  }

  private isLive(key: MintedKey): boolean {
    return this.now() < key.expiresAt.getTime();
  }
}

function slot(organization: string, clientId: string): string {
  return JSON.stringify([organization, clientId]);
}

/**
 * Options for {@link startMockPlatform}. Every field is optional; the defaults describe a platform
 * with one token, `test-token`, that may provision keys for one organization, `acme`.
 */
export interface MockPlatformOptions {
  /**
   * Which tokens authenticate, and for which organizations each may provision keys.
   * A record maps each token to its organizations; a plain list lets every token use every
   * known organization. Default `{ 'test-token': ['acme'] }`.
   */
  tokens?: Record<string, string[]> | string[];
  /** Known organizations. Default: every organization named in `tokens`, else `['acme']`. */
  organizations?: string[];
  /** Interface to bind. Default `127.0.0.1`; anything that is not a loopback address is refused. */
  host?: string;
  /** Port to bind. Default `0`, which lets the system choose a free port. */
  port?: number;
  /** Path the API is served under, such as `/platform`. Default `''` (served at the root). */
  pathPrefix?: string;
  /** Lifetime of a minted key, in whole seconds from 1 to 31,536,000 (a year). Default `900`. */
  keyTtlSeconds?: number;
  /** Clock in milliseconds since the epoch, so tests can move time. Default `Date.now`. */
  now?: () => number;
  /** A token bucket shared by every provisioning request; absent means no rate limit. */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * What re-provisioning with a `client_id` that still holds a live key does (per organization).
   * `false` (default) rotates: a new key is minted and the previous one stops working at the
   * gateway. `true` answers 409 until the previous key expires.
   */
  conflictOnReuse?: boolean;
  /**
   * Fault injection. Called for every request to the provisioning path after it is recorded;
   * a returned response is sent instead of the normal handling, `undefined` keeps the normal
   * handling. `index` is the request's position in {@link MockPlatform.requests}.
   */
  respond?: (
    request: RecordedRequest,
    index: number,
  ) => ScriptedResponse | undefined | Promise<ScriptedResponse | undefined>;
}

/** A response chosen by the `respond` hook instead of the platform's normal answer. */
export interface ScriptedResponse {
  /** HTTP status code to answer with. */
  status: number;
  /** Extra response headers; they override the defaults, including `x-request-id`. */
  headers?: Record<string, string>;
  /** Response body. An object is sent as JSON with `content-type: application/json`. */
  body?: string | Buffer | object;
  /** If set, write the body this many bytes at a time with this delay between chunks. */
  trickle?: { chunkBytes: number; intervalMs: number };
  /** Destroy the socket without answering. */
  hangUp?: boolean;
  /** Never answer; the socket stays open until the client gives up or the platform closes. */
  stall?: boolean;
}

/** A request as the platform received it. */
export interface RecordedRequest {
  /** HTTP method, upper case. */
  method: string;
  /** Request target as sent: the path, percent-encoding intact, with any query string. */
  path: string;
  /** Request headers with lower-case names; repeated headers are joined with `, `. */
  headers: Record<string, string>;
  /** Request body decoded as UTF-8. */
  body: string;
  /** When the request was received, by the platform's clock (ms since the epoch). */
  receivedAt: number;
}

/** A key the platform handed out. */
export interface MintedKey {
  /** The secret the gateway accepts as a bearer token. */
  apiKey: string;
  /** The `client_id` it was provisioned for. */
  clientId: string;
  /** The organization it was provisioned for, percent-decoded. */
  organization: string;
  /** When the gateway stops accepting it. */
  expiresAt: Date;
}

/** A running mock platform. */
export interface MockPlatform {
  /** Origin plus path prefix, without a trailing slash, e.g. `http://127.0.0.1:43210`. */
  url: string;
  /** The `base_url` handed out with each key: `${origin}/litellm`. */
  gatewayUrl: string;
  /** Requests to the provisioning path, in arrival order; bodies over 64 KiB are not recorded. */
  requests: RecordedRequest[];
  /** Keys minted so far, in order, including ones since rotated or expired. */
  keys: MintedKey[];
  /** Requests to the gateway, in arrival order. */
  gatewayRequests: RecordedRequest[];
  /** Number of TCP connections accepted so far, to check that clients reuse connections. */
  connections(): number;
  /** Stops listening and destroys every open socket, including stalled ones. */
  close(): Promise<void>;
}

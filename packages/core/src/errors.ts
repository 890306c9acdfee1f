/**
 * Every failure this package reports is a {@link ProvisionError}: a one-line `message`, a
 * `hint` that tells the user what to do, and a subclass a caller can branch on.
 *
 * No message and no enumerable property ever holds the platform token or a provisioned key:
 * server-supplied text passes through the secret registry before it reaches an error.
 */

/** What a validation problem in the error envelope says: where, what, and its machine type. */
export interface FieldError {
  /** Where the problem is, as the server reports it, e.g. `['body', 'client_id']`. */
  loc: ReadonlyArray<string | number>;
  /** Human-readable description. */
  msg: string;
  /** Machine-readable problem type, e.g. `string_pattern_mismatch`. */
  type: string;
}

/** What a failure may carry beside its message: its cause, and advice for this case. */
export interface FailureOptions {
  cause?: unknown;
  hint?: string | undefined;
}

/** How many attempts a failed provisioning made and how long it took in all. */
export interface AttemptSummary {
  /** Attempts made, the first included. */
  attempts: number;
  /** Milliseconds from the start of the first attempt to the end. */
  elapsedMs: number;
}

/** The base of every error this package throws. */
export class ProvisionError extends Error {
  /** What the user should do about it, in one sentence. */
  hint: string;
  /** Attempts made before giving up; set once the retry loop ends. */
  attempts = 1;
  /** Milliseconds from the first attempt to the failure; set once the retry loop ends. */
  elapsedMs = 0;

  /**
   * @param message - what happened, in one line; longer text is cut.
   * @param hint - what the user should do about it, in one sentence: the class's usual advice.
   * @param options - `cause`; and `hint`, advice that fits this case better than the usual one
   * (a proxy at fault rather than the platform).
   */
  constructor(message: string, hint: string, options?: FailureOptions) {
    super(
      clip(oneLine(message), MAX_MESSAGE_LENGTH),
      options && 'cause' in options ? { cause: options.cause } : undefined,
    );
    this.name = new.target.name;
    this.hint = oneLine(options?.hint ?? hint);
  }

  /** Whether another attempt could succeed. */
  get retryable(): boolean {
    return false;
  }

  /**
   * Records how the attempts ended. When there was more than one, or when `why` explains why
   * they stopped early, the message says so, so the single line in a log tells the whole story.
   */
  endAttempts(summary: AttemptSummary, why?: string): this {
    this.attempts = summary.attempts;
    this.elapsedMs = summary.elapsedMs;
    const notes: string[] = [];
    if (summary.attempts > 1) {
      const seconds = (summary.elapsedMs / 1000).toFixed(1);
      notes.push(`after ${summary.attempts} attempts over ${seconds} s`);
    }
    if (why) notes.push(why);
    if (notes.length > 0) this.message = `${this.message} (${notes.join('; ')})`;
    return this;
  }
}

/** An option or argument was unusable; raised before any network call. */
export class InvalidInputError extends ProvisionError {
  /** The option at fault, e.g. `organization`, `clientId`, `apiUrl`. */
  readonly field: string;

  constructor(field: string, message: string, hint?: string) {
    super(message, hint ?? `Fix the ${settingName(field)} setting and run again.`);
    this.field = field;
  }
}

/**
 * How a setting is named to a person: the action's inputs and the command-line flags share these
 * names; library-only options are described instead of spelled as an input that does not exist.
 */
function settingName(field: string): string {
  const described: Record<string, string> = {
    token: 'API token',
    timeoutMs: 'attempt timeout',
    deadlineMs: 'time limit',
    minTtlMs: 'minimum key lifetime',
    refreshBeforeMs: 'refresh margin',
    userAgent: 'user agent',
  };
  return described[field] ?? field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The platform could not be reached: refused, reset, DNS failure, socket hang-up. */
export class ConnectionError extends ProvisionError {
  /** The system error code, e.g. `ECONNREFUSED`, when there is one. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, options?: FailureOptions) {
    super(
      message,
      'Check the api-url and that this machine can reach the platform ' +
        '(proxies are read from HTTPS_PROXY and NO_PROXY).',
      options,
    );
    this.code = code;
  }

  override get retryable(): boolean {
    return true;
  }
}

/** The proxy named by `HTTPS_PROXY`/`HTTP_PROXY` refused to open a tunnel to the platform. */
export class ProxyError extends ProvisionError {
  /** The status the proxy answered the CONNECT with, e.g. 407. */
  readonly proxyStatus: number;

  constructor(message: string, proxyStatus: number, options?: FailureOptions) {
    super(
      message,
      proxyStatus === 407
        ? 'The proxy wants credentials: put them in the proxy URL (http://user:password@proxy:port).'
        : 'Check the proxy in HTTPS_PROXY, or list the platform host in NO_PROXY.',
      options,
    );
    this.proxyStatus = proxyStatus;
  }

  /** A proxy's own failure (5xx) may pass; a refusal (4xx) will not. */
  override get retryable(): boolean {
    return this.proxyStatus >= 500;
  }
}

/** The platform's TLS certificate was not trusted. Not retried: another try meets the same one. */
export class CertificateError extends ProvisionError {
  /** The TLS error code, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  readonly code: string;

  constructor(message: string, code: string, options?: FailureOptions) {
    super(message, certificateHint(code), options);
    this.code = code;
  }
}

/** An attempt, or all attempts together, ran out of time. */
export class TimeoutError extends ProvisionError {
  /** `attempt`: one request exceeded its timeout; `deadline`: the overall time budget ran out. */
  readonly scope: 'attempt' | 'deadline';

  constructor(scope: 'attempt' | 'deadline', message: string, options?: FailureOptions) {
    super(message, TimeoutError.defaultHint(scope), options);
    this.scope = scope;
  }

  /** What to do about a slow platform; a slow proxy gets its own hint. */
  static defaultHint(scope: 'attempt' | 'deadline'): string {
    return scope === 'attempt'
      ? 'The platform was slow to answer; try again or raise the timeout.'
      : 'The platform did not answer in time; try again later or raise the time limit.';
  }

  override get retryable(): boolean {
    return this.scope === 'attempt';
  }
}

/** The caller cancelled the operation through its `AbortSignal`. */
export class AbortedError extends ProvisionError {
  constructor(options?: { cause?: unknown }) {
    super(
      'Provisioning was cancelled',
      'Nothing to fix: the caller cancelled the request.',
      options,
    );
  }
}

/** The platform answered 200, but the body is not a usable key. Never retried. */
export class InvalidResponseError extends ProvisionError {
  /** The response field at fault, when one is, e.g. `expires_at`. */
  readonly field: string | undefined;

  constructor(message: string, field?: string, hint?: string) {
    super(
      message,
      hint ??
        'The platform sent a response this client cannot use; check the api-url, ' +
          'or upgrade this client if the platform has changed.',
    );
    this.field = field;
  }
}

/** What an {@link ApiError} is built from: the parsed (or salvaged) response. */
export interface ApiErrorInit {
  /** The HTTP status. */
  status: number;
  /** The envelope's `type`, or a stand-in such as `http_503` when the body had none. */
  type: string;
  /** The envelope's `detail`, or a short sanitised excerpt of a non-envelope body. */
  detail: string;
  /** The envelope's validation problems. */
  fieldErrors?: readonly FieldError[];
  /** The `x-request-id` response header, when present and well-formed. */
  requestId?: string | undefined;
  /** The `Retry-After` header, in milliseconds, when present and valid. */
  retryAfterMs?: number | undefined;
  /** For redirects: the origin the platform pointed at (the request is never re-sent there). */
  location?: string | undefined;
}

/** The platform answered with an error status. Subclasses name each documented status. */
export class ApiError extends ProvisionError {
  /** The HTTP status the platform answered with. */
  readonly status: number;
  /** The envelope's machine-readable `type` (the field to branch on), or `http_<status>`. */
  readonly type: string;
  /** The envelope's `detail`, or a short sanitised excerpt of a body that was not one. */
  readonly detail: string;
  /** Every validation problem the envelope listed; empty when it listed none. */
  readonly fieldErrors: readonly FieldError[];
  /** The platform's `x-request-id`, when it sent a plain one; quote it to the platform. */
  readonly requestId: string | undefined;
  /** How long the platform asked to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  /** @param hint - what the user should do, for this status. */
  constructor(init: ApiErrorInit, hint: string) {
    super(describeApiError(init), hint);
    this.status = init.status;
    this.type = init.type;
    this.detail = init.detail;
    this.fieldErrors = init.fieldErrors ?? [];
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }

  override get retryable(): boolean {
    return RETRYABLE_STATUSES.has(this.status);
  }
}

/** 400: the request was rejected. */
export class BadRequestError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'The platform rejected the request; check the inputs named in the message.');
  }
}

/** 401: the API token is missing, wrong or expired. */
export class AuthenticationError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      init,
      'The API token is missing, wrong or expired: create a new platform API token and ' +
        'store it as a secret (or try auth-header x-api-key).',
    );
  }
}

/** 403: the token may not provision keys for this organization. */
export class PermissionDeniedError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      init,
      'The API token is valid but may not provision keys for this organization; ' +
        'use a token from a member allowed to provision keys.',
    );
  }
}

/** 404: the organization does not exist or is not visible to this token. */
export class NotFoundError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      init,
      'Check the organization slug and the api-url; the organization must be visible to this token.',
    );
  }
}

/** 409: a key for this client id already exists. */
export class ConflictError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      init,
      'A key for this client id already exists; use another client-id or leave it unset.',
    );
  }
}

/** 422: the platform's validation failed; `fieldErrors` lists each problem. */
export class ValidationError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'Fix the fields listed in the message and run again.');
  }
}

/** 426: this client is too old for the platform. */
export class UpgradeRequiredError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'This client is too old for the platform: upgrade the action or package.');
  }
}

/** 429: rate limited, or out of credits. Retried, honouring `Retry-After`. */
export class RateLimitError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      init,
      'The platform is rate limiting this organization (or it is out of credits); ' +
        'retry later or spread out parallel jobs.',
    );
  }
}

/** 500: a failure on the platform's side. Retried. */
export class InternalServerError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'The platform failed; retry later, and quote the request id if it persists.');
  }
}

/** 502: an upstream failure. Retried. */
export class BadGatewayError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'The platform could not reach an upstream service; retry later.');
  }
}

/** 504: an upstream timeout. Retried. */
export class GatewayTimeoutError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(init, 'The platform timed out waiting for an upstream service; retry later.');
  }
}

function certificateHint(code: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return 'The certificate does not name this host; check the host name in api-url.';
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL')) {
    return 'The server did not speak TLS; check whether api-url should start with http or https.';
  }
  return (
    'The platform certificate is not trusted here; for a private CA set NODE_EXTRA_CA_CERTS ' +
    'to its PEM file.'
  );
}

/** The hint for failures that only a bug can explain. */
export const BUG_HINT = 'This is a bug in provision-litellm-key; please report it with the log.';

/** Statuses whose failures another attempt may cure. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

const API_ERROR_BY_STATUS: Readonly<Record<number, new (init: ApiErrorInit) => ApiError>> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: ValidationError,
  426: UpgradeRequiredError,
  429: RateLimitError,
  500: InternalServerError,
  502: BadGatewayError,
  504: GatewayTimeoutError,
};

/** Builds the typed error for a status: a documented status gets its own class. */
export function apiErrorFor(init: ApiErrorInit): ApiError {
  const ErrorClass = API_ERROR_BY_STATUS[init.status];
  if (ErrorClass) return new ErrorClass(init);
  return new ApiError(init, hintForUndocumentedStatus(init));
}

function hintForUndocumentedStatus(init: ApiErrorInit): string {
  if (init.status >= 300 && init.status < 400) {
    return (
      'The platform redirected the request, which is never followed for a token-bearing POST; ' +
      'set api-url to the final address.'
    );
  }
  if (init.status === 503) return 'The platform is unavailable; retry later.';
  if (init.status >= 500) return 'The platform failed; retry later.';
  return 'The platform refused the request; check the api-url and the inputs.';
}

function describeApiError(init: ApiErrorInit): string {
  const parts = [`Platform answered HTTP ${init.status} (${init.type}): ${init.detail}`];
  if (init.fieldErrors && init.fieldErrors.length > 0) {
    const listed = init.fieldErrors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ');
    // Clipped here rather than by the overall limit, so the request id after it survives.
    parts.push(clip(listed, MAX_FIELD_ERRORS_TEXT));
  }
  if (init.location) parts.push(`redirect to ${init.location}`);
  if (init.requestId) parts.push(`request id ${init.requestId}`);
  return parts.join(' — ');
}

/**
 * The longest message an error starts with. With the attempt summary added later it stays
 * under 1,000 characters, one readable line in a CI log, whatever the server sent.
 */
const MAX_MESSAGE_LENGTH = 900;
const MAX_FIELD_ERRORS_TEXT = 400;

/**
 * Quotes a value a person supplied (or a server sent) for a message: cut to `maxLength`, with
 * invisible characters shown as JSON escapes.
 */
export function quoteForMessage(value: string, maxLength = 80): string {
  return JSON.stringify(clip(value, maxLength));
}

/** Shortens text to `max` characters, marking the cut, without splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Collapses line breaks, runs of white space, terminal escape sequences and invisible format
 * characters (bidirectional overrides among them), so a message stays one honest line in a log.
 */
export function oneLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is removed
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\s\u0000-\u001f\u007f-\u009f\p{Cf}]+/gu, ' ')
      // The Actions runner reads an old form of workflow command, `##[name]`, anywhere in a
      // line of a step's output; a message printed by a command-line tool must not hold one.
      .replace(/##\[/g, '# #[')
      .trim()
  );
}

/**
 * The single line to show a user for any failure: the message, then the hint.
 * Non-{@link ProvisionError} values (bugs) are described without their stack.
 */
export function formatFailure(error: unknown): string {
  if (error instanceof ProvisionError) {
    return `${error.message.replace(/[.\s]+$/, '')}. ${error.hint}`;
  }
  const description = error instanceof Error ? error.message : String(error);
  const firstLine = oneLine(description.split('\n')[0] ?? '').slice(0, 200);
  return `Unexpected failure: ${firstLine}. ${BUG_HINT}`;
}

import type { IncomingHttpHeaders } from 'node:http';
// The mini build of zod v4: the same schemas, a fraction of the start-up cost, which every run of
// the action pays.
import * as z from 'zod/mini';
import { type ApiError, apiErrorFor, clip, type FieldError, oneLine } from './errors.js';
import type { SecretRegistry } from './secrets.js';

/** The parts of an HTTP answer that the error parser reads. */
export interface ErrorResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Where the request went, to resolve a relative `Location`. */
  url: URL;
  /** Milliseconds since the epoch, to read an HTTP-date `Retry-After`. */
  now: number;
}

const fieldErrorSchema = z.object({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});

const envelopeSchema = z.object({
  code: z.optional(z.number()),
  detail: z.string(),
  type: z.string(),
  errors: z.nullish(z.array(z.unknown())),
});

const MAX_DETAIL_LENGTH = 300;
const MAX_EXCERPT_LENGTH = 160;
const MAX_FIELD_ERRORS = 20;
const MAX_ORIGIN_LENGTH = 120;
const SAFE_TOKEN = /^[A-Za-z0-9._:/-]{1,128}$/;

/**
 * Turns any non-success answer into a typed {@link ApiError}. The canonical envelope gives its
 * `type`, `detail` and `errors`; FastAPI's bare `{"detail": …}`, HTML pages, plain text and empty
 * bodies give a short sanitised excerpt. Nothing from the server reaches the error unbounded,
 * over several lines, or with a known secret in it.
 */
export function parseErrorResponse(response: ErrorResponse, secrets: SecretRegistry): ApiError {
  const { status, headers } = response;
  const clean = (text: string, max: number) => clip(secrets.redact(oneLine(text)), max);
  const safe = (value: string | undefined) => safeToken(value, secrets);
  const text = new TextDecoder('utf-8').decode(response.body);
  const json = tryParseJson(text);

  let type = `http_${status}`;
  let detail: string;
  let fieldErrors: FieldError[] = [];

  const envelope = envelopeSchema.safeParse(json);
  if (envelope.success) {
    type = safe(envelope.data.type) ?? type;
    detail = clean(envelope.data.detail, MAX_DETAIL_LENGTH);
    fieldErrors = readFieldErrors(envelope.data.errors ?? [], clean, safe);
  } else if (isObject(json) && typeof json.detail === 'string') {
    detail = clean(json.detail, MAX_DETAIL_LENGTH);
  } else if (isObject(json) && Array.isArray(json.detail)) {
    detail = 'Request validation failed';
    fieldErrors = readFieldErrors(json.detail, clean, safe);
  } else {
    detail = excerpt(text, headers['content-type'], clean);
  }

  return apiErrorFor({
    status,
    type,
    detail: detail || statusPhrase(status),
    fieldErrors,
    requestId: readRequestId(headers, secrets),
    retryAfterMs: parseRetryAfter(headerValue(headers['retry-after']), response.now),
    location: redirectOrigin(status, headerValue(headers.location), response.url, clean),
  });
}

/**
 * The `x-request-id` of any answer, when it is a short, plain token. Anything longer, with
 * spaces or odd characters, or holding a known secret (a hostile server may echo the token) is
 * dropped: the id is shown in logs and kept on errors, where none of that may go.
 */
export function readRequestId(
  headers: IncomingHttpHeaders,
  secrets: SecretRegistry,
): string | undefined {
  return safeToken(headerValue(headers['x-request-id']), secrets);
}

function readFieldErrors(
  entries: readonly unknown[],
  clean: (text: string, max: number) => string,
  safe: (value: string) => string | undefined,
): FieldError[] {
  const fieldErrors: FieldError[] = [];
  for (const entry of entries.slice(0, MAX_FIELD_ERRORS)) {
    const parsed = fieldErrorSchema.safeParse(entry);
    if (!parsed.success) continue;
    fieldErrors.push({
      loc: parsed.data.loc
        .slice(0, 8)
        .map((part) => (typeof part === 'number' ? part : clean(part, 64))),
      msg: clean(parsed.data.msg, MAX_EXCERPT_LENGTH),
      type: safe(parsed.data.type) ?? 'unknown',
    });
  }
  return fieldErrors;
}

function excerpt(
  text: string,
  contentType: string | undefined,
  clean: (text: string, max: number) => string,
): string {
  if (text.trim() === '') return 'empty response body';
  const looksLikeHtml = /html/i.test(contentType ?? '') || /^\s*</.test(text);
  if (!looksLikeHtml) return `body: ${clean(text, MAX_EXCERPT_LENGTH)}`;
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const visible = (title ?? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' '))
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ');
  const cleaned = clean(visible, MAX_EXCERPT_LENGTH);
  return cleaned ? `HTML page: ${cleaned}` : 'an HTML page';
}

/**
 * Reads `Retry-After` as delta-seconds or an HTTP-date, in milliseconds from `now`.
 * Malformed values are ignored rather than trusted.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    // Any run of digits is a delay. One of more than nine digits (31 years and up) is as good
    // as forever, and is held at nine so the arithmetic stays exact.
    const digits = trimmed.replace(/^0+(?=\d)/, '');
    return (digits.length > 9 ? 999_999_999 : Number(digits)) * 1000;
  }
  const httpDate =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
  if (!httpDate.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function redirectOrigin(
  status: number,
  location: string | undefined,
  from: URL,
  clean: (text: string, max: number) => string,
) {
  if (status < 300 || status >= 400 || location === undefined) return undefined;
  try {
    const target = new URL(location, from);
    const isWeb = target.protocol === 'https:' || target.protocol === 'http:';
    // The origin comes from the server: a host name can be long, or spell out the token.
    return isWeb ? clean(target.origin, MAX_ORIGIN_LENGTH) : undefined;
  } catch {
    return undefined;
  }
}

/** A value the server chose, kept only if it is a plain token with no known secret in it. */
function safeToken(value: string | undefined, secrets: SecretRegistry): string | undefined {
  if (value === undefined || !SAFE_TOKEN.test(value)) return undefined;
  return secrets.reveals(value) ? undefined : value;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statusPhrase(status: number): string {
  return `no detail given for status ${status}`;
}

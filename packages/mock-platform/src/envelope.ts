import type { ServerResponse } from 'node:http';

import { sendJson } from './json-response.js';

/** One problem in the envelope's `errors` list, shaped like a pydantic validation error. */
export interface ValidationProblem {
  /** Where the problem is, e.g. `['body', 'client_id']`. */
  loc: (string | number)[];
  /** Human-readable description. */
  msg: string;
  /** Machine-readable kind, e.g. `string_pattern_mismatch`. */
  type: string;
}

/** The machine-readable error types the platform puts in an envelope. */
export type ErrorType =
  | 'bad_request'
  | 'authentication_error'
  | 'permission_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'validation_error'
  | 'upgrade_required'
  | 'rate_limited'
  | 'internal_error'
  | 'bad_gateway'
  | 'gateway_timeout';

/** The platform's canonical error body. */
export interface ErrorEnvelope {
  /** The HTTP status code, repeated. */
  code: number;
  /** Human-readable message. */
  detail: string;
  /** Machine-readable error type. */
  type: ErrorType;
  /** Validation problems, or `null` when there are none. */
  errors: ValidationProblem[] | null;
}

const errorTypeByStatus: Record<number, ErrorType> = {
  400: 'bad_request',
  401: 'authentication_error',
  403: 'permission_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  // The platform documents no type for an oversized body, so it is reported as a bad request.
  413: 'bad_request',
  422: 'validation_error',
  426: 'upgrade_required',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  504: 'gateway_timeout',
};

/**
 * Builds the canonical error envelope for a status, e.g. to return from a `respond` hook.
 * Statuses the platform does not document get the type of their class (4xx `bad_request`,
 * 5xx `internal_error`).
 */
export function errorEnvelope(
  status: number,
  detail: string,
  errors: ValidationProblem[] | null = null,
): ErrorEnvelope {
  const type = errorTypeByStatus[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
  return { code: status, detail, type, errors };
}

/** Answers with an error envelope. */
export function sendEnvelope(
  response: ServerResponse,
  status: number,
  detail: string,
  options: { errors?: ValidationProblem[]; headers?: Record<string, string> } = {},
): void {
  sendJson(
    response,
    status,
    errorEnvelope(status, detail, options.errors ?? null),
    options.headers,
  );
}

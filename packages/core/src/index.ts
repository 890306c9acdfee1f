/**
 * `@provision-litellm-key/core`: mint short-lived LiteLLM virtual keys from an AI platform's
 * provisioning API. It speaks HTTP and the platform's contract only, and runs anywhere: inside a
 * CI action, a command-line tool or a long-running program. The one concession to CI systems is
 * `clientIdFromEnvironment`, which reads a job's identity from the environment when one is there.
 *
 * @packageDocumentation
 */
export { DEFAULT_API_URL, isLoopbackHost, normaliseApiUrl } from './api-url.js';
export {
  type ClientOptions,
  createClient,
  type PlatformClient,
  type ProvisionRequest,
  provisionKey,
} from './client.js';
export {
  assertValidClientId,
  CLIENT_ID_MAX_LENGTH,
  CLIENT_ID_PATTERN,
  clientIdFromEnvironment,
} from './client-id.js';
export { parseRetryAfter } from './envelope.js';
export {
  AbortedError,
  ApiError,
  type ApiErrorInit,
  type AttemptSummary,
  AuthenticationError,
  apiErrorFor,
  BadGatewayError,
  BadRequestError,
  CertificateError,
  ConflictError,
  ConnectionError,
  type FailureOptions,
  type FieldError,
  formatFailure,
  GatewayTimeoutError,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  ProvisionError,
  ProxyError,
  quoteForMessage,
  RateLimitError,
  RETRYABLE_STATUSES,
  TimeoutError,
  UpgradeRequiredError,
  ValidationError,
} from './errors.js';
export {
  createKeyProvider,
  type KeyProvider,
  type KeyProviderOptions,
} from './key-provider.js';
export { type KeyVariable, keyVariables } from './key-variables.js';
export { encodeOrganization } from './organization.js';
export { exitAfterFlush, type FlushableSink } from './process-exit.js';
export { describeProvisionedKey, type ProvisionedKey } from './provisioned-key.js';
export { type AttemptReport, describeAttempt, type RetryClock } from './retry.js';
export { MIN_SECRET_LENGTH } from './secrets.js';
export { type RangedSetting, readWholeNumber, SETTING_RANGES } from './setting-ranges.js';
export { parseRfc3339 } from './timestamp.js';
export { MAX_RESPONSE_BYTES } from './transport.js';
export { VERSION } from './version.js';

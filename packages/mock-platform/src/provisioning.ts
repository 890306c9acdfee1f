import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

import type { AccessPolicy } from './access.js';
import { sendEnvelope } from './envelope.js';
import { sendJson } from './json-response.js';
import type { KeyStore } from './key-store.js';
import { readProvisionBody } from './provision-body.js';
import { formatPythonUtc } from './python-timestamp.js';
import type { TokenBucket } from './rate-limit.js';

/** What the provisioning endpoint needs to answer a request. */
export interface ProvisioningSettings {
  access: AccessPolicy;
  keys: KeyStore;
  /** Absent when no rate limit was asked for. */
  bucket: TokenBucket | undefined;
  conflictOnReuse: boolean;
  /** The `base_url` handed out with each key. */
  gatewayUrl: () => string;
}

/** A request to the provisioning path, already recorded and with its body read. */
export interface ProvisioningRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The organization path segment as sent, still percent-encoded. */
  organizationSegment: string;
  body: string;
}

/**
 * Answers `POST {prefix}/api/v1/org/{org}/inference/keys`. Checks run in the order a caller
 * meets them on the real platform: method, rate limit, token, organization, body, then reuse.
 */
export function answerProvisioning(
  request: ProvisioningRequest,
  response: ServerResponse,
  settings: ProvisioningSettings,
): void {
  if (request.method !== 'POST') {
    sendEnvelope(response, 405, 'Method Not Allowed', { headers: { allow: 'POST' } });
    return;
  }

  const decision = settings.bucket?.take();
  if (decision !== undefined && !decision.allowed) {
    const headers = { 'retry-after': String(decision.retryAfterSeconds) };
    sendEnvelope(response, 429, 'Rate limit exceeded, retry later', { headers });
    return;
  }

  const token = settings.access.authenticate(request.headers);
  if (token === undefined) {
    sendEnvelope(response, 401, 'Authentication failed: missing or unknown API token');
    return;
  }

  const organization = decodeSegment(request.organizationSegment);
  if (organization === undefined) {
    sendEnvelope(response, 400, 'Organization is not a valid percent-encoded path segment');
    return;
  }
  if (!settings.access.knows(organization)) {
    sendEnvelope(response, 404, `Organization '${organization}' not found`);
    return;
  }
  if (!settings.access.allows(token, organization)) {
    const detail = `This token may not provision keys for organization '${organization}'`;
    sendEnvelope(response, 403, detail);
    return;
  }

  const body = readProvisionBody(request.body);
  if ('problems' in body) {
    sendEnvelope(response, 422, 'Request validation failed', { errors: body.problems });
    return;
  }

  if (settings.conflictOnReuse && settings.keys.liveKeyFor(organization, body.clientId)) {
    sendEnvelope(response, 409, `A key for client_id '${body.clientId}' already exists`);
    return;
  }

  const key = settings.keys.mint(organization, body.clientId);
  sendJson(response, 200, {
    api_key: key.apiKey,
    base_url: settings.gatewayUrl(),
    expires_at: formatPythonUtc(key.expiresAt.getTime()),
  });
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { AccessPolicy } from './access.js';
import { sendEnvelope } from './envelope.js';
import { answerGateway, GATEWAY_PATH } from './gateway.js';
import { KeyStore } from './key-store.js';
import { isLoopbackHost } from './loopback.js';
import type { MockPlatform, MockPlatformOptions, RecordedRequest } from './platform.js';
import { answerProvisioning, type ProvisioningSettings } from './provisioning.js';
import { TokenBucket } from './rate-limit.js';
import { MAX_BODY_BYTES, readRequestBody } from './request-body.js';
import { sendScripted } from './scripted-response.js';

/**
 * Starts a mock of the platform's key provisioning API and of the LiteLLM gateway its keys are
 * for, on a loopback port, and resolves once it is listening.
 *
 * @throws Error when `host` is not a loopback address, before anything is bound.
 * @throws RangeError when `keyTtlSeconds` is not a whole number of seconds from 1 to a year, or
 * `rateLimit` is not positive, before anything is bound.
 */
export async function startMockPlatform(options: MockPlatformOptions = {}): Promise<MockPlatform> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`Refusing to bind the mock platform to non-loopback host '${host}'`);
  }
  const now = options.now ?? Date.now;
  const prefix = normalizePrefix(options.pathPrefix ?? '');
  const provisioningRoute = new RegExp(
    `^${escapeRegExp(prefix)}/api/v1/org/([^/]+)/inference/keys$`,
  );

  const keys = new KeyStore(options.keyTtlSeconds ?? 900, now);
  const requests: RecordedRequest[] = [];
  const gatewayRequests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const trickleTimers = new Set<NodeJS.Timeout>();
  let connectionCount = 0;
  let origin = '';

  const settings: ProvisioningSettings = {
    access: new AccessPolicy(options.tokens, options.organizations),
    keys,
    bucket: options.rateLimit === undefined ? undefined : new TokenBucket(options.rateLimit, now),
    conflictOnReuse: options.conflictOnReuse ?? false,
    gatewayUrl: () => `${origin}${GATEWAY_PATH}`,
  };

  const routeOf = (path: string): Route => {
    if (path === GATEWAY_PATH || path.startsWith(`${GATEWAY_PATH}/`)) {
      return { kind: 'gateway' };
    }
    const organizationSegment = provisioningRoute.exec(path)?.[1];
    return organizationSegment === undefined
      ? { kind: 'unknown' }
      : { kind: 'provisioning', organizationSegment };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    response.setHeader('x-request-id', `req_${randomBytes(8).toString('hex')}`);
    const target = request.url ?? '/';
    const path = target.split('?', 1)[0] ?? '/';
    const method = request.method ?? 'GET';
    const route = routeOf(path);

    if (route.kind === 'unknown') {
      sendEnvelope(response, 404, `Not Found: ${method} ${path}`);
      return;
    }

    const body = await readRequestBody(request);
    if (body.tooLarge) {
      sendEnvelope(response, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
      return;
    }
    const recorded: RecordedRequest = {
      method,
      path: target,
      headers: flattenHeaders(request.headers),
      body: body.text,
      receivedAt: now(),
    };

    if (route.kind === 'gateway') {
      gatewayRequests.push(recorded);
      answerGateway(
        { method, path, headers: request.headers, body: body.text },
        response,
        keys,
        now,
      );
      return;
    }

    requests.push(recorded);
    const scripted = await options.respond?.(recorded, requests.length - 1);
    // Plain JavaScript hooks may answer null rather than undefined to mean "carry on".
    if (scripted) {
      sendScripted(response, scripted, trickleTimers);
      return;
    }
    const { organizationSegment } = route;
    answerProvisioning(
      { method, headers: request.headers, organizationSegment, body: body.text },
      response,
      settings,
    );
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      sendEnvelope(response, 500, `Mock platform failed: ${reason}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = originOf(server.address() as AddressInfo);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of trickleTimers) {
        clearTimeout(timer);
      }
      trickleTimers.clear();
      server.close(() => resolve());
      for (const socket of sockets) {
        socket.destroy();
      }
    });
    return closing;
  };

  return {
    url: `${origin}${prefix}`,
    gatewayUrl: settings.gatewayUrl(),
    requests,
    keys: keys.minted,
    gatewayRequests,
    connections: () => connectionCount,
    close,
  };
}

/** Which part of the platform a request path belongs to. */
type Route =
  | { kind: 'gateway' }
  | { kind: 'provisioning'; organizationSegment: string }
  | { kind: 'unknown' };

/** Turns `platform/`, `/platform/` or `/` into `/platform` or `''`. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return flat;
}

function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

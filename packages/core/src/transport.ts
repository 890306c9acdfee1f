import type { Agent, IncomingHttpHeaders } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { AbortedError, InvalidResponseError, type ProvisionError, TimeoutError } from './errors.js';
import type { ProxyRoute } from './proxy-route.js';
import {
  describeProxy,
  type TunnelledRequestOptions,
  tunnellingAgent,
  tunnelTimeout,
} from './proxy-tunnel.js';
import { type FailedPeer, socketFailure } from './socket-failure.js';

/** The largest response body read; anything longer is refused while streaming. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** One HTTP answer, its body read in full. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One POST to send. */
export interface HttpPost {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** Covers connecting, the headers and the whole body. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Sends requests over keep-alive connections, directly or through a proxy tunnel. Redirects are
 * never followed: the token goes only to the configured origin.
 */
export class Transport {
  readonly #agents = new Map<string, Agent>();
  /** How to abandon each request still waiting for its answer, for close(). */
  readonly #inFlight = new Set<(error: ProvisionError) => void>();
  readonly #proxy: ProxyRoute | undefined;

  /** @param proxy - the proxy every request goes through, from {@link proxyRouteFor}. */
  constructor(proxy?: ProxyRoute) {
    this.#proxy = proxy;
  }

  /** Sends one POST and reads the answer, or throws a {@link ProvisionError}. */
  post(request: HttpPost): Promise<HttpAnswer> {
    const { url, signal } = request;
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    const send = url.protocol === 'https:' ? https.request : http.request;

    // Through a proxy, a request given up (timed out, cancelled) also stops waiting for its tunnel.
    const tunnelWanted = this.#proxy ? new AbortController() : undefined;

    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        this.#inFlight.delete(abandon);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (answer) {
          resolve(answer);
        } else {
          tunnelWanted?.abort();
          reject(socketFailure(error, this.#peer(url)));
        }
      };

      const options: TunnelledRequestOptions = {
        method: 'POST',
        agent: this.#agentFor(url),
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        ...(tunnelWanted ? { tunnelSignal: tunnelWanted.signal } : {}),
      };
      const req = send(url, options);
      const abandon = (error: ProvisionError) => {
        finish(error);
        req.destroy(error);
      };
      this.#inFlight.add(abandon);
      // The one timer for the attempt; through a proxy it also gives up the tunnel (above).
      const timer = setTimeout(() => {
        // Without a socket yet, the time went on connecting, or on a proxy opening its tunnel.
        const waitingForTunnel = this.#proxy !== undefined && !req.socket;
        abandon(
          waitingForTunnel
            ? tunnelTimeout(this.#proxy as ProxyRoute, request.timeoutMs)
            : new TimeoutError('attempt', `No complete answer within ${request.timeoutMs} ms`),
        );
      }, request.timeoutMs);
      const onAbort = () => abandon(new AbortedError({ cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (error) => finish(error));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        // A success body over the limit is refused. An error body is cut at the limit instead:
        // only its beginning is ever shown, and the status alone decides whether to retry.
        const refuseOversized = status >= 200 && status < 300;
        const declared = Number(res.headers['content-length']);
        if (declared > MAX_RESPONSE_BYTES && refuseOversized) {
          abandon(tooLarge(status));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received <= MAX_RESPONSE_BYTES) {
            chunks.push(chunk);
          } else if (refuseOversized) {
            abandon(tooLarge(status));
          } else {
            chunks.push(chunk.subarray(0, chunk.length - (received - MAX_RESPONSE_BYTES)));
            finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks) });
            req.destroy();
          }
        });
        res.on('error', (error) => finish(error));
        res.on('close', () => {
          if (!res.complete) finish(new Error('socket hang up'));
        });
        res.on('end', () => {
          if (!res.complete) {
            finish(new Error('socket hang up'));
            return;
          }
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      });
      req.end(request.body);
    });
  }

  /**
   * Abandons the requests still waiting (they fail with {@link AbortedError}) and closes idle
   * keep-alive connections and open tunnels, so the process can exit at once.
   */
  close(): void {
    for (const abandon of this.#inFlight) abandon(new AbortedError());
    this.#inFlight.clear();
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agentFor(url: URL): Agent {
    const key = url.origin;
    let agent = this.#agents.get(key);
    if (!agent) {
      const secure = url.protocol === 'https:';
      if (this.#proxy) agent = tunnellingAgent(this.#proxy, secure);
      else
        agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  #peer(url: URL): FailedPeer {
    const platform = `the platform at ${url.host}`;
    if (!this.#proxy) return { subject: platform, tlsSubject: url.host };
    return {
      subject: `${platform} through ${describeProxy(this.#proxy)}`,
      tlsSubject: url.host,
      hint: `Check the api-url, and ${this.#proxy.variable} or NO_PROXY.`,
    };
  }
}

function tooLarge(status: number): InvalidResponseError {
  return new InvalidResponseError(
    `The platform's answer (HTTP ${status}) is larger than ${MAX_RESPONSE_BYTES} bytes; refused`,
    undefined,
    'Check that api-url points at the platform and not at another service.',
  );
}

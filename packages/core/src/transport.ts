import type { Agent, IncomingHttpHeaders } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import tunnel from 'tunnel';
import {
  AbortedError,
  CertificateError,
  ConnectionError,
  InvalidResponseError,
  ProvisionError,
  ProxyError,
  TimeoutError,
} from './errors.js';

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
 * Sends requests over keep-alive connections, through the proxy that `HTTPS_PROXY`/`NO_PROXY`
 * name. Redirects are never followed: the token goes only to the configured origin.
 */
export class Transport {
  readonly #agents = new Map<string, Agent>();

  /** Sends one POST and reads the answer, or throws a {@link ProvisionError}. */
  post(request: HttpPost): Promise<HttpAnswer> {
    const { url, signal } = request;
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    const send = url.protocol === 'https:' ? https.request : http.request;

    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (answer) resolve(answer);
        else reject(toProvisionError(error, url));
      };

      const req = send(url, {
        method: 'POST',
        agent: this.#agentFor(url),
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
      });
      const abandon = (error: ProvisionError) => {
        finish(error);
        req.destroy(error);
      };
      const timer = setTimeout(() => {
        abandon(new TimeoutError('attempt', `No complete answer within ${request.timeoutMs} ms`));
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
   * Closes idle keep-alive connections so the process can exit at once.
   *
   * Limitation: a proxy tunnel agent has no `destroy`, and a CONNECT the proxy never answers
   * stays open after the attempt has timed out; command-line entry points exit explicitly.
   */
  close(): void {
    for (const agent of this.#agents.values()) {
      if (typeof agent.destroy === 'function') agent.destroy();
    }
    this.#agents.clear();
  }

  #agentFor(url: URL): Agent {
    const key = url.origin;
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = keepAliveAgent(url);
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

/**
 * A keep-alive agent for one origin: direct, or through a CONNECT tunnel when `HTTPS_PROXY` or
 * `HTTP_PROXY` names a proxy that `NO_PROXY` does not exempt. The proxy rules are those of the
 * Actions HTTP client (loopback is never proxied), taken from its proxy module alone: its main
 * module loads undici, tens of milliseconds of start-up that a request made here never uses.
 */
function keepAliveAgent(url: URL): Agent {
  const secure = url.protocol === 'https:';
  const proxy = getProxyUrl(url);
  if (!proxy?.hostname)
    return secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });

  const proxyIsTls = proxy.protocol === 'https:';
  const open = secure
    ? proxyIsTls
      ? tunnel.httpsOverHttps
      : tunnel.httpsOverHttp
    : proxyIsTls
      ? tunnel.httpOverHttps
      : tunnel.httpOverHttp;
  return open({
    // Limitation: with credentials in the proxy URL, the tunnel package encodes them with the
    // deprecated Buffer constructor, and Node prints its DEP0005 warning once to stderr.
    proxy: {
      host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(proxy.port) || (proxyIsTls ? 443 : 80),
      // The proxy module hands back user name and password already percent-decoded.
      ...(proxy.username || proxy.password
        ? { proxyAuth: `${proxy.username}:${proxy.password}` }
        : {}),
    },
  });
}

function tooLarge(status: number): InvalidResponseError {
  return new InvalidResponseError(
    `The platform's answer (HTTP ${status}) is larger than ${MAX_RESPONSE_BYTES} bytes; refused`,
    undefined,
    'Check that api-url points at the platform and not at another service.',
  );
}

const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|TLS|SSL|^EPROTO$/;

/** Names a low-level failure in the user's terms. */
function toProvisionError(error: unknown, url: URL): ProvisionError {
  if (error instanceof ProvisionError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const systemCode = typeof code === 'string' ? code : undefined;
  const where = url.host;
  // The tunnel agent reports a refused CONNECT only in its message.
  const refusedTunnel = /tunneling socket could not be established, statusCode=(\d{3})/.exec(
    String((error as { message?: unknown } | undefined)?.message ?? ''),
  );
  if (refusedTunnel) {
    const status = Number(refusedTunnel[1]);
    return new ProxyError(`The proxy refused a tunnel to ${where} (HTTP ${status})`, status, {
      cause: error,
    });
  }
  if (systemCode && UNTRUSTED_CERTIFICATE.test(systemCode)) {
    return new CertificateError(`TLS connection to ${where} failed (${systemCode})`, systemCode, {
      cause: error,
    });
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EPIPE: 'connection closed while sending',
  };
  // Node's HTTP parser reports an answer it cannot read (a header value with a control
  // character, a service that does not speak HTTP) as HPE_*; the connection itself was fine.
  const unparsable = systemCode?.startsWith('HPE_')
    ? `the answer is not valid HTTP (${systemCode})`
    : undefined;
  const reason =
    (systemCode && reasons[systemCode]) ?? unparsable ?? 'connection closed before a full answer';
  return new ConnectionError(`Could not reach the platform at ${where}: ${reason}`, systemCode, {
    cause: error,
  });
}

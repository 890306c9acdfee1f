import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { ProxyError, TimeoutError } from './errors.js';
import type { ProxyRoute } from './proxy-route.js';
import { socketFailure } from './socket-failure.js';

/** What Node hands an agent's `createConnection`: the request's options, resolved. */
export type TunnelledRequestOptions = http.ClientRequestArgs &
  tls.ConnectionOptions & {
    /**
     * Aborted when the request is given up (its time limit, a cancellation, `close()`), so that
     * its tunnel is no longer waited for.
     */
    tunnelSignal?: AbortSignal;
  };

type ConnectionCallback = (error: Error | null, socket?: Socket) => void;

/** A tunnel the proxy did not open within the attempt's time limit. */
export function tunnelTimeout(route: ProxyRoute, timeoutMs: number): TimeoutError {
  return new TimeoutError(
    'attempt',
    `No tunnel from ${describeProxy(route)} within ${timeoutMs} ms`,
    {
      hint: `Check that the proxy in ${route.variable} is up and lets CONNECT through to the platform.`,
    },
  );
}

/** `the proxy at host:port (HTTPS_PROXY)`, for messages. */
export function describeProxy(route: ProxyRoute): string {
  return `the proxy at ${hostPort(route.host, route.port)} (${route.variable})`;
}

/**
 * A keep-alive agent whose connections are CONNECT tunnels through `route`. Tunnels are pooled
 * like any socket, so a client making many requests opens one tunnel, not one per request. For
 * an https target, TLS runs inside the tunnel end to end with the platform (certificate and host
 * name checked as without a proxy); the proxy sees only the host and port.
 *
 * A CONNECT the proxy leaves unanswered is given up with its request (`tunnelSignal`), and
 * `destroy()` ends any still open, so a stalled proxy cannot keep a process alive.
 */
export function tunnellingAgent(route: ProxyRoute, secureTarget: boolean): http.Agent {
  const agent = secureTarget
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });
  const pending = new Set<http.ClientRequest>();

  // Node waits for the callback when createConnection returns nothing.
  const createConnection = (options: TunnelledRequestOptions, done: ConnectionCallback) => {
    openTunnel(route, options, secureTarget, pending).then(
      (socket) => done(null, secureTarget ? tls.connect({ ...options, socket }) : socket),
      (error: Error) => done(error),
    );
    return undefined;
  };
  Object.assign(agent, { createConnection });

  const destroyPooled = agent.destroy.bind(agent);
  agent.destroy = () => {
    for (const connect of pending) connect.destroy();
    pending.clear();
    destroyPooled();
  };
  return agent;
}

function openTunnel(
  route: ProxyRoute,
  options: TunnelledRequestOptions,
  secureTarget: boolean,
  pending: Set<http.ClientRequest>,
): Promise<Socket> {
  const target = hostPort(
    String(options.host ?? 'localhost'),
    Number(options.port) || (secureTarget ? 443 : 80),
  );
  const proxy = describeProxy(route);
  const send = route.protocol === 'https:' ? https.request : http.request;

  return new Promise<Socket>((resolve, reject) => {
    const connect = send({
      host: route.host,
      port: route.port,
      // The proxy's own certificate is checked against the proxy's name, not the platform's
      // (which Node would otherwise take from the Host header); an address sends no name.
      servername: isIP(route.host) === 0 ? route.host : '',
      method: 'CONNECT',
      path: target,
      agent: false,
      headers: {
        Host: target,
        ...(route.authorization ? { 'Proxy-Authorization': route.authorization } : {}),
      },
    });
    pending.add(connect);
    const { tunnelSignal } = options;
    const giveUp = () => connect.destroy();
    const settle = () => {
      tunnelSignal?.removeEventListener('abort', giveUp);
      pending.delete(connect);
    };
    tunnelSignal?.addEventListener('abort', giveUp, { once: true });

    connect.once('connect', (response, socket, head) => {
      settle();
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        socket.destroy();
        reject(refusal(route, proxy, target, status));
        return;
      }
      // Bytes after the proxy's answer already belong to the tunnel.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    connect.once('error', (error) => {
      settle();
      reject(
        socketFailure(error, {
          subject: proxy,
          tlsSubject: proxy,
          tlsHint:
            `Check ${route.variable}: use http:// for a proxy that does not speak TLS, or trust ` +
            "the proxy's certificate (NODE_EXTRA_CA_CERTS).",
          hint: `Check ${route.variable}, or list the platform host in NO_PROXY.`,
        }),
      );
    });
    connect.end();
  });
}

function refusal(route: ProxyRoute, proxy: string, target: string, status: number): ProxyError {
  const hint =
    status === 407
      ? route.authorization
        ? `The proxy did not accept the credentials in ${route.variable}; check the user name and password there.`
        : `The proxy wants credentials: put them in ${route.variable} (http://user:password@host:port).`
      : `Check ${route.variable}, or list the platform host in NO_PROXY.`;
  return new ProxyError(
    `${capitalised(proxy)} refused a tunnel to ${target} (HTTP ${status})`,
    status,
    {
      hint,
    },
  );
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

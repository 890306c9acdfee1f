import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { ProxyError, TimeoutError } from './errors.js';
import type { ProxyRoute } from './proxy-route.js';
import { socketFailure } from './socket-failure.js';

/** What Node hands an agent's `createConnection`: the request's options, resolved. */
export type TunnelledRequestOptions = http.ClientRequestArgs &
  tls.ConnectionOptions & {
    /** How long the proxy may take to open the tunnel; the attempt's own time limit. */
    tunnelTimeoutMs?: number;
  };

type ConnectionCallback = (error: Error | null, socket?: Socket) => void;

/** The message for a tunnel that was not opened in time. */
export function noTunnelWithin(route: ProxyRoute, timeoutMs: number): string {
  return `No tunnel from ${describeProxy(route)} within ${timeoutMs} ms`;
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
 * A CONNECT the proxy leaves unanswered is given up after the request's `tunnelTimeoutMs`, and
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
      method: 'CONNECT',
      path: target,
      agent: false,
      headers: {
        Host: target,
        ...(route.authorization ? { 'Proxy-Authorization': route.authorization } : {}),
      },
    });
    pending.add(connect);
    const settle = () => {
      clearTimeout(timer);
      pending.delete(connect);
    };
    const timeoutMs = options.tunnelTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      connect.destroy(new TimeoutError('attempt', noTunnelWithin(route, timeoutMs)));
    }, timeoutMs);

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

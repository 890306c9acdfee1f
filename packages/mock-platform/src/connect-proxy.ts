import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';

/** How the proxy answers each CONNECT. */
export interface ConnectProxyOptions {
  /**
   * Port on 127.0.0.1 that every tunnel leads to, whatever host the client asked for; the
   * client can then name a platform that only exists behind the proxy. Without it the proxy
   * accepts CONNECTs and never answers them.
   */
  targetPort?: number | undefined;
  /** Refuse every CONNECT with this status (407, 502, ...) instead of opening a tunnel. */
  refuseWith?: number | undefined;
  /** Answer every CONNECT with these bytes, then close: a proxy that does not speak HTTP. */
  rawAnswer?: string | undefined;
  /** Serve the proxy itself over TLS (an `https://` proxy) with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer } | undefined;
}

/** One CONNECT the proxy received. */
export interface RecordedConnect {
  /** `host:port` the client asked for. */
  target: string;
  headers: IncomingHttpHeaders;
}

/** A forward proxy on loopback, for tests of clients that honour `HTTPS_PROXY`. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, or `https://` when served over TLS. */
  url: string;
  connects: RecordedConnect[];
  /** Client connections currently open to the proxy. */
  openConnections(): number;
  /** Resolves once no client connection to the proxy is open. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a CONNECT proxy on 127.0.0.1 on a port the system picks. Tunnels only ever lead to
 * 127.0.0.1, so a test can name any host without a packet leaving the machine.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const { targetPort, refuseWith, rawAnswer, tls } = options;
  const connects: RecordedConnect[] = [];
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let onIdle: (() => void)[] = [];
  const refuseOtherMethods = (
    _request: unknown,
    response: { writeHead(status: number): { end(): void } },
  ) => response.writeHead(405).end();
  const server = tls ? createTlsServer(tls, refuseOtherMethods) : createServer(refuseOtherMethods);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    clients.add(socket);
    socket.on('close', () => {
      clients.delete(socket);
      if (clients.size > 0) return;
      for (const resolve of onIdle) resolve();
      onIdle = [];
    });
  });
  server.on('connect', (request, client: Socket) => {
    connects.push({ target: request.url ?? '', headers: request.headers });
    client.on('error', () => client.destroy());
    // The HTTP server keeps sockets half-open; a client that hangs up is gone for good.
    client.on('end', () => client.destroy());
    if (rawAnswer !== undefined) {
      client.end(rawAnswer);
      return;
    }
    if (refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (targetPort === undefined) return;
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    connects,
    openConnections: () => clients.size,
    idle: () =>
      clients.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onIdle.push(resolve);
          }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

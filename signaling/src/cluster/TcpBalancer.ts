import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createLogger } from '@madoguchi/protocol/logger';

const logger = createLogger('balancer');

/** A backend that does not accept a connection in this time is passed over for this client. */
const CONNECT_TIMEOUT_MS = 2_000;

export interface Backend {
  host: string;
  port: number;
}

export interface TcpBalancerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  backends: Backend[];
  /**
   * round-robin: each connection starts at the next backend (spreads the nodes' sockets);
   * in-order: the first backend that accepts (a primary and its stand-ins).
   * Either way a backend that refuses or does not answer is passed over for the next.
   */
  pick: 'round-robin' | 'in-order';
}

/**
 * A tiny TCP load balancer for a cluster on one machine (npm run start:cluster) and its tests:
 * each client connection is piped to a live signaling node, as it came — TLS, HTTP and WebSocket
 * alike, so each node keeps its own certificate and sees the WebSocket upgrade. No stickiness is
 * needed: the browsers' sockets are WebSocket-only, and any node takes any request. A node that
 * dies drops its connections; the clients connect again and reach a live one. In production a
 * real balancer (HAProxy, nginx stream, a cloud's) takes this place.
 */
export class TcpBalancer {
  readonly #server: Server;
  readonly #options: TcpBalancerOptions;
  readonly #sockets = new Set<Socket>();
  #next = 0;

  private constructor(server: Server, options: TcpBalancerOptions) {
    this.#server = server;
    this.#options = options;
  }

  static async start(options: TcpBalancerOptions): Promise<TcpBalancer> {
    if (options.backends.length === 0) throw new Error('a balancer needs at least one backend');
    const server = createServer();
    const balancer = new TcpBalancer(server, options);
    server.on('connection', (client) => balancer.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, resolve);
    });
    return balancer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection it carries. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    this.#track(client);
    client.pause(); // what the client sends first waits for the backend
    client.on('error', () => client.destroy());
    const { backends, pick } = this.#options;
    const first = pick === 'round-robin' ? this.#next++ % backends.length : 0;
    const order = backends.map((_, i) => backends[(first + i) % backends.length]!);
    void this.#connectFirst(order).then((upstream) => {
      if (!upstream) {
        logger.warn(`no node accepted a connection (${backends.map(({ host, port }) => `${host}:${port}`).join(', ')})`);
        return client.destroy();
      }
      if (client.destroyed) return upstream.destroy();
      this.#track(upstream);
      upstream.on('error', () => client.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  async #connectFirst(order: Backend[]): Promise<Socket | undefined> {
    for (const backend of order) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const attempt = connect(backend.port, backend.host);
        const timer = setTimeout(() => {
          attempt.destroy();
          resolve(undefined);
        }, CONNECT_TIMEOUT_MS);
        attempt.once('connect', () => {
          clearTimeout(timer);
          attempt.removeAllListeners('error');
          resolve(attempt);
        });
        attempt.once('error', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      if (socket) return socket;
    }
    return undefined;
  }
}

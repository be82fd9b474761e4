import type { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Principal } from '../auth/principal.ts';
import type { Connection } from '../gateway/handlers.ts';
import type { SignalingBackend } from '../gateway/SignalingBackend.ts';
import type { GuestBackend } from '../guests/GuestGateway.ts';
import type { GuestPrincipal } from '../guests/GuestDesk.ts';
import { sayToRedisOnClose } from './askRedis.ts';

const logger = createLogger('edge-sockets');

/** How long an edge's heartbeat lasts without renewal: a dead edge's sockets are counted out after it. */
export const EDGE_HEARTBEAT_MS = 5_000;

const heartbeatKey = (nodeId: string) => `madoguchi:edge:${nodeId}`;

/**
 * An edge node's sign of life: a key with an expiry, renewed every third of it. A node that dies
 * cannot say that its sockets are gone; its key lapsing says it for it (EdgeSockets, on the owner).
 * close() deletes the key: an edge that stops on purpose has told the owner of each socket already.
 */
export class EdgeHeartbeat {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(redis: Redis, nodeId: string, ttlMs = EDGE_HEARTBEAT_MS) {
    this.#redis = redis;
    this.#key = heartbeatKey(nodeId);
    this.#ttlMs = ttlMs;
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), ttlMs / 3);
  }

  #beat(): void {
    // A beat Redis did not take is retried by the next; three in a row and the owner counts this edge out.
    this.#redis.set(this.#key, '1', 'PX', this.#ttlMs).catch((error: unknown) => logger.warn('heartbeat not renewed:', (error as Error).message));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await sayToRedisOnClose(() => this.#redis.del(this.#key));
  }
}

interface RelayedSocket {
  edge: string;
  principal: Principal;
  connection: Connection;
  /** Counted in the domain: connected and not yet disconnected (a superseded console no longer counts). */
  counted: boolean;
}

/** A guest's connections through one edge (the desk counts a guest's connections, wherever they are). */
interface RelayedGuest {
  edge: string;
  guest: GuestPrincipal;
  connections: number;
}

/**
 * On the city's owner: the sockets edge nodes relayed to it, by edge, so that the sockets of an edge
 * whose heartbeat lapsed (the node died, or lost Redis) are counted out and closed in the domain as
 * if each had disconnected — the resume windows then apply, as for a tablet whose network dropped.
 * Every relayed call passes through it (from, guestsFrom) on its way to the backend; guests by link
 * are counted out the same way.
 */
export class EdgeSockets {
  readonly #backend: SignalingBackend;
  readonly #guestBackend: GuestBackend;
  readonly #redis: Redis;
  readonly #sockets = new Map<string, RelayedSocket>();
  readonly #guests = new Map<string, RelayedGuest>();
  readonly #timer: ReturnType<typeof setInterval>;
  #checking = false;

  constructor(backend: SignalingBackend, guests: GuestBackend, redis: Redis, checkEveryMs = 1_000) {
    this.#backend = backend;
    this.#guestBackend = guests;
    this.#redis = redis;
    this.#timer = setInterval(() => void this.#countOutLapsedEdges(), checkEveryMs);
  }

  /** The backend as `edge`'s calls reach it: every socket it counts in is kept under that edge. */
  from(edge: string): SignalingBackend {
    return {
      connected: (principal, connection) => {
        this.#sockets.set(connection.id, { edge, principal, connection, counted: true });
        this.#backend.connected(principal, connection);
      },
      disconnected: (principal, connection) => this.#disconnected(principal, connection),
      socketClosed: (connection) => this.#socketClosed(connection),
      message: (principal, connection, event, payload) => this.#backend.message(principal, connection, event, payload),
    };
  }

  /** The guests' backend as `edge`'s calls reach it: every guest connection is kept under that edge. */
  guestsFrom(edge: string): GuestBackend {
    const key = (guest: GuestPrincipal) => `${edge}\n${guest.guestId}`;
    return {
      admit: (token, claim) => this.#guestBackend.admit(token, claim),
      connected: (guest, claim) => {
        const relayed = this.#guests.get(key(guest)) ?? { edge, guest, connections: 0 };
        relayed.connections += 1;
        this.#guests.set(key(guest), relayed);
        this.#guestBackend.connected(guest, claim);
      },
      disconnected: (guest) => {
        const relayed = this.#guests.get(key(guest));
        if (relayed && --relayed.connections <= 0) this.#guests.delete(key(guest));
        this.#guestBackend.disconnected(guest);
      },
      message: (guest, host, event, payload) => this.#guestBackend.message(guest, host, event, payload),
    };
  }

  // A superseded console may be on another edge than the call that counts it out: found by its id.
  #disconnected(principal: Principal, connection: Connection): void {
    const socket = this.#sockets.get(connection.id);
    if (socket) socket.counted = false;
    this.#backend.disconnected(principal, connection);
  }

  #socketClosed(connection: Connection): void {
    this.#sockets.delete(connection.id);
    this.#backend.socketClosed(connection);
  }

  /** The relayed sockets (guests' connections among them) now, by edge (for tests and the live views). */
  countsByEdge(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { edge } of this.#sockets.values()) counts.set(edge, (counts.get(edge) ?? 0) + 1);
    for (const { edge, connections } of this.#guests.values()) counts.set(edge, (counts.get(edge) ?? 0) + connections);
    return counts;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #countOutLapsedEdges(): Promise<void> {
    if (this.#checking || (this.#sockets.size === 0 && this.#guests.size === 0)) return;
    this.#checking = true;
    try {
      const edges = [...new Set([...this.#sockets.values(), ...this.#guests.values()].map(({ edge }) => edge))];
      const alive = await this.#redis.mget(edges.map(heartbeatKey));
      for (const [i, edge] of edges.entries()) {
        if (alive[i] !== null) continue;
        const lost = [...this.#sockets.values()].filter((socket) => socket.edge === edge);
        logger.warn(`edge ${edge}: no heartbeat; its ${lost.length} socket(s) are counted out`);
        for (const socket of lost) {
          if (socket.counted) this.#disconnected(socket.principal, socket.connection);
          this.#socketClosed(socket.connection);
        }
        for (const [key, relayed] of [...this.#guests]) {
          if (relayed.edge !== edge) continue;
          logger.warn(`edge ${edge}: guest ${relayed.guest.guestId}'s ${relayed.connections} connection(s) counted out`);
          this.#guests.delete(key);
          for (let i = 0; i < relayed.connections; i++) this.#guestBackend.disconnected(relayed.guest);
        }
      }
    } catch (error) {
      // Redis unreachable: no verdict on any edge (their sockets stay counted) until it answers again.
      logger.warn('edge heartbeats not checked:', (error as Error).message);
    } finally {
      this.#checking = false;
    }
  }
}

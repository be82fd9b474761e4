import type { Ack, ClientEventName } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Principal } from '../auth/principal.ts';
import type { Connection } from '../gateway/handlers.ts';
import type { SignalingBackend } from '../gateway/SignalingBackend.ts';
import type { GuestBackend } from '../guests/GuestGateway.ts';
import { askRedis } from './askRedis.ts';
import { OwnerLease } from './OwnerLease.ts';
import type { SharedRedis } from './SharedRedis.ts';
import { CITY, RelayBackend, RelayedSocketsServer, type LostCall } from './SocketRelay.ts';

const logger = createLogger('cluster');

/** How long a dead owner's lease lasts before another node may take the city. */
export const CITY_LEASE_MS = 5_000;
/** After a failed take-over (the database did not answer), the lease is given up and tried for again after this. */
const RETRY_TAKEOVER_MS = 2_000;

export interface ClusterNodeOptions {
  redis: SharedRedis;
  nodeId: string;
  /** Builds the city here (the restart path: open consultations held, to be resumed) and returns its backends. */
  becomeOwner(): Promise<{ sockets: SignalingBackend; guests: GuestBackend }>;
  /**
   * A new owner runs the city from now — this node, about to build it, or another node: this node's
   * sockets, counted by the old owner, are to connect again so that the new one counts them (as after
   * a restart). This node's own go before the city's restore pushes anything they would take for the
   * truth of their call.
   */
  ownerChanged(): void;
  /** This node held the city and lost its lease (another may run it now): it must stop running it. */
  leaseLost(): void;
  /** A call of this edge's sockets the owner did not take in time. */
  relayLost: LostCall;
  leaseMs?: number;
}

/**
 * A signaling node among others sharing a Redis. While another node holds the city's lease this one
 * is an edge: its sockets are relayed to that owner. When the lease is free (the owner died or
 * stopped) and this node takes it, it becomes the owner in place: the city is built here, the
 * gateway's backend becomes the local one, and the other edges' sockets are served here.
 */
export class ClusterNode {
  readonly #options: ClusterNodeOptions;
  readonly #backend: SignalingBackend;
  #current: SignalingBackend;
  readonly #guestBackend: GuestBackend;
  #currentGuests: GuestBackend;
  #relay: RelayBackend | undefined;
  #relayedSockets: RelayedSocketsServer | undefined;
  #lease: OwnerLease;
  #promotion: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** An edge watches who holds the lease: a new owner knows nothing of the sockets relayed to the old one. */
  readonly #ownerWatch: ReturnType<typeof setInterval>;
  #knownOwner: string | null = null;
  #closed = false;

  private constructor(options: ClusterNodeOptions, relay: RelayBackend) {
    this.#options = options;
    this.#relay = relay;
    this.#current = relay;
    this.#currentGuests = relay.guests;
    this.#lease = this.#newLease();
    this.#ownerWatch = setInterval(() => void this.#watchOwner(), Math.floor((options.leaseMs ?? CITY_LEASE_MS) / 3));
    // The gateway keeps this one; what it forwards to changes at the promotion.
    this.#backend = {
      connected: (principal: Principal, connection: Connection) => this.#current.connected(principal, connection),
      disconnected: (principal: Principal, connection: Connection) => this.#current.disconnected(principal, connection),
      socketClosed: (connection: Connection) => this.#current.socketClosed(connection),
      message: (principal: Principal, connection: Connection, event: ClientEventName, payload: unknown): Promise<Ack<unknown>> =>
        this.#current.message(principal, connection, event, payload),
    };
    this.#guestBackend = {
      admit: (token, claim) => this.#currentGuests.admit(token, claim),
      connected: (guest, claim) => this.#currentGuests.connected(guest, claim),
      disconnected: (guest) => this.#currentGuests.disconnected(guest),
      message: (guest, host, event, payload) => this.#currentGuests.message(guest, host, event, payload),
    };
  }

  /** Starts as an edge and tries for the lease; resolves once the first try (and a promotion it won) is done. */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const relay = await RelayBackend.start({ redis: options.redis, nodeId: options.nodeId, onLost: options.relayLost });
    const node = new ClusterNode(options, relay);
    await node.#lease.start();
    await node.#promotion;
    await node.#watchOwner(); // the owner its first sockets are relayed to
    return node;
  }

  /** The gateway's backend: a relay to the owner, or the city's own once this node runs it. */
  get backend(): SignalingBackend {
    return this.#backend;
  }

  /** The guests' gateway's backend, likewise. */
  get guestBackend(): GuestBackend {
    return this.#guestBackend;
  }

  /** While this node takes the city over: settles once it runs it (or gave up). */
  get promotion(): Promise<void> | undefined {
    return this.#promotion;
  }

  /** Whether this node runs the city now. */
  get owner(): boolean {
    return this.#relayedSockets !== undefined;
  }

  /** The sockets edge nodes relayed here, by edge (empty on an edge). */
  relayedSocketsByEdge(): Map<string, number> {
    return this.#relayedSockets?.relayedSocketsByEdge() ?? new Map();
  }

  /** The owner stops taking the edges' calls (they are UNAVAILABLE until a successor takes the lease). */
  async stopServing(): Promise<void> {
    const served = this.#relayedSockets;
    this.#relayedSockets = undefined;
    await served?.close();
  }

  /** Releases the lease (a successor takes the city at once) and stops relaying. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#ownerWatch);
    await this.#promotion;
    await this.stopServing();
    await this.#lease.close();
    await this.#relay?.close();
  }

  #newLease(): OwnerLease {
    return new OwnerLease({
      redis: this.#options.redis.commands,
      name: CITY,
      nodeId: this.#options.nodeId,
      ttlMs: this.#options.leaseMs ?? CITY_LEASE_MS,
      onAcquired: () => {
        const promotion = this.#promote()
          .catch((error: unknown) => logger.error('the take-over of the city failed:', error))
          .finally(() => {
            if (this.#promotion === promotion) this.#promotion = undefined;
          });
        this.#promotion = promotion;
      },
      onLost: () => {
        // Its relay is gone once the city runs here: the city must stop here.
        if (this.#relay === undefined) this.#options.leaseLost();
      },
    });
  }

  async #watchOwner(): Promise<void> {
    if (this.#closed || this.owner || this.#promotion) return;
    const holder = await askRedis(() => OwnerLease.holderOf(this.#options.redis.commands, CITY), 'cannot read the lease').catch(() => null);
    // No holder (a take-over under way) or a Redis that does not answer: nothing is known yet.
    if (holder === null || holder === this.#options.nodeId || this.#closed) return;
    if (this.#knownOwner !== null && holder !== this.#knownOwner) {
      logger.info(`${holder} runs the city now (was ${this.#knownOwner}): this node's sockets connect again`);
      this.#options.ownerChanged();
    }
    this.#knownOwner = holder;
  }

  async #promote(): Promise<void> {
    this.#options.ownerChanged();
    let local: { sockets: SignalingBackend; guests: GuestBackend };
    try {
      local = await this.#options.becomeOwner();
    } catch (error) {
      logger.error('cannot run the city here; giving the lease up to try again:', error);
      await this.#lease.close();
      if (!this.#closed) {
        this.#lease = this.#newLease();
        this.#retryTimer = setTimeout(() => void this.#lease.start(), RETRY_TAKEOVER_MS);
      }
      return;
    }
    this.#current = local.sockets;
    this.#currentGuests = local.guests;
    const relay = this.#relay;
    this.#relay = undefined;
    await relay?.close();
    this.#relayedSockets = await RelayedSocketsServer.start({ redis: this.#options.redis, nodeId: this.#options.nodeId, backend: local.sockets, guests: local.guests });
    logger.info(`${this.#options.nodeId} runs the city`);
  }
}

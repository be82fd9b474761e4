import { z } from 'zod';
import { ErrorCode, GuestRefusalReason, ProtocolError, StaffRole, isClientEventName, type Ack, type ClientEventName, type GuestEventName } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Principal } from '../auth/principal.ts';
import type { Connection } from '../gateway/handlers.ts';
import type { SignalingBackend } from '../gateway/SignalingBackend.ts';
import { isGuestEvent, type GuestAdmission, type GuestBackend } from '../guests/GuestGateway.ts';
import { EdgeHeartbeat, EdgeSockets } from './EdgeSockets.ts';
import { OwnerChannel } from './OwnerChannel.ts';
import type { SharedRedis } from './SharedRedis.ts';

const logger = createLogger('socket-relay');

/** How long a relayed message may wait for the owner's answer (a consultation's set-up included). */
const MESSAGE_TIMEOUT_MS = 15_000;
/** A connection or a disconnection the owner did not take in this time is reported lost (RelayBackend's onLost). */
const LIFECYCLE_TIMEOUT_MS = 5_000;

const PrincipalSchema: z.ZodType<Principal> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), deviceId: z.string(), siteId: z.string(), siteName: z.string() }),
  z.object({
    kind: z.literal('staff'),
    sessionId: z.string(),
    staffId: z.string(),
    role: StaffRole,
    displayName: z.string(),
    departmentIds: z.array(z.string()),
    secondaryDepartmentIds: z.array(z.string()),
  }),
]);

// JSON leaves out an undefined host.
const ConnectionSchema = z.object({ id: z.string(), host: z.string().optional() }).transform((connection): Connection => ({ id: connection.id, host: connection.host }));

const GuestPrincipalSchema = z.object({ guestId: z.string(), consultationId: z.string() });

const GuestAdmissionSchema: z.ZodType<GuestAdmission> = z.discriminatedUnion('admitted', [
  z.object({ admitted: z.literal(true), guest: GuestPrincipalSchema, claim: z.string() }),
  z.object({ admitted: z.literal(false), reason: GuestRefusalReason }),
]);

/**
 * What an edge node sends its city's owner about one of its sockets: the SignalingBackend's and
 * GuestBackend's calls, as data. JSON leaves out what is undefined (a message without a payload, a
 * link opened without a claim), hence the optional unknowns.
 */
const RelayedCall = z.discriminatedUnion('call', [
  z.object({ call: z.literal('connected'), edge: z.string(), principal: PrincipalSchema, connection: ConnectionSchema }),
  z.object({ call: z.literal('disconnected'), edge: z.string(), principal: PrincipalSchema, connection: ConnectionSchema }),
  z.object({ call: z.literal('socketClosed'), edge: z.string(), connection: ConnectionSchema }),
  z.object({
    call: z.literal('message'),
    edge: z.string(),
    principal: PrincipalSchema,
    connection: ConnectionSchema,
    event: z.string().refine(isClientEventName, 'not a client event'),
    payload: z.unknown().optional(),
  }),
  z.object({ call: z.literal('guestAdmit'), edge: z.string(), token: z.unknown().optional(), claim: z.unknown().optional() }),
  z.object({ call: z.literal('guestConnected'), edge: z.string(), guest: GuestPrincipalSchema, claim: z.string() }),
  z.object({ call: z.literal('guestDisconnected'), edge: z.string(), guest: GuestPrincipalSchema }),
  z.object({
    call: z.literal('guestMessage'),
    edge: z.string(),
    guest: GuestPrincipalSchema,
    host: z.string().optional(),
    event: z.string().refine(isGuestEvent, 'not an event a guest may send'),
    payload: z.unknown().optional(),
  }),
]);
type RelayedCall = z.infer<typeof RelayedCall>;

const AckSchema: z.ZodType<Ack<unknown>> = z.union([
  z.object({ ok: z.literal(true), data: z.unknown().optional() }),
  z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode, message: z.string() }) }),
]) as z.ZodType<Ack<unknown>>;

/** A connection, disconnection or socket's end the owner did not take in time (none answered, or Redis cut). */
export type LostCall = (what: 'connected' | 'disconnected' | 'socketClosed', error: unknown, connection: Connection) => void;

/**
 * The backend of an edge node: a signaling node that does not run the city passes its sockets'
 * connections, disconnections and messages to the node that does (the owner of the city's lease),
 * through the OwnerChannel; pushes come back through socket.io's Redis adapter. The ack is the
 * owner's; no owner in time (a take-over under way, Redis cut) is UNAVAILABLE, for the client to retry.
 * Its heartbeat tells the owner it is alive: when it lapses, the owner counts its sockets out.
 */
export class RelayBackend implements SignalingBackend {
  readonly #channel: OwnerChannel;
  readonly #heartbeat: EdgeHeartbeat;
  readonly #edge: string;
  readonly #onLost: LostCall;
  readonly #messageTimeoutMs: number;
  #closed = false;
  /** The guests' sockets of this edge, relayed the same way. */
  readonly guests: GuestBackend;

  private constructor(channel: OwnerChannel, heartbeat: EdgeHeartbeat, nodeId: string, onLost: LostCall, messageTimeoutMs: number) {
    this.#channel = channel;
    this.#heartbeat = heartbeat;
    this.#edge = nodeId;
    this.#onLost = onLost;
    this.#messageTimeoutMs = messageTimeoutMs;
    const edge = nodeId;
    const tellGuest = (call: RelayedCall) =>
      void channel.request(call, LIFECYCLE_TIMEOUT_MS).catch((error: unknown) => {
        if (!this.#closed) logger.warn(`the owner did not take a guest's ${call.call}: ${(error as Error).message}`);
      });
    this.guests = {
      admit: async (token, claim) => {
        const admission = GuestAdmissionSchema.safeParse(await channel.request({ call: 'guestAdmit', edge, token, claim } satisfies RelayedCall, LIFECYCLE_TIMEOUT_MS));
        if (!admission.success) throw new Error('a malformed admission from the owner');
        return admission.data;
      },
      connected: (guest, claim) => tellGuest({ call: 'guestConnected', edge, guest, claim }),
      disconnected: (guest) => tellGuest({ call: 'guestDisconnected', edge, guest }),
      message: (guest, host, event, payload) => this.#ask({ call: 'guestMessage', edge, guest, host, event, payload }),
    };
  }

  /** `onLost`: a connection or disconnection the owner did not take in time. close() ends the channel and the heartbeat. */
  static async start({
    redis,
    nodeId,
    onLost,
    messageTimeoutMs = MESSAGE_TIMEOUT_MS,
    heartbeatMs,
  }: {
    redis: SharedRedis;
    nodeId: string;
    onLost: LostCall;
    messageTimeoutMs?: number;
    heartbeatMs?: number;
  }): Promise<RelayBackend> {
    const channel = await OwnerChannel.open({ redis: redis.commands, subscriber: redis.subscriber, name: CITY, nodeId });
    return new RelayBackend(channel, new EdgeHeartbeat(redis.commands, nodeId, heartbeatMs), nodeId, onLost, messageTimeoutMs);
  }

  connected(principal: Principal, connection: Connection): void {
    this.#tell({ call: 'connected', edge: this.#edge, principal, connection });
  }

  disconnected(principal: Principal, connection: Connection): void {
    this.#tell({ call: 'disconnected', edge: this.#edge, principal, connection });
  }

  socketClosed(connection: Connection): void {
    this.#tell({ call: 'socketClosed', edge: this.#edge, connection });
  }

  message(principal: Principal, connection: Connection, event: ClientEventName, payload: unknown): Promise<Ack<unknown>> {
    return this.#ask({ call: 'message', edge: this.#edge, principal, connection, event, payload });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#heartbeat.close();
    await this.#channel.close();
  }

  /** A message relayed to the owner; its answer is the owner's ack. */
  async #ask(call: RelayedCall): Promise<Ack<unknown>> {
    try {
      const ack = AckSchema.safeParse(await this.#channel.request(call, this.#messageTimeoutMs));
      return ack.success ? ack.data : { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
    } catch (error) {
      // The channel's own refusals (no owner in time, this node closing); the owner's answers are acks.
      if (error instanceof ProtocolError) return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: { code: 'UNAVAILABLE', message: 'the server cannot do this just now; try again shortly' } };
    }
  }

  #tell(call: Extract<RelayedCall, { call: 'connected' | 'disconnected' | 'socketClosed' }>): void {
    // Once closed (this node took the city over, or stops), its sockets connect again anyway.
    this.#channel.request(call, LIFECYCLE_TIMEOUT_MS).catch((error: unknown) => {
      if (!this.#closed) this.#onLost(call.call, error, call.connection);
    });
  }
}

/** What is owned: the city this deployment serves (one per Redis today). */
export const CITY = 'city';

/**
 * The owner's half: the calls that edge nodes relay run against this node's own backend (the
 * domain), each checked first — a relayed call is input like any socket message. Started by the
 * node once it holds the city's lease (ClusterNode); close() stops serving.
 */
export class RelayedSocketsServer {
  readonly #channel: OwnerChannel;
  readonly #edgeSockets: EdgeSockets;

  private constructor(channel: OwnerChannel, edgeSockets: EdgeSockets) {
    this.#channel = channel;
    this.#edgeSockets = edgeSockets;
  }

  static async start({ redis, nodeId, backend, guests }: { redis: SharedRedis; nodeId: string; backend: SignalingBackend; guests: GuestBackend }): Promise<RelayedSocketsServer> {
    const channel = await OwnerChannel.open({ redis: redis.commands, subscriber: redis.subscriber, name: CITY, nodeId });
    const edgeSockets = new EdgeSockets(backend, guests, redis.commands);
    await channel.serve((raw) => runRelayed(edgeSockets, raw));
    return new RelayedSocketsServer(channel, edgeSockets);
  }

  /** The sockets edge nodes relayed here, by edge. */
  relayedSocketsByEdge(): Map<string, number> {
    return this.#edgeSockets.countsByEdge();
  }

  async close(): Promise<void> {
    this.#edgeSockets.close();
    await this.#channel.close();
  }
}

async function runRelayed(edgeSockets: EdgeSockets, raw: unknown): Promise<unknown> {
  const parsed = RelayedCall.safeParse(raw);
  if (!parsed.success) throw new Error(`a malformed relayed call: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const call = parsed.data;
  const backend = edgeSockets.from(call.edge);
  const guests = edgeSockets.guestsFrom(call.edge);
  switch (call.call) {
    case 'connected':
      return backend.connected(call.principal, call.connection);
    case 'disconnected':
      return backend.disconnected(call.principal, call.connection);
    case 'socketClosed':
      return backend.socketClosed(call.connection);
    case 'message':
      return backend.message(call.principal, call.connection, call.event as ClientEventName, call.payload);
    case 'guestAdmit':
      return guests.admit(call.token, call.claim);
    case 'guestConnected':
      return guests.connected(call.guest, call.claim);
    case 'guestDisconnected':
      return guests.disconnected(call.guest);
    case 'guestMessage':
      return guests.message(call.guest, call.host, call.event as GuestEventName, call.payload);
  }
}

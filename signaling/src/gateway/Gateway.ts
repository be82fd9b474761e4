import type { Server as HttpServer } from 'node:http';
import {
  ProtocolError,
  isClientEventName,
  type Ack,
  type ClientToServerEvents,
  type ConnectRefusal,
  type ServerToClientEvents,
  type SessionEndReason,
} from '@madoguchi/protocol';
import { databaseFault } from '@madoguchi/db';
import { createLogger } from '@madoguchi/protocol/logger';
import { SfuError } from '@madoguchi/sfu';
import { Server, type Socket } from 'socket.io';
import { senderOf, type Principal } from '../auth/principal.ts';
import { SessionEnded, type StaffSessions } from '../auth/StaffSessions.ts';
import type { SharedRedis } from '../cluster/SharedRedis.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { Notifier } from '../consultations/ConsultationService.ts';
import type { OriginCheck } from '../web/origins.ts';
import { pageHost } from '../turn/IceServers.ts';
import type { Connection } from './handlers.ts';
import { TokenBucket, type RateLimit } from './RateLimit.ts';
import type { SignalingBackend } from './SignalingBackend.ts';
import { SlicedPush } from './SlicedPush.ts';

const logger = createLogger('gateway');

/** Largest message a browser may send; mediasoup parameters are a few KiB. */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface SocketData {
  principal: Principal;
}

type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const deviceRoom = (deviceId: string) => `device:${deviceId}`;
const staffRoom = (staffId: string) => `staff:${staffId}`;
/** An operator's older consoles, once a newer one takes the calls: inert, but told when their session ends. */
const supersededRoom = (staffId: string) => `superseded:${staffId}`;
/** The sockets of one login session (one console tab). */
const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/** Every tablet's sockets. */
const DEVICES_ROOM = 'devices';
/** Every supervisor's and admin's console: they answer the tablets' calls for help. */
const SUPERVISORS_ROOM = 'supervisors';

/**
 * Pushes from the domain reach every socket of the device or staff member, on whichever node it is
 * connected to (`clustered`: the nodes share the Redis adapter).
 */
export function createNotifier(io: GatewayServer, { clustered = false }: { clustered?: boolean } = {}): Notifier {
  // A push to every tablet goes out in slices (one per event name, the newest replacing the one going
  // out). The slices are of this node's sockets: with other nodes, each delivers to its own at once.
  const devicePushes = new Map<string, SlicedPush<unknown>>();
  const devicePush = (event: string) => {
    let push = devicePushes.get(event);
    if (!push) {
      push = new SlicedPush(
        () => io.sockets.adapter.rooms.get(DEVICES_ROOM) ?? [],
        (socketIds, payload) => void io.to(socketIds).emit(event as never, ...([payload] as never)),
      );
      devicePushes.set(event, push);
    }
    return push;
  };
  return {
    toDevice: (deviceId, event, payload) => void io.to(deviceRoom(deviceId)).emit(event, ...([payload] as never)),
    toStaff: (staffId, event, payload) => void io.to(staffRoom(staffId)).emit(event, ...([payload] as never)),
    disconnectDevice: (deviceId) => io.in(deviceRoom(deviceId)).disconnectSockets(true),
    endStaffSession: (staffId, reason) => endSockets(io, [staffRoom(staffId), supersededRoom(staffId)], reason),
    endSession: (sessionId, reason) => endSockets(io, sessionRoom(sessionId), reason),
    toAll: (event, payload) => void io.emit(event, ...([payload] as never)),
    toDevices: (event, payload) => (clustered ? void io.to(DEVICES_ROOM).emit(event, ...([payload] as never)) : devicePush(event).push(payload)),
    toSupervisors: (event, payload) => void io.to(SUPERVISORS_ROOM).emit(event, ...([payload] as never)),
  };
}

/**
 * The operator's consoles connected so far, on any node: told, and moved out of the staff room (no
 * call, offer or push reaches them) into the room of superseded ones (a sign-out still does), which
 * makes them inert (isSuperseded). Returns their principals, to be counted out.
 */
async function supersedeConsoles(io: GatewayServer, staffId: string): Promise<{ principal: Principal; connection: Connection }[]> {
  // A node that does not answer in time (the adapter's request timeout) keeps its consoles: this one still opens.
  const older = await io
    .in(staffRoom(staffId))
    .fetchSockets()
    .catch((error: unknown) => {
      logger.warn(`consoles of staff ${staffId} on other nodes not found: ${(error as Error).message}`);
      return io.in(staffRoom(staffId)).local.fetchSockets();
    });
  for (const socket of older) {
    socket.emit('console:superseded', {});
    socket.leave(staffRoom(staffId));
    socket.join(supersededRoom(staffId));
  }
  return older.map((socket) => ({ principal: socket.data.principal, connection: { id: socket.id, host: pageHost(socket.handshake.headers.host) } }));
}

function isSuperseded(socket: GatewaySocket): boolean {
  const { principal } = socket.data;
  return principal.kind === 'staff' && socket.rooms.has(supersededRoom(principal.staffId));
}

function endSockets(io: GatewayServer, room: string | string[], reason: SessionEndReason): void {
  // Sent first on the same connections, so the console can say why before it is closed.
  io.to(room).emit('session:ended', { reason });
  io.in(room).disconnectSockets(true);
}

/**
 * The socket.io server. With `redis`, its rooms span every signaling node sharing that Redis
 * (socket.io's Redis adapter): a push to `device:…` or `staff:…` reaches the socket on whichever node
 * it is connected to, and so does closing a room's sockets.
 */
export function createSocketServer(httpServer: HttpServer, originAllowed: OriginCheck, redis?: SharedRedis): GatewayServer {
  const io: GatewayServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    serveClient: false,
    // A page on another origin gets no socket at all (WebSockets are not bound by CORS).
    allowRequest: (req, callback) => callback(null, originAllowed(req.headers)),
    // A dead link (a tablet's network cut) is noticed within ~10 s on both sides instead of ~45 s,
    // so its consultation is held and the tablet reconnects while the resident still waits.
    pingInterval: 5_000,
    pingTimeout: 5_000,
  });
  if (redis) io.adapter(redis.socketAdapter(REDIS_ADAPTER_KEY));
  return io;
}

/** The prefix of the adapter's channels in Redis. */
const REDIS_ADAPTER_KEY = 'madoguchi:socket.io';

/**
 * The socket.io boundary: authenticates each connection, checks a staff member's session again on
 * every message (a session ended meanwhile is refused and its socket closed, saying why), validates
 * every message against protocol/ and answers each with an ack. A malformed or hostile message gets
 * an error ack; nothing a client sends can throw out of here.
 */
export function attachGateway(
  io: GatewayServer,
  auth: { tokens: TokenService; sessions: StaffSessions },
  backend: SignalingBackend,
  limits: { events: RateLimit; chat: RateLimit },
): void {
  io.use((socket, next) => {
    auth.tokens
      .authenticate(socket.handshake.auth?.token)
      .then((principal) => {
        socket.data.principal = principal;
        next();
      })
      .catch((error: unknown) => {
        // The client reads the code from the message: UNAUTHORIZED forgets the token, UNAVAILABLE retries.
        const code = error instanceof ProtocolError ? error.code : 'UNAVAILABLE';
        const data: ConnectRefusal = error instanceof SessionEnded ? { code, reason: error.reason } : { code };
        next(Object.assign(new Error(code), { data }));
      });
  });

  io.on('connection', (socket: GatewaySocket) => {
    const { principal } = socket.data;
    const connection: Connection = { id: socket.id, host: pageHost(socket.handshake.headers.host) };
    // Its messages and its end wait until it is counted in.
    const counted = countIn(io, socket, connection, backend, auth.sessions).catch((error: unknown) => {
      logger.error(`${nameOf(principal)}: the connection could not be set up:`, error);
      socket.disconnect(true);
    });
    // Its rooms are still known here (not at 'disconnect'): a superseded console was counted out already.
    socket.on('disconnecting', () => {
      const superseded = isSuperseded(socket);
      void counted.then(() => {
        if (!superseded) backend.disconnected(principal, connection);
        backend.socketClosed(connection);
      });
    });

    const events = new TokenBucket(limits.events);
    const chat = new TokenBucket(limits.chat);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (socket.disconnected) return; // what was still in the buffer of a socket just dropped
      const ack = takeAck(args);
      if (isSuperseded(socket)) {
        ack?.({ ok: false, error: { code: 'CONFLICT', message: 'this console was opened in another window, which takes the calls now' } });
        return;
      }
      if (!events.take()) {
        if (events.abusive) {
          logger.warn(`${nameOf(principal)}: disconnected for sending events far faster than ${limits.events.perSecond}/s`);
          socket.disconnect(true);
        } else {
          ack?.(rateLimited(`more than ${limits.events.perSecond} messages a second`));
        }
        return;
      }
      if (event === 'chat:send' && !chat.take()) {
        ack?.(rateLimited('too many chat messages; wait a moment'));
        return;
      }
      if (typeof event === 'string' && isClientEventName(event)) {
        void counted.then(async () => {
          const current = await currentPrincipal(socket, auth.sessions);
          if (!(current instanceof ProtocolError)) return ack?.(await backend.message(current, connection, event, args[0]));
          ack?.({ ok: false, error: { code: current.code, message: current.message } });
          if (current.code === 'UNAUTHORIZED') closeRefused(socket, current);
        });
      } else {
        ack?.({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `unknown event ${String(event).slice(0, 64)}` } });
      }
    });
  });
}

/**
 * One console per operator takes calls: the newest. The older ones (on any node) leave the staff room
 * before this one is counted, so the call it resumes and the offers reach it alone; they are counted
 * out after, so the move is no lost connection. They stay connected, inert, to hear of a session's end.
 */
async function countIn(io: GatewayServer, socket: GatewaySocket, connection: Connection, backend: SignalingBackend, sessions: StaffSessions): Promise<void> {
  const { principal } = socket.data;
  const older = principal.kind === 'staff' && principal.role === 'operator' ? await supersedeConsoles(io, principal.staffId) : [];
  // A socket gone meanwhile joins no room (it would stay in them); it is counted in and, at once, out.
  if (!socket.disconnected) {
    await socket.join(
      principal.kind === 'device'
        ? [deviceRoom(principal.deviceId), DEVICES_ROOM]
        : [staffRoom(principal.staffId), sessionRoom(principal.sessionId), ...(senderOf(principal) === 'supervisor' ? [SUPERVISORS_ROOM] : [])],
    );
    // A session ended while the socket was being set up (its older consoles are looked for on every
    // node first) was pushed to rooms it had not joined yet.
    const current = principal.kind === 'staff' ? await currentPrincipal(socket, sessions) : principal;
    if (current instanceof ProtocolError && current.code === 'UNAUTHORIZED') closeRefused(socket, current);
  }
  backend.connected(principal, connection);
  for (const superseded of older) backend.disconnected(superseded.principal, superseded.connection);
}

/** A socket whose session no longer holds is told why (when it was ended on purpose) and closed. */
function closeRefused(socket: GatewaySocket, refusal: ProtocolError): void {
  if (refusal instanceof SessionEnded) socket.emit('session:ended', { reason: refusal.reason });
  socket.disconnect(true);
}

/**
 * The socket's principal as its session stands now, or why not: a session ended meanwhile (a socket
 * that connected while it was being ended, or one the push did not reach) is UNAUTHORIZED and the
 * caller closes the socket; a database that cannot answer is UNAVAILABLE for this message only.
 */
async function currentPrincipal(socket: GatewaySocket, sessions: StaffSessions): Promise<Principal | ProtocolError> {
  const { principal } = socket.data;
  if (principal.kind === 'device') return principal;
  try {
    return await sessions.principal(principal.sessionId, principal.staffId);
  } catch (error) {
    return error instanceof ProtocolError ? error : new ProtocolError('UNAVAILABLE', 'the session cannot be checked just now');
  }
}

export function rateLimited(message: string): Ack<never> {
  return { ok: false, error: { code: 'RATE_LIMITED', message } };
}

function nameOf(principal: Principal): string {
  return principal.kind === 'device' ? `tablet ${principal.deviceId}` : `staff ${principal.staffId}`;
}

export function takeAck(args: unknown[]): ((response: Ack<unknown>) => void) | undefined {
  const last = args.at(-1);
  if (typeof last !== 'function') return undefined;
  args.pop();
  return last as (response: Ack<unknown>) => void;
}

export function toWireError(event: string, error: unknown): { code: ProtocolError['code']; message: string } {
  if (error instanceof ProtocolError) return { code: error.code, message: error.message };
  if (error instanceof SfuError) {
    const code = error.code === 'UNAVAILABLE' ? 'MEDIA_ERROR' : error.code;
    return { code, message: error.message };
  }
  if (error instanceof Error && error.name === 'InvalidStateError') {
    // mediasoup: the object or its worker is already gone (the call ended meanwhile).
    return { code: 'CONFLICT', message: 'the call’s media has ended' };
  }
  const fault = databaseFault(error);
  if (fault) {
    logger.warn(`${event} refused: database ${fault}`);
    return { code: 'UNAVAILABLE', message: 'the server cannot do this just now; try again shortly' };
  }
  if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
    // mediasoup rejects parameters it cannot use with these; the client sent something unusable.
    return { code: 'MEDIA_ERROR', message: error.message };
  }
  logger.error(`${event} failed:`, error);
  return { code: 'INTERNAL', message: 'internal error' };
}

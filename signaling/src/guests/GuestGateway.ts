import {
  GUEST_NAMESPACE,
  ProtocolError,
  SOURCES_BY_ROLE,
  clientEvents,
  isClientEventName,
  mayBeSentBy,
  type Ack,
  type ClientAck,
  type ClientPayload,
  type GuestEventName,
  type GuestRefusal,
  type GuestRefusalReason,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { mediasoupTypes } from '@madoguchi/sfu';
import type { Socket } from 'socket.io';
import { rateLimited, takeAck, toWireError, type GatewayServer } from '../gateway/Gateway.ts';
import { TokenBucket, type RateLimit } from '../gateway/RateLimit.ts';
import type { IceServers } from '../turn/IceServers.ts';
import { pageHost } from '../turn/IceServers.ts';
import type { GuestDesk, GuestNotifier, GuestPrincipal } from './GuestDesk.ts';
import { GuestTokenRefused } from './GuestTokens.ts';

const logger = createLogger('guests:gateway');

const guestRoom = (guestId: string) => `guest:${guestId}`;

/** Pushes to a guest reach every socket of theirs, on the guest namespace only. */
export function createGuestNotifier(io: GatewayServer): GuestNotifier {
  const guests = io.of(GUEST_NAMESPACE);
  return {
    toGuest: (guestId, event, payload) => void guests.to(guestRoom(guestId)).emit(event, ...([payload] as never)),
    // After this turn of the event loop: the ack of a guest's own guest:leave (and what was just sent) goes out first.
    disconnectGuest: (guestId) => void setImmediate(() => guests.in(guestRoom(guestId)).disconnectSockets(true)),
  };
}

type GuestHandler<E extends GuestEventName> = (guest: GuestPrincipal, payload: ClientPayload<E>, host: string | undefined) => Promise<ClientAck<E>> | ClientAck<E>;
type GuestHandlers = { [E in GuestEventName]: GuestHandler<E> };

/** Thin mapping from a guest's validated messages to the desk and their participant. */
function createGuestHandlers(desk: GuestDesk, iceServers: IceServers): GuestHandlers {
  return {
    'guest:knock': (guest, { name }) => desk.knock(guest, name || undefined),
    'guest:leave': (guest) => {
      desk.leave(guest);
      return {};
    },
    'call:ready': async (guest, { consultationId, rtpCapabilities, joinId }) => {
      await desk.participant(guest, consultationId).ofJoin(joinId).setReady(rtpCapabilities as mediasoupTypes.RtpCapabilities);
      return {};
    },
    'media:createTransport': async (guest, { consultationId, direction, joinId }, host) => ({
      ...(await desk.participant(guest, consultationId).ofJoin(joinId).createTransport(direction)),
      ...iceServers.forClient(guestRoom(guest.guestId), host),
    }),
    'media:connectTransport': async (guest, { consultationId, transportId, dtlsParameters }) => {
      await desk.participant(guest, consultationId).connectTransport(transportId, dtlsParameters);
      return {};
    },
    'media:produce': async (guest, { consultationId, transportId, kind, rtpParameters, source }) => {
      if (!SOURCES_BY_ROLE.guest.includes(source)) throw new ProtocolError('FORBIDDEN', `a guest cannot send ${source}`);
      const producerId = await desk.participant(guest, consultationId).produce({
        transportId,
        kind,
        rtpParameters: rtpParameters as mediasoupTypes.RtpParameters,
        source,
      });
      return { producerId };
    },
    'media:closeProducer': (guest, { consultationId, producerId }) => {
      desk.participant(guest, consultationId).closeProducer(producerId);
      return {};
    },
    'media:setProducerPaused': async (guest, { consultationId, producerId, paused }) => {
      await desk.participant(guest, consultationId).setProducerPaused(producerId, paused);
      return {};
    },
    'media:resumeConsumer': async (guest, { consultationId, consumerId }) => {
      await desk.participant(guest, consultationId).resumeConsumer(consumerId);
      return {};
    },
    'media:restartIce': async (guest, { consultationId, transportId }) => ({
      iceParameters: await desk.participant(guest, consultationId).restartIce(transportId),
    }),
    'call:rejoin': (guest, { consultationId }) => {
      desk.rejoin(guest, consultationId);
      return {};
    },
    // A guest's outages and paths are their own business: acknowledged, not on the call's record.
    'media:recovered': (guest, { consultationId }) => {
      desk.participant(guest, consultationId);
      return {};
    },
    'media:path': (guest, { consultationId }) => {
      desk.participant(guest, consultationId);
      return {};
    },
  };
}

interface GuestSocketData {
  guest: GuestPrincipal;
  claim: string;
}

/** A guest link's check: let in (with the claim that keeps their first browser theirs), or why not. */
export type GuestAdmission = { admitted: true; guest: GuestPrincipal; claim: string } | { admitted: false; reason: GuestRefusalReason };

/**
 * What the guests' boundary hands a guest's socket to: the desk in this process on the node that
 * runs the city (createLocalGuestBackend), or a relay to that node on an edge (cluster/SocketRelay.ts).
 * Everything that crosses it is plain data.
 */
export interface GuestBackend {
  /** Checks a guest's link; throws only when it cannot be checked now (the socket is told UNAVAILABLE). */
  admit(token: unknown, claim: unknown): Promise<GuestAdmission>;
  connected(guest: GuestPrincipal, claim: string): void;
  disconnected(guest: GuestPrincipal): void;
  /** One message of an event a guest may send, not yet validated; the answer is the ack, never a throw. */
  message(guest: GuestPrincipal, host: string | undefined, event: GuestEventName, payload: unknown): Promise<Ack<unknown>>;
}

export function createLocalGuestBackend(desk: GuestDesk, iceServers: IceServers): GuestBackend {
  const handlers = createGuestHandlers(desk, iceServers);
  return {
    async admit(token, claim) {
      try {
        return { admitted: true, ...desk.authenticate(token, claim) };
      } catch (error) {
        if (error instanceof GuestTokenRefused) return { admitted: false, reason: error.reason };
        logger.warn('guest link check failed:', error);
        return { admitted: false, reason: 'invalid' };
      }
    },
    connected: (guest, claim) => desk.connected(guest, claim),
    disconnected: (guest) => desk.disconnected(guest),
    message: (guest, host, event, payload) => dispatch(handlers, guest, host, event, payload),
  };
}

/**
 * The guests' boundary: a namespace of its own. A connection needs a guest link's token (the
 * desk verifies it and lets only its first browser in); every message is rate-limited as on the
 * main gateway, validated against protocol/, and dispatched only if protocol names `guest` among
 * its senders — any staff or tablet event is UNKNOWN_EVENT here, and a guest's token opens no
 * socket on the main namespace (its audience is `guest`).
 */
export function attachGuestGateway(io: GatewayServer, backend: GuestBackend, limits: { events: RateLimit }): void {
  const guests = io.of(GUEST_NAMESPACE);

  guests.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; claim?: unknown } | undefined;
    backend.admit(auth?.token, auth?.claim).then(
      (admission) => {
        if (admission.admitted) {
          Object.assign(socket.data, { guest: admission.guest, claim: admission.claim } satisfies GuestSocketData);
          return next();
        }
        const data: GuestRefusal = { code: 'UNAUTHORIZED', reason: admission.reason };
        next(Object.assign(new Error('UNAUTHORIZED'), { data }));
      },
      // Not a verdict on the link: the page says the service is unavailable and may try again.
      () => next(Object.assign(new Error('UNAVAILABLE'), { data: { code: 'UNAVAILABLE' } })),
    );
  });

  guests.on('connection', (socket: Socket) => {
    const { guest, claim } = socket.data as unknown as GuestSocketData;
    const host = pageHost(socket.handshake.headers.host);
    void socket.join(guestRoom(guest.guestId));
    backend.connected(guest, claim);
    socket.on('disconnect', () => backend.disconnected(guest));

    const events = new TokenBucket(limits.events);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (socket.disconnected) return;
      const ack = takeAck(args);
      if (!events.take()) {
        if (events.abusive) {
          logger.warn(`guest ${guest.guestId}: disconnected for sending events far faster than ${limits.events.perSecond}/s`);
          socket.disconnect(true);
        } else {
          ack?.(rateLimited(`more than ${limits.events.perSecond} messages a second`));
        }
        return;
      }
      if (!isGuestEvent(event)) {
        ack?.({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `unknown event ${String(event).slice(0, 64)}` } });
        return;
      }
      void backend.message(guest, host, event, args[0]).then((response) => ack?.(response));
    });
  });
}

/** Whether a socket event is one a guest may send (protocol names `guest` among its senders). */
export function isGuestEvent(event: unknown): event is GuestEventName {
  return typeof event === 'string' && isClientEventName(event) && mayBeSentBy(event, 'guest');
}

async function dispatch<E extends GuestEventName>(
  handlers: GuestHandlers,
  guest: GuestPrincipal,
  host: string | undefined,
  event: E,
  rawPayload: unknown,
): Promise<Ack<ClientAck<E>>> {
  const parsed = clientEvents[event].payload.safeParse(rawPayload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'payload';
    return { ok: false, error: { code: 'BAD_REQUEST', message: `${event}: ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  try {
    const handler = handlers[event] as GuestHandler<E>;
    return { ok: true, data: await handler(guest, parsed.data as ClientPayload<E>, host) };
  } catch (error) {
    return { ok: false, error: toWireError(event, error) };
  }
}

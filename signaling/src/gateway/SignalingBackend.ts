import { clientEvents, type Ack, type ClientAck, type ClientEventName, type ClientPayload, type Sender } from '@madoguchi/protocol';
import { senderOf, type Principal } from '../auth/principal.ts';
import { toWireError, type GatewayServer } from './Gateway.ts';
import { createHandlers, type Connection, type Domain, type Handlers } from './handlers.ts';

/**
 * What the gateway hands a socket's life to once it has authenticated it: the domain itself on the
 * node that runs the city (createLocalBackend), or a relay to that node on an edge node
 * (cluster/SocketRelay.ts). Everything that crosses it is plain data, so it can cross Redis.
 */
export interface SignalingBackend {
  /** A socket connected (an operator's older consoles were superseded first). */
  connected(principal: Principal, connection: Connection): void;
  /** The principal's socket `connection` no longer counts: it closed, or a newer console superseded it. */
  disconnected(principal: Principal, connection: Connection): void;
  /** A socket closed: what was tied to the connection itself (its network probes) goes. */
  socketClosed(connection: Connection): void;
  /** One message, not yet validated; the answer is the ack, never a throw. */
  message(principal: Principal, connection: Connection, event: ClientEventName, payload: unknown): Promise<Ack<unknown>>;
}

/** The backend of the node that runs the city: the domain, in this process. */
export function createLocalBackend(io: GatewayServer, domain: Domain): SignalingBackend {
  const { consultations, help, probes } = domain;
  const handlers = createHandlers(domain);
  return {
    connected(principal, connection) {
      // To this socket only (its id is a room on every node).
      if (senderOf(principal) === 'supervisor') io.to(connection.id).emit('help:calls', { calls: help.openCalls() });
      consultations.connected(principal);
    },
    disconnected: (principal) => consultations.disconnected(principal),
    socketClosed: (connection) => probes.connectionClosed(connection.id),
    message: (principal, connection, event, payload) => dispatch(handlers, principal, connection, event, payload),
  };
}

/** Checks the sender and the payload against protocol/, then runs the handler; every failure is an error ack. */
async function dispatch<E extends ClientEventName>(
  handlers: Handlers,
  principal: Principal,
  connection: Connection,
  event: E,
  rawPayload: unknown,
): Promise<Ack<ClientAck<E>>> {
  const spec = clientEvents[event];
  const sender = senderOf(principal);
  if (!(spec.from as readonly Sender[]).includes(sender)) {
    return { ok: false, error: { code: 'FORBIDDEN', message: `${event} is not allowed for this client` } };
  }
  const parsed = spec.payload.safeParse(rawPayload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'payload';
    return { ok: false, error: { code: 'BAD_REQUEST', message: `${event}: ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  try {
    const handler = (handlers as Record<ClientEventName, unknown>)[event] as (principal: Principal, payload: ClientPayload<E>, connection: Connection) => Promise<ClientAck<E>> | ClientAck<E>;
    const data = await handler(principal, parsed.data as ClientPayload<E>, connection);
    return { ok: true, data };
  } catch (error) {
    return { ok: false, error: toWireError(event, error) };
  }
}

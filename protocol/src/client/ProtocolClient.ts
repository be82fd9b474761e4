import { io, type Socket } from 'socket.io-client';
import { ProtocolError, type Ack } from '../errors.ts';
import type {
  ClientAck,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  ServerEventName,
  ServerPayload,
  ServerToClientEvents,
} from '../events.ts';

export type ProtocolSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const REQUEST_TIMEOUT_MS = 10_000;

/** The browser's typed handle on the signaling connection: requests resolve to ack data or throw ProtocolError. */
export class ProtocolClient {
  readonly socket: ProtocolSocket;

  constructor(socket: ProtocolSocket) {
    this.socket = socket;
  }

  /** Connect to the signaling server with a staff or device token. */
  static connect(token: string, url: string = typeof location === 'undefined' ? '' : location.origin): ProtocolClient {
    return ProtocolClient.open(url, { token });
  }

  /**
   * Connect to a URL (with a namespace: a guest's `/guest`) with these credentials; a function is
   * asked again on every reconnection (a guest's claim, known only after the first).
   */
  static open(url: string, auth: Record<string, unknown> | ((callback: (data: Record<string, unknown>) => void) => void)): ProtocolClient {
    const socket: ProtocolSocket = io(url, {
      auth,
      transports: ['websocket'],
      // A tablet on LTE or post-office Wi-Fi comes back within seconds of its network: retry soon
      // and often (with jitter), and give up on a connection attempt that hangs in a dead network.
      reconnectionDelay: 500,
      reconnectionDelayMax: 1_500,
      randomizationFactor: 0.5,
      timeout: 4_000,
    });
    return new ProtocolClient(socket);
  }

  async request<E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<ClientAck<E>> {
    let response: Ack<ClientAck<E>>;
    try {
      response = await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, ...([payload] as never));
    } catch {
      throw new ProtocolError('INTERNAL', `no answer from the server to ${event}`);
    }
    if (!response.ok) throw new ProtocolError(response.error.code, response.error.message);
    return response.data;
  }

  /** Subscribe to a server event; returns the unsubscribe function. */
  on<E extends ServerEventName>(event: E, listener: (payload: ServerPayload<E>) => void): () => void {
    const handler = listener as never;
    this.socket.on(event, handler);
    return () => {
      this.socket.off(event, handler);
    };
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}

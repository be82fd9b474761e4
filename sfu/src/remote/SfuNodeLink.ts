import type { Socket } from 'socket.io-client';
import { createLogger } from '@madoguchi/protocol/logger';
import { SfuError } from '../Participant.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import type { SfuCommand, SfuNodeEntry, SfuNodeEvents, SfuReplies, SfuReply, SfuRequest } from './contract.ts';

const logger = createLogger('sfu:link');

/** How long a command may take on the SFU node (a transport, a consumer: milliseconds when well). */
const COMMAND_TIMEOUT_MS = 10_000;

export type SfuNodeLinkEvents = {
  /** The connection is gone: everything the controller had on the node is gone with it. */
  down: [reason: string];
} & { [E in keyof SfuNodeEvents]: SfuNodeEvents[E] };

/**
 * A controller's connection to one SFU node: commands with their replies, and the node's events.
 * socket.io reconnects it by itself; each connection is a fresh start on the node (the node closed
 * what the last one owned when it went).
 */
export class SfuNodeLink extends TypedEmitter<SfuNodeLinkEvents> {
  readonly id: string;
  entry: SfuNodeEntry;
  readonly #socket: Socket;
  /** Rooms being created on it: they count as load, so that concurrent placements spread. */
  placing = 0;
  #closed = false;

  constructor(entry: SfuNodeEntry, socket: Socket) {
    super();
    this.id = entry.id;
    this.entry = entry;
    this.#socket = socket;
    // One line per outage, not one per reconnection attempt.
    let unreachable = false;
    socket.on('connect', () => {
      unreachable = false;
      logger.info(`SFU node ${this.id} connected (${entry.url})`);
    });
    socket.on('disconnect', (reason) => {
      if (!this.#closed) logger.warn(`SFU node ${this.id} disconnected: ${reason}`);
      this.emit('down', reason);
    });
    socket.on('connect_error', (error) => {
      if (!unreachable) logger.warn(`SFU node ${this.id} unreachable, retrying: ${error.message}`);
      unreachable = true;
    });
    for (const event of ['participant.newConsumer', 'participant.consumerClosed', 'participant.consumerStarved', 'room.closed', 'rooms.lost', 'probe.closed'] as const) {
      socket.on(event, (payload: SfuNodeEvents[typeof event][0]) => this.emit(event, ...([payload] as SfuNodeLinkEvents[typeof event])));
    }
  }

  get connected(): boolean {
    return this.#socket.connected && !this.#closed;
  }

  /** Rooms per running worker, counting those being placed: lower is less loaded. */
  get load(): number {
    return (this.entry.rooms + this.placing + 1) / Math.max(1, this.entry.workers.running);
  }

  async request<C extends SfuCommand>(command: C, request: SfuRequest<C>): Promise<SfuReplies[C]> {
    if (!this.connected) throw new SfuError('UNAVAILABLE', `SFU node ${this.id} is unreachable`);
    let reply: SfuReply<C>;
    try {
      reply = (await this.#socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck(command, request)) as SfuReply<C>;
    } catch {
      throw new SfuError('UNAVAILABLE', `SFU node ${this.id} did not answer ${command}`);
    }
    if (reply.ok) return reply.value;
    if (reply.code === 'INTERNAL') throw new Error(`SFU node ${this.id}: ${reply.message}`);
    throw new SfuError(reply.code, reply.message);
  }

  /** A command whose caller does not wait (it was synchronous in-process): a failure is logged. */
  tell<C extends SfuCommand>(command: C, request: SfuRequest<C>): void {
    this.request(command, request).catch((error: unknown) => logger.warn(`SFU node ${this.id}: ${command} failed: ${(error as Error).message}`));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.disconnect();
    this.removeAllListeners();
  }
}

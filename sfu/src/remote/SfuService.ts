import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { Server, type Socket } from 'socket.io';
import { createLogger } from '@madoguchi/protocol/logger';
import type { MediaLoss } from '../media.ts';
import { SfuError, type Participant } from '../Participant.ts';
import type { ProbeTransport } from '../ProbeTransport.ts';
import type { Room } from '../Room.ts';
import type { SfuNode } from '../SfuNode.ts';
import { SFU_AUDIENCE, SFU_COMMANDS, SFU_CONTROL_PATH, type SfuCommand, type SfuNodeEntry, type SfuNodeEvents, type SfuReplies, type SfuReply, type SfuRequest } from './contract.ts';

const logger = createLogger('sfu:service');

/** How fast a controller that vanished (or a cut link) is noticed: its rooms are closed then. */
const PING_INTERVAL_MS = 2_000;
const PING_TIMEOUT_MS = 3_000;

export interface SfuServiceOptions {
  node: SfuNode;
  id: string;
  /** Shared with the controllers: they sign their tokens with it. */
  secret: string;
  host?: string;
  /** Control port; 0 picks one (tests). */
  port?: number;
  /** What controllers are told to connect to (the registry entry); defaults to http://host:port. */
  publicUrl?: string;
}

type Handlers = { [C in SfuCommand]: (request: SfuRequest<C>) => SfuReplies[C] | Promise<SfuReplies[C]> };

/**
 * An SFU node's service to signaling: its SfuNode's rooms, driven over an authenticated socket.io
 * channel (contract.ts). Each controller connection owns the rooms and probes it created; when it
 * goes (its node died, the link was cut), they are closed, since it rebuilds them elsewhere anyway.
 * A draining service takes no new rooms and reports `drained` once the last one closed.
 */
export class SfuService {
  readonly id: string;
  readonly #node: SfuNode;
  readonly #http: HttpServer;
  readonly #io: Server;
  readonly #publicUrl: string;
  readonly #controllers = new Set<Controller>();
  #draining = false;
  readonly #drainWaiters: (() => void)[] = [];

  private constructor(options: SfuServiceOptions, http: HttpServer, io: Server, publicUrl: string) {
    this.id = options.id;
    this.#node = options.node;
    this.#http = http;
    this.#io = io;
    this.#publicUrl = publicUrl;
    io.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.token;
      try {
        if (typeof token !== 'string') throw new Error('no token');
        jwt.verify(token, options.secret, { audience: SFU_AUDIENCE, algorithms: ['HS256'] });
        next();
      } catch {
        next(new Error('unauthorized'));
      }
    });
    io.on('connection', (socket) => this.#accept(socket));
    options.node.on('roomsLost', (loss, roomIds) => {
      for (const controller of this.#controllers) controller.roomsLost(loss, roomIds);
    });
  }

  static async start(options: SfuServiceOptions): Promise<SfuService> {
    const host = options.host ?? '127.0.0.1';
    const http = createServer((req, res) => {
      // A liveness answer for balancers and scripts; what rooms it holds is for controllers only.
      if (req.method === 'GET' && req.url === '/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(service.entry()));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    const io = new Server(http, { path: SFU_CONTROL_PATH, serveClient: false, pingInterval: PING_INTERVAL_MS, pingTimeout: PING_TIMEOUT_MS, maxHttpBufferSize: 1e6 });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = http.address() as AddressInfo;
    const service: SfuService = new SfuService(options, http, io, options.publicUrl ?? `http://${host}:${port}`);
    return service;
  }

  get url(): string {
    return this.#publicUrl;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** What the registry says of this node. */
  entry(): SfuNodeEntry {
    return { id: this.id, url: this.#publicUrl, workers: this.#node.workerHealth(), rooms: this.#node.roomCount, draining: this.#draining };
  }

  /** Take no new rooms; resolves once the node hosts none (its calls ended or moved). */
  drain(): Promise<void> {
    this.#draining = true;
    return new Promise((resolve) => {
      this.#drainWaiters.push(resolve);
      this.#checkDrained();
    });
  }

  /** Close every controller's rooms and the channel. */
  async close(): Promise<void> {
    for (const controller of [...this.#controllers]) controller.close();
    this.#io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.#io.close(() => resolve()));
    this.#http.closeAllConnections();
  }

  #checkDrained(): void {
    if (!this.#draining || this.#node.roomCount > 0) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #accept(socket: Socket): void {
    const controller = new Controller(socket, this.#node, () => this.#draining, () => this.#checkDrained());
    this.#controllers.add(controller);
    logger.info(`controller connected from ${socket.handshake.address}`);
    socket.on('disconnect', (reason) => {
      this.#controllers.delete(controller);
      const rooms = controller.close();
      logger.info(`controller gone (${reason}); ${rooms} room(s) closed`);
    });
  }
}

/** One controller connection: the rooms and probes it created, and its commands. */
class Controller {
  readonly #socket: Socket;
  readonly #node: SfuNode;
  readonly #rooms = new Map<string, Room>();
  readonly #probes = new Map<string, ProbeTransport>();
  /** Rooms closed by a worker's death, until roomsLost has reported them. */
  readonly #lost = new Set<string>();
  readonly #roomClosed: () => void;
  #closed = false;

  constructor(socket: Socket, node: SfuNode, draining: () => boolean, roomClosed: () => void) {
    this.#socket = socket;
    this.#node = node;
    this.#roomClosed = roomClosed;
    const handlers = this.#handlers(draining);
    for (const command of Object.keys(SFU_COMMANDS) as SfuCommand[]) {
      socket.on(command, (payload: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return; // every command is acknowledged; anything else is noise
        void this.#run(command, payload, handlers).then((reply) => (ack as (reply: SfuReply<SfuCommand>) => void)(reply));
      });
    }
  }

  roomsLost(loss: MediaLoss, roomIds: string[]): void {
    if (loss.reason !== 'worker_died') return;
    const mine = roomIds.filter((id) => this.#lost.has(id));
    for (const id of mine) this.#lost.delete(id);
    if (mine.length) this.#emit('rooms.lost', { workerPid: loss.workerPid, roomIds: mine });
  }

  /** The controller is gone: its rooms and probes close. Returns how many rooms there were. */
  close(): number {
    if (this.#closed) return 0;
    this.#closed = true;
    const count = this.#rooms.size;
    for (const room of [...this.#rooms.values()]) room.close('ended');
    for (const probe of [...this.#probes.values()]) probe.close();
    return count;
  }

  /**
   * Validate, then run. Everything a handler does before its first await happens as the command
   * arrives, so commands take effect in the order the controller sent them (a join before the
   * transports the controller asks for next).
   */
  async #run<C extends SfuCommand>(command: C, payload: unknown, handlers: Handlers): Promise<SfuReply<C>> {
    const parsed = SFU_COMMANDS[command].safeParse(payload);
    if (!parsed.success) return { ok: false, code: 'BAD_REQUEST', message: `${command}: ${parsed.error.issues[0]?.message ?? 'malformed'}` };
    try {
      const value = await (handlers[command] as (request: unknown) => SfuReplies[C] | Promise<SfuReplies[C]>)(parsed.data);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof SfuError) return { ok: false, code: error.code, message: error.message };
      logger.warn(`${command} failed:`, error);
      return { ok: false, code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
    }
  }

  #handlers(draining: () => boolean): Handlers {
    const room = ({ roomId }: { roomId: string }): Room => {
      const found = this.#rooms.get(roomId);
      if (!found) throw new SfuError('NOT_FOUND', 'no such room');
      return found;
    };
    const participant = ({ roomId, participantId, joinId }: { roomId: string; participantId: string; joinId: string }): Participant => {
      const found = room({ roomId }).participant(participantId);
      if (!found) throw new SfuError('NOT_FOUND', 'no such participant');
      return found.ofJoin(joinId);
    };
    const probe = ({ probeId }: { probeId: string }): ProbeTransport => {
      const found = this.#probes.get(probeId);
      if (!found) throw new SfuError('NOT_FOUND', 'no such probe');
      return found;
    };
    return {
      'room.create': async ({ roomId }) => {
        if (draining()) throw new SfuError('UNAVAILABLE', 'this SFU node is draining');
        if (this.#rooms.has(roomId)) throw new SfuError('CONFLICT', 'room exists');
        // Another controller's: left by a connection this node has not yet seen go (a cut link,
        // noticed by the controller first). The controller that asks now owns the consultation.
        this.#node.room(roomId)?.close('ended');
        const created = await this.#node.createRoom(roomId);
        if (this.#closed) {
          created.close('ended');
          throw new SfuError('UNAVAILABLE', 'controller gone');
        }
        this.#rooms.set(roomId, created);
        created.on('close', (reason) => {
          this.#rooms.delete(roomId);
          if (reason === 'worker_died') this.#lost.add(roomId);
          if (reason !== 'ended') this.#emit('room.closed', { roomId, reason });
          this.#roomClosed();
        });
        return { rtpCapabilities: created.rtpCapabilities };
      },
      'room.close': (ref) => {
        this.#rooms.get(ref.roomId)?.close('ended');
      },
      'room.hold': (ref) => room(ref).hold(),
      'room.release': (ref) => room(ref).release(),
      'room.join': ({ roomId, participantId, joinId, role, audience, receives }) => {
        const joined = room({ roomId }).join(participantId, role, audience, receives, joinId);
        const ref = { roomId, participantId, joinId };
        joined.on('newConsumer', (consumer) => this.#emit('participant.newConsumer', { ...ref, consumer }));
        joined.on('consumerClosed', (consumerId) => this.#emit('participant.consumerClosed', { ...ref, consumerId }));
        joined.on('consumerStarved', (consumerId, starved, estimateBps) =>
          this.#emit('participant.consumerStarved', { ...ref, consumerId, starved, estimateBps: estimateBps ?? null }),
        );
      },
      'room.setAudience': ({ roomId, participantId, audience }) => room({ roomId }).setAudience(participantId, audience),
      'room.setReceives': ({ roomId, participantId, receives }) => room({ roomId }).setReceives(participantId, receives),
      'room.sampleQuality': (ref) => room(ref).sampleQuality(),
      'room.requestKeyFrames': (ref) => room(ref).requestKeyFrames(),
      'participant.createTransport': (request) => participant(request).createTransport(request.direction),
      'participant.restartIce': (request) => participant(request).restartIce(request.transportId),
      'participant.connectTransport': (request) => participant(request).connectTransport(request.transportId, request.dtlsParameters),
      'participant.setReady': (request) => participant(request).setReady(request.rtpCapabilities),
      'participant.produce': async ({ transportId, kind, rtpParameters, source, ...ref }) => ({
        producerId: await participant(ref).produce({ transportId, kind, rtpParameters, source }),
      }),
      'participant.closeProducer': (request) => participant(request).closeProducer(request.producerId),
      'participant.closeProducers': (request) => participant(request).closeProducers(),
      'participant.setProducerPaused': (request) => participant(request).setProducerPaused(request.producerId, request.paused),
      'participant.resumeConsumer': (request) => participant(request).resumeConsumer(request.consumerId),
      'participant.requestKeyFrames': (request) => participant(request).requestKeyFrames(),
      'participant.close': ({ roomId, participantId, joinId }) => {
        const found = this.#rooms.get(roomId)?.participant(participantId);
        if (found?.joinId === joinId) found.close();
      },
      'probe.create': async () => {
        if (draining()) throw new SfuError('UNAVAILABLE', 'this SFU node is draining');
        const created = await this.#node.createProbeTransport();
        if (this.#closed) {
          created.close();
          throw new SfuError('UNAVAILABLE', 'controller gone');
        }
        this.#probes.set(created.id, created);
        created.on('close', () => {
          if (this.#probes.delete(created.id)) this.#emit('probe.closed', { probeId: created.id });
        });
        return { options: created.options, routerRtpCapabilities: created.routerRtpCapabilities };
      },
      'probe.connect': (request) => probe(request).connect(request.dtlsParameters),
      'probe.produceData': async (request) => ({ dataProducerId: await probe(request).produceData(request.sctpStreamParameters, request.label) }),
      'probe.close': ({ probeId }) => {
        const found = this.#probes.get(probeId);
        this.#probes.delete(probeId);
        found?.close();
      },
      'node.stats': () => this.#node.stats(),
    };
  }

  #emit<E extends keyof SfuNodeEvents>(event: E, ...args: SfuNodeEvents[E]): void {
    if (!this.#closed) this.#socket.emit(event, ...args);
  }
}

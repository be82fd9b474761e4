import { availableParallelism } from 'node:os';
import type { types } from 'mediasoup';
import { createLogger } from '@madoguchi/protocol/logger';
import { MediaWorker, type WorkerCounts } from './MediaWorker.ts';
import { SfuError } from './Participant.ts';
import { ProbeTransport } from './ProbeTransport.ts';
import type { MediaNode, MediaNodeEvents } from './media.ts';
import { Room } from './Room.ts';
import { TypedEmitter } from './TypedEmitter.ts';

const logger = createLogger('sfu:SfuNode');

export interface SfuOptions {
  /** Worker processes; defaults to one per core. */
  numWorkers?: number;
  /** Address the WebRtcServers listen on. */
  listenIp?: string;
  /** Address announced to browsers in ICE candidates (needed when listening on 0.0.0.0 or behind NAT). */
  announcedIp?: string;
  /** UDP+TCP port of worker 0; worker i listens on port + i. 0 picks free ports (tests). */
  port?: number;
  /** Cap on each participant's sending bitrate, in bps; undefined = none. */
  maxIncomingBitrate?: number;
  logLevel?: types.WorkerLogLevel;
}

type ResolvedOptions = Required<Omit<SfuOptions, 'announcedIp' | 'maxIncomingBitrate'>> &
  Pick<SfuOptions, 'announcedIp' | 'maxIncomingBitrate'>;

export interface WorkerStats extends WorkerCounts {
  pid: number;
  rooms: number;
  /** Ids of the rooms (consultations) this worker hosts: which process a call's media lives in. */
  roomIds: string[];
  rssKiB: number | null;
  failed: boolean;
  /** The SFU node (process of its own) the worker runs in; absent for this process's own workers. */
  sfuNodeId?: string;
}


/**
 * The media node: a pool of workers, and rooms (one router per consultation) placed on the
 * least-loaded live worker. The MediaNode of one process (media.ts); RemoteSfu is the one of SFU nodes.
 */
export class SfuNode extends TypedEmitter<MediaNodeEvents> implements MediaNode {
  readonly #options: ResolvedOptions;
  readonly #workers: MediaWorker[] = [];
  readonly #rooms = new Map<string, Room>();
  readonly #roomsByWorker = new Map<MediaWorker, Set<Room>>();
  /** Rooms whose router is being created: they count as load, so concurrent placements spread. */
  readonly #placing = new Map<MediaWorker, number>();
  /** Workers being started in place of dead ones: a room wanted meanwhile waits for them. */
  readonly #replacements = new Set<Promise<void>>();
  #closed = false;

  private constructor(options: ResolvedOptions) {
    super();
    this.#options = options;
  }

  static async start({
    numWorkers = availableParallelism(),
    listenIp = '127.0.0.1',
    announcedIp,
    port = 40000,
    maxIncomingBitrate,
    logLevel = 'warn',
  }: SfuOptions = {}): Promise<SfuNode> {
    const node = new SfuNode({ numWorkers, listenIp, announcedIp, port, maxIncomingBitrate, logLevel });
    try {
      for (let index = 0; index < numWorkers; index++) await node.#spawnWorker(index);
    } catch (error) {
      await node.close();
      throw error;
    }
    return node;
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /**
   * Workers running out of those the node is meant to have (one that died counts as failed until its
   * replacement is up). From what the worker processes have told us, with no round trip to them, so
   * that health answers at once while the event loop is busy with a burst.
   */
  workerHealth(): { expected: number; running: number } {
    return { expected: this.#options.numWorkers, running: this.#workers.filter((worker) => worker.alive).length };
  }

  room(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  async createRoom(roomId: string): Promise<Room> {
    if (this.#closed) throw new SfuError('UNAVAILABLE', 'media node is shut down');
    if (this.#rooms.has(roomId)) throw new SfuError('CONFLICT', 'room exists');
    // The only worker just died (rooms are rebuilt at once): wait for its replacement.
    if (!this.#workers.some((worker) => worker.alive)) await Promise.all(this.#replacements);
    if (this.#rooms.has(roomId)) throw new SfuError('CONFLICT', 'room exists');
    const worker = this.#leastLoadedWorker();
    this.#placing.set(worker, (this.#placing.get(worker) ?? 0) + 1);
    let created: Awaited<ReturnType<MediaWorker['createRouter']>>;
    try {
      created = await worker.createRouter(roomId);
    } finally {
      this.#placing.set(worker, (this.#placing.get(worker) ?? 1) - 1);
    }
    const { router, webRtcServer } = created;
    if (this.#rooms.has(roomId)) {
      router.close(); // the same room was created concurrently
      throw new SfuError('CONFLICT', 'room exists');
    }
    const room = new Room(roomId, router, webRtcServer, this.#options.maxIncomingBitrate);
    this.#rooms.set(roomId, room);
    this.#roomsByWorker.get(worker)?.add(room);
    room.on('close', (reason) => {
      this.#rooms.delete(roomId);
      // mediasoup closes a dead worker's routers before it reports the death: keep those rooms
      // listed until #onWorkerDied has reported them.
      if (reason !== 'worker_died') this.#roomsByWorker.get(worker)?.delete(room);
    });
    return room;
  }

  /**
   * A network check's transport on the least-loaded live worker (see ProbeTransport). Its owner
   * closes it; the node's shutdown and the worker's death close it as well.
   */
  async createProbeTransport(): Promise<ProbeTransport> {
    if (this.#closed) throw new SfuError('UNAVAILABLE', 'media node is shut down');
    const worker = this.#leastLoadedWorker();
    const { router, webRtcServer } = await worker.createRouter('network-probe');
    return ProbeTransport.create(router, webRtcServer);
  }

  async stats(): Promise<WorkerStats[]> {
    return Promise.all(
      this.#workers.map(async (worker) => ({
        pid: worker.pid,
        rooms: this.#roomsByWorker.get(worker)?.size ?? 0,
        roomIds: [...(this.#roomsByWorker.get(worker) ?? [])].map((room) => room.id),
        ...(worker.alive ? await worker.counts() : { routers: 0, transports: 0, producers: 0, consumers: 0 }),
        rssKiB: await worker.rssKiB(),
        failed: !worker.alive,
      })),
    );
  }

  /** Ports each worker's WebRtcServer listens on. */
  async listenPorts(): Promise<{ udp: number; tcp: number }[]> {
    return Promise.all(this.#workers.map((worker) => worker.listenPorts()));
  }

  /** Test hook: crash a worker process as the OS would. */
  killWorker(index: number): void {
    this.#workers[index]?.kill();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) room.close('shutdown');
    for (const worker of this.#workers) worker.close();
    this.#workers.length = 0;
    this.#roomsByWorker.clear();
    this.removeAllListeners();
  }

  async #spawnWorker(index: number): Promise<void> {
    const { listenIp, announcedIp, port, logLevel } = this.#options;
    const worker = await MediaWorker.create({ index, listenIp, announcedIp, port: port === 0 ? 0 : port + index, logLevel });
    if (this.#closed) {
      worker.close(); // a replacement that finished starting after the node closed
      return;
    }
    this.#workers.splice(index, 0, worker);
    this.#roomsByWorker.set(worker, new Set());
    worker.on('died', (error) => this.#onWorkerDied(worker, error));
    logger.info(`worker ${index} started (pid ${worker.pid})`);
  }

  /**
   * A dead worker's rooms are closed (their owners rebuild them elsewhere, told by `roomsLost`);
   * a replacement worker is started first, so a rebuild never finds the node without workers.
   */
  #onWorkerDied(worker: MediaWorker, error: Error): void {
    const rooms = [...(this.#roomsByWorker.get(worker) ?? [])];
    logger.error(`worker ${worker.index} (pid ${worker.pid}) died: ${error.message}; ${rooms.length} room(s) lost`);
    // Rooms close themselves on the router's workerclose; make sure none is left behind either way.
    for (const room of rooms) room.close('worker_died');
    this.#roomsByWorker.delete(worker);
    this.#placing.delete(worker);
    this.#workers.splice(this.#workers.indexOf(worker), 1);
    worker.close();
    if (!this.#closed) {
      const replacement = this.#spawnWorker(worker.index)
        .catch((spawnError: Error) => logger.error(`could not replace worker ${worker.index}: ${spawnError.message}`))
        .finally(() => this.#replacements.delete(replacement));
      this.#replacements.add(replacement);
    }
    this.emit(
      'roomsLost',
      { reason: 'worker_died', workerPid: worker.pid },
      rooms.map((room) => room.id),
    );
  }

  #leastLoadedWorker(): MediaWorker {
    let best: MediaWorker | undefined;
    for (const worker of this.#workers) {
      if (!worker.alive) continue;
      if (!best || this.#load(worker) < this.#load(best)) best = worker;
    }
    if (!best) throw new SfuError('UNAVAILABLE', 'no media worker is running');
    return best;
  }

  #load(worker: MediaWorker): number {
    return (this.#roomsByWorker.get(worker)?.size ?? 0) + (this.#placing.get(worker) ?? 0);
  }
}

import jwt from 'jsonwebtoken';
import { createLogger } from '@madoguchi/protocol/logger';
import type { MediaNode, MediaNodeEvents } from '../media.ts';
import { SfuError } from '../Participant.ts';
import type { WorkerStats } from '../SfuNode.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { SFU_AUDIENCE, SFU_CONTROL_PATH, type SfuNodeEntry } from './contract.ts';
import { registeredSfuNodes, type RegistryRedis } from './registry.ts';
import { RemoteProbe, RemoteRoom } from './RemoteRoom.ts';
import { SfuNodeLink } from './SfuNodeLink.ts';

const logger = createLogger('sfu:remote');

/** How often the registry is read: new nodes, their load, drains. */
const REGISTRY_POLL_MS = 1_000;
/** How long a room waits for an SFU node when none is up (signaling started before them, all restarting). */
const PLACEMENT_PATIENCE_MS = 5_000;
const CONTROLLER_TOKEN_LIFETIME = '10m';

export interface RemoteSfuOptions {
  redis: RegistryRedis;
  /** Shared with the SFU nodes (SFU_SECRET). */
  secret: string;
  /** This controller's name in the nodes' logs and tokens. */
  controllerId: string;
}

/**
 * The media on SFU nodes that run as processes of their own (MediaNode, as SfuNode is for the
 * workers of this process). Nodes are found in the registry; each room goes to the least-loaded node
 * that is up and not draining, and is driven over that node's link. A node whose link goes down has
 * lost its rooms (the node closes a gone controller's rooms): they are reported as lost, and their
 * owners rebuild them, which places them on another node.
 */
export class RemoteSfu extends TypedEmitter<MediaNodeEvents> implements MediaNode {
  readonly #options: RemoteSfuOptions;
  readonly #io: typeof import('socket.io-client').io;
  readonly #links = new Map<string, SfuNodeLink>();
  readonly #rooms = new Map<string, RemoteRoom>();
  /** Rooms being placed: reserved across the awaits, so that a second room of the same id is refused here, as SfuNode refuses it. */
  readonly #creating = new Set<string>();
  readonly #probes = new Map<string, RemoteProbe>();
  readonly #poll: ReturnType<typeof setInterval>;
  #polling?: Promise<void>;
  #closed = false;

  private constructor(options: RemoteSfuOptions, io: typeof import('socket.io-client').io) {
    super();
    this.#options = options;
    this.#io = io;
    this.#poll = setInterval(() => void this.#readRegistry(), REGISTRY_POLL_MS);
  }

  static async start(options: RemoteSfuOptions): Promise<RemoteSfu> {
    // Loaded here: a server whose media is in-process does not carry the client library.
    const { io } = await import('socket.io-client');
    const sfu = new RemoteSfu(options, io);
    await sfu.#readRegistry();
    return sfu;
  }

  /** The nodes known now, with whether they are reachable (health, tests). */
  nodes(): (SfuNodeEntry & { connected: boolean })[] {
    return [...this.#links.values()].map((link) => ({ ...link.entry, connected: link.connected }));
  }

  room(roomId: string): RemoteRoom | undefined {
    return this.#rooms.get(roomId);
  }

  /** A room on the least-loaded node; its `link` names the node that hosts it. */
  async createRoom(roomId: string): Promise<RemoteRoom> {
    if (this.#rooms.has(roomId) || this.#creating.has(roomId)) throw new SfuError('CONFLICT', 'room exists');
    this.#creating.add(roomId);
    try {
      return await this.#placed(async (link) => {
        const { rtpCapabilities } = await link.request('room.create', { roomId });
        const room = new RemoteRoom(roomId, rtpCapabilities, link);
        if (this.#closed || !link.connected) {
          room.close();
          throw new SfuError('UNAVAILABLE', `SFU node ${link.id} went while the room was made`);
        }
        this.#rooms.set(roomId, room);
        room.once('close', () => this.#rooms.delete(roomId));
        return room;
      });
    } finally {
      this.#creating.delete(roomId);
    }
  }

  async createProbeTransport(): Promise<RemoteProbe> {
    return this.#placed(async (link) => {
      const { options, routerRtpCapabilities } = await link.request('probe.create', {});
      const probe = new RemoteProbe(options, routerRtpCapabilities, link);
      this.#probes.set(probe.id, probe);
      probe.once('close', () => this.#probes.delete(probe.id));
      if (!link.connected) probe.closedOnNode();
      return probe;
    });
  }

  workerHealth(): { expected: number; running: number } {
    let expected = 0;
    let running = 0;
    for (const link of this.#links.values()) {
      expected += link.entry.workers.expected;
      if (link.connected) running += link.entry.workers.running;
    }
    // No node at all is a fault too (health says degraded, not ok with nothing to run calls on).
    return { expected: Math.max(expected, 1), running };
  }

  async stats(): Promise<WorkerStats[]> {
    const perNode = await Promise.all(
      [...this.#links.values()].map(async (link) => {
        if (!link.connected) return [];
        const workers = await link.request('node.stats', {}).catch(() => []);
        return workers.map((worker) => ({ ...worker, sfuNodeId: link.id }));
      }),
    );
    return perNode.flat();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    await this.#polling;
    for (const room of [...this.#rooms.values()]) room.close('shutdown');
    for (const probe of [...this.#probes.values()]) probe.close();
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.removeAllListeners();
  }

  /** Run `create` on the least-loaded node that is up and not draining; the next one if that one refuses. */
  async #placed<T>(create: (link: SfuNodeLink) => Promise<T>): Promise<T> {
    const deadline = Date.now() + PLACEMENT_PATIENCE_MS;
    const refused = new Set<SfuNodeLink>();
    let lastError: unknown;
    for (;;) {
      if (this.#closed) throw new SfuError('UNAVAILABLE', 'media is shut down');
      const link = this.#leastLoaded(refused);
      if (!link) {
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
        await this.#readRegistry();
        continue;
      }
      link.placing++;
      try {
        return await create(link);
      } catch (error) {
        if (!(error instanceof SfuError) || error.code !== 'UNAVAILABLE') throw error;
        lastError = error;
        refused.add(link);
      } finally {
        link.placing--;
      }
    }
    throw lastError instanceof SfuError ? lastError : new SfuError('UNAVAILABLE', 'no SFU node is available');
  }

  #leastLoaded(excluded: ReadonlySet<SfuNodeLink>): SfuNodeLink | undefined {
    let best: SfuNodeLink | undefined;
    for (const link of this.#links.values()) {
      if (!link.connected || link.entry.draining || link.entry.workers.running === 0 || excluded.has(link)) continue;
      if (!best || link.load < best.load || (link.load === best.load && link.entry.workers.running > best.entry.workers.running)) best = link;
    }
    return best;
  }

  #readRegistry(): Promise<void> {
    this.#polling ??= registeredSfuNodes(this.#options.redis)
      .then((entries) => {
        if (this.#closed) return;
        for (const entry of entries) this.#known(entry);
        // A node that left the registry and cannot be reached is forgotten (it stopped, or died).
        const registered = new Set(entries.map((entry) => entry.id));
        for (const [id, link] of this.#links) {
          if (registered.has(id) || link.connected) continue;
          link.close();
          this.#links.delete(id);
        }
      })
      .catch((error: unknown) => logger.warn(`cannot read the SFU registry: ${(error as Error).message}`))
      .finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /** A registered node: its link (made on first sight), with the entry's load and drain brought up to date. */
  #known(entry: SfuNodeEntry): void {
    const existing = this.#links.get(entry.id);
    if (existing && existing.entry.url === entry.url) {
      existing.entry = entry;
      return;
    }
    // A node that came back at another address: the old link is down anyway.
    existing?.close();
    const { secret, controllerId } = this.#options;
    const socket = this.#io(entry.url, {
      path: SFU_CONTROL_PATH,
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 250,
      reconnectionDelayMax: 2_000,
      // A fresh token at every (re)connection.
      auth: (send) => send({ token: jwt.sign({ sub: controllerId }, secret, { audience: SFU_AUDIENCE, expiresIn: CONTROLLER_TOKEN_LIFETIME }) }),
    });
    const link = new SfuNodeLink(entry, socket);
    this.#links.set(entry.id, link);
    link.on('down', () => this.#lostNode(link));
    link.on('participant.newConsumer', ({ roomId, participantId, joinId, consumer }) => this.#participant(link, roomId, participantId, joinId)?.consumerCreated(consumer));
    link.on('participant.consumerClosed', ({ roomId, participantId, joinId, consumerId }) => this.#participant(link, roomId, participantId, joinId)?.consumerClosed(consumerId));
    link.on('participant.consumerStarved', ({ roomId, participantId, joinId, consumerId, starved, estimateBps }) =>
      this.#participant(link, roomId, participantId, joinId)?.consumerStarved(consumerId, starved, estimateBps ?? undefined),
    );
    link.on('room.closed', ({ roomId, reason }) => {
      const room = this.#rooms.get(roomId);
      if (room?.link === link) room.closedOnNode(reason);
    });
    link.on('rooms.lost', ({ workerPid, roomIds }) => {
      if (!this.#closed) this.emit('roomsLost', { reason: 'worker_died', workerPid, sfuNodeId: link.id }, roomIds);
    });
    link.on('probe.closed', ({ probeId }) => this.#probes.get(probeId)?.closedOnNode());
  }

  #participant(link: SfuNodeLink, roomId: string, participantId: string, joinId: string) {
    const room = this.#rooms.get(roomId);
    if (room?.link !== link) return undefined;
    const participant = room.participant(participantId);
    return participant?.joinId === joinId ? participant : undefined;
  }

  /** The link to a node went down: the node has closed (or lost) what this controller had there. */
  #lostNode(link: SfuNodeLink): void {
    const lost = [...this.#rooms.values()].filter((room) => room.link === link);
    for (const room of lost) room.closedOnNode('sfu_node_lost');
    for (const probe of [...this.#probes.values()]) if (probe.link === link) probe.closedOnNode();
    if (lost.length && !this.#closed) {
      logger.error(`SFU node ${link.id} lost with ${lost.length} room(s): rebuilding them on another node`);
      this.emit(
        'roomsLost',
        { reason: 'sfu_node_lost', sfuNodeId: link.id },
        lost.map((room) => room.id),
      );
    }
  }
}

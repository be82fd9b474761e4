import { readFile } from 'node:fs/promises';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { MEDIA_CODECS } from './codecs.ts';
import { TypedEmitter } from './TypedEmitter.ts';

export interface MediaWorkerOptions {
  index: number;
  listenIp: string;
  announcedIp?: string;
  /** UDP and TCP port of this worker's WebRtcServer; 0 picks a free one. */
  port: number;
  logLevel: types.WorkerLogLevel;
}

export interface WorkerCounts {
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

export type MediaWorkerEvents = {
  died: [error: Error];
};

/** One mediasoup worker process and the WebRtcServer through which all its media flows. */
export class MediaWorker extends TypedEmitter<MediaWorkerEvents> {
  readonly index: number;
  readonly #worker: types.Worker;
  readonly #webRtcServer: types.WebRtcServer;
  /** Live routers, to ask each for its own dump. */
  readonly #routers = new Set<types.Router>();

  private constructor(index: number, worker: types.Worker, webRtcServer: types.WebRtcServer) {
    super();
    this.index = index;
    this.#worker = worker;
    this.#webRtcServer = webRtcServer;
    worker.on('died', (error) => this.emit('died', error));
    worker.observer.on('newrouter', (router) => {
      this.#routers.add(router);
      router.observer.once('close', () => this.#routers.delete(router));
    });
  }

  static async create({ index, listenIp, announcedIp, port, logLevel }: MediaWorkerOptions): Promise<MediaWorker> {
    const worker = await mediasoup.createWorker({ logLevel, appData: { index } });
    try {
      const listenInfo = { ip: listenIp, announcedIp, port: port === 0 ? undefined : port };
      const webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { ...listenInfo, protocol: 'udp' },
          { ...listenInfo, protocol: 'tcp' },
        ],
      });
      return new MediaWorker(index, worker, webRtcServer);
    } catch (error) {
      worker.close();
      throw error;
    }
  }

  get pid(): number {
    return this.#worker.pid;
  }

  get alive(): boolean {
    return !this.#worker.died && !this.#worker.closed;
  }

  /** Ports the WebRtcServer listens on (from the worker itself, so port 0 shows what was picked). */
  async listenPorts(): Promise<{ udp: number; tcp: number }> {
    const dump = (await this.#webRtcServer.dump()) as { udpSockets: { port: number }[]; tcpServers: { port: number }[] };
    return { udp: dump.udpSockets[0]?.port ?? 0, tcp: dump.tcpServers[0]?.port ?? 0 };
  }

  async createRouter(roomId: string): Promise<{ router: types.Router; webRtcServer: types.WebRtcServer }> {
    const router = await this.#worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { roomId } });
    return { router, webRtcServer: this.#webRtcServer };
  }

  /** Live object counts as the worker process itself reports them (not our own bookkeeping). */
  async counts(): Promise<WorkerCounts> {
    const workerDump = (await this.#worker.dump()) as { routerIds: string[] };
    const counts: WorkerCounts = { routers: workerDump.routerIds.length, transports: 0, producers: 0, consumers: 0 };
    const routers = await this.#routerDumps();
    for (const dump of routers) {
      counts.transports += dump.transportIds.length;
      counts.producers += Object.keys(dump.mapProducerIdConsumerIds).length;
      counts.consumers += Object.keys(dump.mapConsumerIdProducerId).length;
    }
    return counts;
  }

  /** Current resident set size of the worker process, from /proc (null where there is no /proc). */
  async rssKiB(): Promise<number | null> {
    try {
      const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
      return match ? Number(match[1]) : null;
    } catch {
      return null;
    }
  }

  close(): void {
    this.#worker.close();
    this.removeAllListeners();
  }

  /** For tests that must prove failure handling: kill the worker process as a crash would. */
  kill(): void {
    process.kill(this.pid, 'SIGKILL');
  }

  async #routerDumps(): Promise<{ transportIds: string[]; mapProducerIdConsumerIds: object; mapConsumerIdProducerId: object }[]> {
    return Promise.all([...this.#routers].map((router) => router.dump()));
  }
}

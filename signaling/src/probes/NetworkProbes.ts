import { ProtocolError, type DtlsParameters, type SctpStreamParameters } from '@madoguchi/protocol';
import type { MediaProbe, mediasoupTypes, ProbeTransportOptions } from '@madoguchi/sfu';
import type { Clock } from '../clock.ts';

/**
 * A probe lives this long at most: the browser gives each path about 5 s to connect, then the best
 * one 1 s of bandwidth probe; a probe still open after that belongs to a check that went away.
 */
export const PROBE_LIFETIME_MS = 10_000;
/** One probe per path the check tries (UDP, TCP, TURN/UDP, TURN/TLS). */
export const MAX_PROBES_PER_CONNECTION = 4;

export interface OpenedProbe {
  probeId: string;
  routerRtpCapabilities: mediasoupTypes.RtpCapabilities;
  transport: ProbeTransportOptions;
}

/** One socket's probes, and the ones it is still opening: both count against its limit. */
interface ConnectionProbes {
  open: Map<string, MediaProbe>;
  opening: number;
}

/**
 * The network check's server side: short-lived probe transports to the SFU (see MediaProbe),
 * each owned by the socket connection that asked for it. A probe closes when its owner says so,
 * after PROBE_LIFETIME_MS, and when the socket goes; a connection holds at most
 * MAX_PROBES_PER_CONNECTION, counting those still being created, so no client can pile them up.
 * Nothing is written to the records: a probe is not a consultation.
 */
export class NetworkProbes {
  readonly #sfu: { createProbeTransport(): Promise<MediaProbe> };
  readonly #clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  readonly #lifetimeMs: number;
  readonly #connections = new Map<string, ConnectionProbes>();

  constructor({
    sfu,
    clock,
    lifetimeMs = PROBE_LIFETIME_MS,
  }: {
    sfu: { createProbeTransport(): Promise<MediaProbe> };
    clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
    lifetimeMs?: number;
  }) {
    this.#sfu = sfu;
    this.#clock = clock;
    this.#lifetimeMs = lifetimeMs;
  }

  /** Probes open now, over every connection (for tests and monitoring). */
  get openCount(): number {
    let count = 0;
    for (const connection of this.#connections.values()) count += connection.open.size;
    return count;
  }

  async open(connectionId: string): Promise<OpenedProbe> {
    const connection = this.#connections.get(connectionId) ?? { open: new Map(), opening: 0 };
    if (connection.open.size + connection.opening >= MAX_PROBES_PER_CONNECTION) {
      throw new ProtocolError('CONFLICT', `at most ${MAX_PROBES_PER_CONNECTION} network probes may be open at once`);
    }
    this.#connections.set(connectionId, connection);
    connection.opening += 1;
    let probe: MediaProbe;
    try {
      probe = await this.#sfu.createProbeTransport();
    } catch (error) {
      connection.opening -= 1;
      this.#forgetIfIdle(connectionId, connection);
      throw error;
    }
    connection.opening -= 1;
    // The socket went while the transport was being made.
    if (this.#connections.get(connectionId) !== connection) {
      probe.close();
      throw new ProtocolError('CONFLICT', 'the connection has closed');
    }
    connection.open.set(probe.id, probe);
    const timer = this.#clock.setTimeout(() => probe.close(), this.#lifetimeMs);
    probe.once('close', () => {
      this.#clock.clearTimeout(timer);
      connection.open.delete(probe.id);
      this.#forgetIfIdle(connectionId, connection);
    });
    return { probeId: probe.id, routerRtpCapabilities: probe.routerRtpCapabilities, transport: probe.options };
  }

  async connect(connectionId: string, probeId: string, dtlsParameters: DtlsParameters): Promise<void> {
    await this.#probe(connectionId, probeId).connect(dtlsParameters as mediasoupTypes.DtlsParameters);
  }

  async produceData(connectionId: string, probeId: string, sctpStreamParameters: SctpStreamParameters, label: string): Promise<string> {
    return this.#probe(connectionId, probeId).produceData(sctpStreamParameters, label);
  }

  /** Idempotent: a probe that already timed out is no error. */
  close(connectionId: string, probeId: string): void {
    this.#connections.get(connectionId)?.open.get(probeId)?.close();
  }

  /** The socket has gone: its probes close, and any it was still opening close as they arrive. */
  connectionClosed(connectionId: string): void {
    const connection = this.#connections.get(connectionId);
    if (!connection) return;
    this.#connections.delete(connectionId);
    for (const probe of [...connection.open.values()]) probe.close();
  }

  #probe(connectionId: string, probeId: string): MediaProbe {
    const probe = this.#connections.get(connectionId)?.open.get(probeId);
    if (!probe) throw new ProtocolError('NOT_FOUND', 'no such network probe (it may have timed out)');
    return probe;
  }

  #forgetIfIdle(connectionId: string, connection: ConnectionProbes): void {
    if (connection.open.size === 0 && connection.opening === 0 && this.#connections.get(connectionId) === connection) {
      this.#connections.delete(connectionId);
    }
  }
}

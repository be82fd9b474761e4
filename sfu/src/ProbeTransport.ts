import type { types } from 'mediasoup';
import type { TransportOptions } from './Participant.ts';
import type { MediaProbe } from './media.ts';
import { TypedEmitter } from './TypedEmitter.ts';

/** What the browser needs to open a probe: the transport, with SCTP for its data channel, and the router's capabilities. */
export interface ProbeTransportOptions extends TransportOptions {
  sctpParameters: types.SctpParameters;
}

export type ProbeTransportEvents = { close: [] };

/**
 * A network check's connection to this SFU: a WebRtcTransport on the worker's WebRtcServer (the
 * very UDP and TCP ports calls use) under a router of its own, with SCTP so that a data channel can
 * prove the whole path (ICE, DTLS, SCTP) and carry a short bandwidth probe. No media. Closing it
 * closes the router, and with it the transport and its data producer; a worker's death closes it too.
 */
export class ProbeTransport extends TypedEmitter<ProbeTransportEvents> implements MediaProbe {
  readonly #router: types.Router;
  readonly #transport: types.WebRtcTransport;
  #closed = false;

  private constructor(router: types.Router, transport: types.WebRtcTransport) {
    super();
    this.#router = router;
    this.#transport = transport;
    router.observer.once('close', () => this.close());
  }

  static async create(router: types.Router, webRtcServer: types.WebRtcServer): Promise<ProbeTransport> {
    try {
      const transport = await router.createWebRtcTransport({
        webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        enableSctp: true,
        appData: { probe: true },
      });
      return new ProbeTransport(router, transport);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get id(): string {
    return this.#transport.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get routerRtpCapabilities(): types.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  get options(): ProbeTransportOptions {
    const transport = this.#transport;
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      sctpParameters: transport.sctpParameters!,
    };
  }

  async connect(dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#transport.connect({ dtlsParameters });
  }

  /** The browser's data channel (its bandwidth probe); the SFU only counts what arrives. */
  async produceData(sctpStreamParameters: types.SctpStreamParameters, label: string): Promise<string> {
    const dataProducer = await this.#transport.produceData({ sctpStreamParameters, label });
    return dataProducer.id;
  }

  /** Idempotent; emits `close` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#router.close();
    this.emit('close');
    this.removeAllListeners();
  }
}

import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { createLogger } from '@madoguchi/protocol/logger';
import { FIRST_SIMULCAST_LAYERS, noLayerAheadOfLowest, serveFirst, upgradeWhenForwarding, watchStarved } from './simulcastLayers.ts';
import type { MediaParticipant } from './media.ts';
import { TypedEmitter } from './TypedEmitter.ts';

const logger = createLogger('sfu:Participant');

/**
 * What one participant may hold at once. A room has a resident and at most a few operators, each
 * sending a handful of sources, so these leave room for every real call and none for a flood.
 */
export const PARTICIPANT_LIMITS = { producers: 8, consumers: 16 } as const;

export type Direction = 'send' | 'recv';

/** What the browser needs to create its side of a transport. */
export interface TransportOptions {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** A consumer the browser must create; it stays paused until the browser asks to resume it. */
export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  source: string;
  /** Role of the participant whose producer this consumes. */
  producerRole: string;
  /** Id of the participant whose producer this consumes (in its room). */
  producerParticipantId: string;
}

export interface ProduceRequest {
  transportId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  source: string;
}

/** appData on producers: who sends it, and what it is. */
export interface ProducerAppData extends types.AppData {
  source: string;
  role: string;
  participantId: string;
}

/** The sources a participant may be given (a guest: faces and voices, the papers only if allowed); null: all. */
export type ReceiveFilter = readonly string[] | null;

export type ParticipantEvents = {
  newConsumer: [ConsumerInfo];
  consumerClosed: [consumerId: string];
  /** The SFU sends a simulcast consumer no layer for want of this participant's bandwidth (or again does). */
  consumerStarved: [consumerId: string, starved: boolean, estimateBps: number | undefined];
  newProducer: [types.Producer<ProducerAppData>];
  close: [];
};

export interface ParticipantContext {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
  /** Cap on what a participant may send us, in bps (a mobile counter's uplink); undefined = none. */
  maxIncomingBitrate?: number;
  /** Producers of everyone else in the room, to consume once this participant is ready. */
  othersProducers(): Iterable<types.Producer<ProducerAppData>>;
  /** Whether the room forwards nothing yet (Room.hold): consumers stay paused until it is released. */
  held(): boolean;
}

/**
 * One side of a consultation inside a room. Owns its transports, producers and consumers;
 * closing it closes them all (mediasoup cascades from each transport).
 */
export class Participant extends TypedEmitter<ParticipantEvents> implements MediaParticipant {
  readonly id: string;
  /**
   * This entry into the room: a party that enters again (a rejoin, a rebuilt room) is a new
   * Participant with the same id and a new joinId, which its browser sends with its set-up requests.
   */
  readonly joinId: string;
  readonly role: string;
  readonly #context: ParticipantContext;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** What the browser was told of each consumer, to tell it again after its socket came back. */
  readonly #consumerInfos = new Map<string, ConsumerInfo>();
  /** Consumers the browser asked to resume while the room was held: resumed when it is released. */
  readonly #resumeOnRelease = new Set<string>();
  /** Producers whose consumer is being created. */
  readonly #consuming = new Set<string>();
  /**
   * Transports and sources being created: each is reserved before the first await, so a burst of
   * identical requests cannot all pass the check while the first is still in the worker.
   */
  readonly #creatingTransports = new Set<Direction>();
  readonly #producingSources = new Set<string>();
  #sendTransport?: types.WebRtcTransport;
  #recvTransport?: types.WebRtcTransport;
  #rtpCapabilities?: types.RtpCapabilities;
  /** Roles of the participants who may consume what this one sends; null: everyone in the room. */
  #audience: ReadonlySet<string> | null;
  /** Sources this participant may consume; null: every one the others' audiences let it have. */
  #receives: ReceiveFilter;
  #closed = false;

  constructor(
    id: string,
    role: string,
    context: ParticipantContext,
    audience: readonly string[] | null = null,
    receives: ReceiveFilter = null,
    joinId: string = randomUUID(),
  ) {
    super();
    this.id = id;
    this.joinId = joinId;
    this.role = role;
    this.#context = context;
    this.#audience = audience ? new Set(audience) : null;
    this.#receives = receives;
  }

  /**
   * This participant, for a set-up request of the given join: a request sent for an earlier entry
   * (still in flight when the party entered again) is refused instead of setting up this one.
   */
  ofJoin(joinId: string | undefined): this {
    if (joinId !== undefined && joinId !== this.joinId) throw new SfuError('CONFLICT', 'a request of an earlier join of the room');
    return this;
  }

  /** Whether this participant may be given a stream of this source (no consumer of any other is ever created). */
  receives(source: string): boolean {
    return this.#receives === null || this.#receives.includes(source);
  }

  /** Change what this participant may receive (the room then adds and removes the consumers: Room.setReceives). */
  setReceives(receives: ReceiveFilter): void {
    this.#receives = receives;
  }

  /** Whether a participant of `role` may consume this participant's producers. */
  heardBy(role: string): boolean {
    return this.#audience === null || this.#audience.has(role);
  }

  /** Change who may consume this participant (the room then adds and removes the consumers: Room.setAudience). */
  setAudience(audience: readonly string[] | null): void {
    this.#audience = audience ? new Set(audience) : null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get producers(): Iterable<types.Producer<ProducerAppData>> {
    return this.#producers.values();
  }

  /** Ask the senders of every video this participant receives for a key frame (its decoders start again at once). */
  async requestKeyFrames(): Promise<void> {
    const videos = [...this.#consumers.values()].filter((consumer) => consumer.kind === 'video' && !consumer.closed);
    await Promise.all(videos.map((consumer) => consumer.requestKeyFrame().catch(() => {})));
  }

  /** Every consumer the browser should hold now. */
  consumerInfos(): ConsumerInfo[] {
    return [...this.#consumerInfos.values()];
  }

  get counts(): { transports: number; producers: number; consumers: number } {
    return { transports: this.#transports.size, producers: this.#producers.size, consumers: this.#consumers.size };
  }

  async createTransport(direction: Direction): Promise<TransportOptions> {
    this.#assertOpen();
    // One transport each way: all of a participant's sources share it, and a client cannot pile up transports.
    const existing = direction === 'send' ? this.#sendTransport : this.#recvTransport;
    if (existing !== undefined || this.#creatingTransports.has(direction)) {
      throw new SfuError('CONFLICT', `${direction} transport already exists`);
    }
    this.#creatingTransports.add(direction);
    let transport: types.WebRtcTransport;
    try {
      transport = await this.#context.router.createWebRtcTransport({
        webRtcServer: this.#context.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: 1_500_000,
        appData: { direction },
      });
    } finally {
      this.#creatingTransports.delete(direction);
    }
    if (this.#closed) {
      transport.close();
      throw new SfuError('CONFLICT', 'participant closed');
    }
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => {
      this.#transports.delete(transport.id);
      if (this.#sendTransport === transport) this.#sendTransport = undefined;
      if (this.#recvTransport === transport) this.#recvTransport = undefined;
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') logger.warn(`transport ${transport.id} DTLS ${state}`);
    });
    if (direction === 'send') {
      this.#sendTransport = transport;
      // The browser's bandwidth estimate follows this cap, so its own encoder priorities decide
      // what gives way first (the face camera before the document camera).
      const cap = this.#context.maxIncomingBitrate;
      if (cap) await transport.setMaxIncomingBitrate(cap);
    } else {
      this.#recvTransport = transport;
      await this.#consumeExisting();
    }
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  /** New ICE credentials for a transport whose browser lost its connection; producers and consumers stay. */
  async restartIce(transportId: string): Promise<types.IceParameters> {
    return this.#transport(transportId).restartIce();
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  /** The browser has loaded the router capabilities: consume what the others already send. */
  async setReady(rtpCapabilities: types.RtpCapabilities): Promise<void> {
    this.#assertOpen();
    this.#rtpCapabilities = rtpCapabilities;
    await this.#consumeExisting();
  }

  async produce({ transportId, kind, rtpParameters, source }: ProduceRequest): Promise<string> {
    const transport = this.#transport(transportId);
    if (transport === this.#recvTransport) throw new SfuError('BAD_REQUEST', 'cannot produce on a receive transport');
    const sending = [...this.#producers.values()].map((producer) => producer.appData.source);
    if (sending.includes(source) || this.#producingSources.has(source)) throw new SfuError('CONFLICT', `already sending ${source}`);
    if (sending.length + this.#producingSources.size >= PARTICIPANT_LIMITS.producers) {
      throw new SfuError('CONFLICT', 'too many producers');
    }
    this.#producingSources.add(source);
    let producer: types.Producer<ProducerAppData>;
    try {
      producer = await transport.produce<ProducerAppData>({
        kind,
        rtpParameters,
        appData: { source, role: this.role, participantId: this.id },
      });
    } finally {
      this.#producingSources.delete(source);
    }
    if (this.#closed) {
      producer.close();
      throw new SfuError('CONFLICT', 'participant closed');
    }
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    this.emit('newProducer', producer);
    return producer.id;
  }

  closeProducer(producerId: string): void {
    this.#producer(producerId).close();
  }

  closeProducers(): void {
    for (const producer of [...this.#producers.values()]) producer.close();
  }

  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.#producer(producerId);
    if (paused) await producer.pause();
    else await producer.resume();
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new SfuError('NOT_FOUND', 'no such consumer');
    if (this.#context.held()) this.#resumeOnRelease.add(consumerId);
    else await consumer.resume();
  }

  /** The room forwards from now on: what the browser asked to resume is resumed (mediasoup asks the sender for a key frame). */
  async released(): Promise<void> {
    const consumers = [...this.#resumeOnRelease].flatMap((id) => this.#consumers.get(id) ?? []);
    this.#resumeOnRelease.clear();
    await Promise.all(consumers.map((consumer) => consumer.resume().catch(() => {})));
  }

  /**
   * Consume another participant's producer, paused (the mediasoup-demo pattern: the browser
   * resumes it once its local consumer exists, so no keyframe is lost before it can decode).
   */
  async consume(producer: types.Producer<ProducerAppData>): Promise<void> {
    const transport = this.#recvTransport;
    const rtpCapabilities = this.#rtpCapabilities;
    if (this.#closed || !transport || !rtpCapabilities || producer.closed) return;
    if (!this.receives(producer.appData.source)) return;
    // One consumer per producer, also when the ready-time catch-up and a new producer's fan-out
    // ask for the same producer at the same moment.
    if (this.#consuming.has(producer.id)) return;
    for (const consumer of this.#consumers.values()) if (consumer.producerId === producer.id) return;
    if (this.#consumers.size + this.#consuming.size >= PARTICIPANT_LIMITS.consumers) {
      logger.warn(`participant ${this.id} holds ${PARTICIPANT_LIMITS.consumers} consumers: not consuming ${producer.appData.source}`);
      return;
    }
    if (!this.#context.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      logger.warn(`participant ${this.id} cannot consume ${producer.appData.source} (${producer.kind})`);
      return;
    }
    this.#consuming.add(producer.id);
    let consumer: types.Consumer;
    try {
      await noLayerAheadOfLowest(producer);
      if (this.#closed || transport.closed || producer.closed) return;
      consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities,
        paused: true,
        preferredLayers: producer.type === 'simulcast' ? FIRST_SIMULCAST_LAYERS : undefined,
        appData: { source: producer.appData.source },
      });
    } finally {
      this.#consuming.delete(producer.id);
    }
    if (this.#closed || transport.closed) {
      consumer.close();
      return;
    }
    const info: ConsumerInfo = {
      consumerId: consumer.id,
      producerId: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      source: producer.appData.source,
      producerRole: producer.appData.role,
      producerParticipantId: producer.appData.participantId,
    };
    this.#consumers.set(consumer.id, consumer);
    this.#consumerInfos.set(consumer.id, info);
    if (consumer.type === 'simulcast') {
      serveFirst(consumer);
      upgradeWhenForwarding(consumer);
      watchStarved(consumer, producer, transport, `participant ${this.id}`, (starved, estimateBps) => this.emit('consumerStarved', consumer.id, starved, estimateBps));
    }
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      this.#consumerInfos.delete(consumer.id);
      this.#resumeOnRelease.delete(consumer.id);
    });
    consumer.on('producerclose', () => {
      this.#consumers.delete(consumer.id);
      this.#consumerInfos.delete(consumer.id);
      this.emit('consumerClosed', consumer.id);
    });
    this.emit('newConsumer', info);
  }

  /**
   * Stop consuming a producer that is still there (its sender's audience no longer includes us):
   * the consumer closes and the browser is told, as when the producer itself closes.
   */
  stopConsuming(producerId: string): void {
    for (const consumer of [...this.#consumers.values()]) {
      if (consumer.producerId !== producerId) continue;
      consumer.close();
      this.emit('consumerClosed', consumer.id);
    }
  }

  /** Leave the room: closes every transport, and with them every producer and consumer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.#transports.values()) transport.close();
    this.#clear();
  }

  /** The router is gone (room closed or worker died): mediasoup already closed our objects. */
  roomClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clear();
  }

  #clear(): void {
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.#consumerInfos.clear();
    this.#resumeOnRelease.clear();
    this.#sendTransport = undefined;
    this.#recvTransport = undefined;
    this.emit('close');
    this.removeAllListeners();
  }

  async #consumeExisting(): Promise<void> {
    for (const producer of this.#context.othersProducers()) await this.consume(producer);
  }

  #transport(id: string): types.WebRtcTransport {
    this.#assertOpen();
    const transport = this.#transports.get(id);
    if (!transport) throw new SfuError('NOT_FOUND', 'no such transport');
    return transport;
  }

  #producer(id: string): types.Producer<ProducerAppData> {
    this.#assertOpen();
    const producer = this.#producers.get(id);
    if (!producer) throw new SfuError('NOT_FOUND', 'no such producer');
    return producer;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SfuError('CONFLICT', 'participant closed');
  }
}

export type SfuErrorCode = 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';

/** A refusal by the SFU that the caller can show as-is (anything else is a mediasoup error). */
export class SfuError extends Error {
  readonly code: SfuErrorCode;
  constructor(code: SfuErrorCode, message: string) {
    super(message);
    this.name = 'SfuError';
    this.code = code;
  }
}

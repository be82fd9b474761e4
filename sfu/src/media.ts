import type { types } from 'mediasoup';
import type { ConsumerInfo, Direction, ProduceRequest, ReceiveFilter, TransportOptions } from './Participant.ts';
import type { ProbeTransportOptions } from './ProbeTransport.ts';
import type { RoomCloseReason, StreamQualitySample } from './Room.ts';
import type { WorkerStats } from './SfuNode.ts';

/**
 * The seam between signaling and the media: what a consultation service may ask of a media node, a
 * room and a participant. Two implementations: the workers in this process (SfuNode, Room,
 * Participant) and SFU nodes that run as processes of their own (RemoteSfu and its proxies).
 */

export interface Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
}

export type MediaParticipantEvents = {
  newConsumer: [ConsumerInfo];
  consumerClosed: [consumerId: string];
  /** The SFU sends a simulcast consumer no layer for want of this participant's bandwidth (or again does). */
  consumerStarved: [consumerId: string, starved: boolean, estimateBps: number | undefined];
  close: [];
};

export interface MediaParticipant extends Emitter<MediaParticipantEvents> {
  readonly id: string;
  /** This entry into the room (a rejoin is a new participant with the same id and a new joinId). */
  readonly joinId: string;
  readonly role: string;
  readonly closed: boolean;
  /** This participant, for a set-up request of the given join; a request of an earlier join is refused. */
  ofJoin(joinId: string | undefined): this;
  /** Every consumer the browser should hold now. */
  consumerInfos(): ConsumerInfo[];
  createTransport(direction: Direction): Promise<TransportOptions>;
  restartIce(transportId: string): Promise<types.IceParameters>;
  connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void>;
  setReady(rtpCapabilities: types.RtpCapabilities): Promise<void>;
  produce(request: ProduceRequest): Promise<string>;
  closeProducer(producerId: string): void;
  /** Stop everything this participant sends (a supervisor who goes back to monitoring). */
  closeProducers(): void;
  setProducerPaused(producerId: string, paused: boolean): Promise<void>;
  resumeConsumer(consumerId: string): Promise<void>;
  requestKeyFrames(): Promise<void>;
  close(): void;
}

export interface MediaRoom extends Emitter<{ close: [reason: RoomCloseReason] }> {
  readonly id: string;
  readonly closed: boolean;
  readonly held: boolean;
  readonly rtpCapabilities: types.RtpCapabilities;
  participant(id: string): MediaParticipant | undefined;
  join(participantId: string, role: string, audience?: readonly string[] | null, receives?: ReceiveFilter): MediaParticipant;
  hold(): void;
  release(): Promise<void>;
  setAudience(participantId: string, audience: readonly string[] | null): Promise<void>;
  setReceives(participantId: string, receives: ReceiveFilter): Promise<void>;
  sampleQuality(): Promise<StreamQualitySample[]>;
  requestKeyFrames(): Promise<void>;
  close(reason?: RoomCloseReason): void;
}

export interface MediaProbe extends Emitter<{ close: [] }> {
  readonly id: string;
  readonly closed: boolean;
  readonly routerRtpCapabilities: types.RtpCapabilities;
  readonly options: ProbeTransportOptions;
  connect(dtlsParameters: types.DtlsParameters): Promise<void>;
  produceData(sctpStreamParameters: types.SctpStreamParameters, label: string): Promise<string>;
  close(): void;
}

/** Why rooms were lost under their owners: a worker process, or a whole SFU node. */
export type MediaLoss = { reason: 'worker_died'; workerPid: number; sfuNodeId?: string } | { reason: 'sfu_node_lost'; sfuNodeId: string };

export type MediaNodeEvents = {
  /** Rooms closed under their owner, who rebuilds them (createRoom again) in the same consultation. */
  roomsLost: [loss: MediaLoss, roomIds: string[]];
};

export interface MediaNode extends Emitter<MediaNodeEvents> {
  createRoom(roomId: string): Promise<MediaRoom>;
  room(roomId: string): MediaRoom | undefined;
  createProbeTransport(): Promise<MediaProbe>;
  /** Workers running out of those expected, from what is known now (no round trip). */
  workerHealth(): { expected: number; running: number };
  stats(): Promise<WorkerStats[]>;
  close(): Promise<void>;
}

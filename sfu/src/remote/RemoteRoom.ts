import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { MediaParticipant, MediaParticipantEvents, MediaProbe, MediaRoom } from '../media.ts';
import { SfuError, type ConsumerInfo, type Direction, type ProduceRequest, type ReceiveFilter, type TransportOptions } from '../Participant.ts';
import type { ProbeTransportOptions } from '../ProbeTransport.ts';
import type { RoomCloseReason, StreamQualitySample } from '../Room.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import type { SfuCommand, SfuReplies, SfuRequest } from './contract.ts';
import type { SfuNodeLink } from './SfuNodeLink.ts';

type ParticipantCommand = Extract<SfuCommand, `participant.${string}`>;

/**
 * A room on an SFU node, as its controller holds it. What the consultation service reads at once
 * (who is in it, whether it is held or closed, each participant's consumers) is kept here from what
 * was asked and what the node told; everything else is a command on the link. The commands of one
 * room go in order on one connection, so a join reaches the node before the transports asked next.
 */
export class RemoteRoom extends TypedEmitter<{ close: [reason: RoomCloseReason] }> implements MediaRoom {
  readonly id: string;
  readonly rtpCapabilities: types.RtpCapabilities;
  readonly link: SfuNodeLink;
  readonly #participants = new Map<string, RemoteParticipant>();
  #held = false;
  #closed = false;

  constructor(id: string, rtpCapabilities: types.RtpCapabilities, link: SfuNodeLink) {
    super();
    this.id = id;
    this.rtpCapabilities = rtpCapabilities;
    this.link = link;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get held(): boolean {
    return this.#held;
  }

  participant(id: string): RemoteParticipant | undefined {
    return this.#participants.get(id);
  }

  join(participantId: string, role: string, audience: readonly string[] | null = null, receives: ReceiveFilter = null): MediaParticipant {
    if (this.#closed) throw new SfuError('CONFLICT', 'room closed');
    if (this.#participants.has(participantId)) throw new SfuError('CONFLICT', 'already in the room');
    const joinId = randomUUID();
    const participant = new RemoteParticipant(this, participantId, role, joinId);
    this.#participants.set(participantId, participant);
    participant.once('close', () => {
      if (this.#participants.get(participantId) === participant) this.#participants.delete(participantId);
    });
    this.link.tell('room.join', { roomId: this.id, participantId, joinId, role, audience: audience ? [...audience] : null, receives: receives ? [...receives] : null });
    return participant;
  }

  hold(): void {
    this.#held = true;
    this.link.tell('room.hold', { roomId: this.id });
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await this.link.request('room.release', { roomId: this.id });
  }

  async setAudience(participantId: string, audience: readonly string[] | null): Promise<void> {
    await this.link.request('room.setAudience', { roomId: this.id, participantId, audience: audience ? [...audience] : null });
  }

  async setReceives(participantId: string, receives: ReceiveFilter): Promise<void> {
    await this.link.request('room.setReceives', { roomId: this.id, participantId, receives: receives ? [...receives] : null });
  }

  sampleQuality(): Promise<StreamQualitySample[]> {
    return this.link.request('room.sampleQuality', { roomId: this.id });
  }

  async requestKeyFrames(): Promise<void> {
    await this.link.request('room.requestKeyFrames', { roomId: this.id });
  }

  close(reason: RoomCloseReason = 'ended'): void {
    if (this.#closed) return;
    if (this.link.connected) this.link.tell('room.close', { roomId: this.id });
    this.closedOnNode(reason);
  }

  /** The room is gone on the node (closed there, or the node is gone). */
  closedOnNode(reason: RoomCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const participant of [...this.#participants.values()]) participant.roomClosed();
    this.#participants.clear();
    this.emit('close', reason);
    this.removeAllListeners();
  }
}

/** A participant in a RemoteRoom: its consumers and producers as the node reported them. */
export class RemoteParticipant extends TypedEmitter<MediaParticipantEvents> implements MediaParticipant {
  readonly id: string;
  readonly role: string;
  readonly joinId: string;
  readonly #room: RemoteRoom;
  readonly #consumers = new Map<string, ConsumerInfo>();
  readonly #producers = new Set<string>();
  #closed = false;

  constructor(room: RemoteRoom, id: string, role: string, joinId: string) {
    super();
    this.#room = room;
    this.id = id;
    this.role = role;
    this.joinId = joinId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  ofJoin(joinId: string | undefined): this {
    if (joinId !== undefined && joinId !== this.joinId) throw new SfuError('CONFLICT', 'a request of an earlier join of the room');
    return this;
  }

  consumerInfos(): ConsumerInfo[] {
    return [...this.#consumers.values()];
  }

  createTransport(direction: Direction): Promise<TransportOptions> {
    return this.#request('participant.createTransport', { direction });
  }

  restartIce(transportId: string): Promise<types.IceParameters> {
    return this.#request('participant.restartIce', { transportId });
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#request('participant.connectTransport', { transportId, dtlsParameters });
  }

  async setReady(rtpCapabilities: types.RtpCapabilities): Promise<void> {
    await this.#request('participant.setReady', { rtpCapabilities });
  }

  async produce(request: ProduceRequest): Promise<string> {
    const { producerId } = await this.#request('participant.produce', request);
    if (!this.#closed) this.#producers.add(producerId);
    return producerId;
  }

  closeProducer(producerId: string): void {
    this.#assertOpen();
    if (!this.#producers.delete(producerId)) throw new SfuError('NOT_FOUND', 'no such producer');
    this.#room.link.tell('participant.closeProducer', { ...this.#ref(), producerId });
  }

  closeProducers(): void {
    this.#assertOpen();
    this.#producers.clear();
    this.#room.link.tell('participant.closeProducers', this.#ref());
  }

  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    await this.#request('participant.setProducerPaused', { producerId, paused });
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    await this.#request('participant.resumeConsumer', { consumerId });
  }

  async requestKeyFrames(): Promise<void> {
    await this.#request('participant.requestKeyFrames', {});
  }

  close(): void {
    if (this.#closed) return;
    if (this.#room.link.connected) this.#room.link.tell('participant.close', this.#ref());
    this.roomClosed();
  }

  /** The node created a consumer for this participant. */
  consumerCreated(consumer: ConsumerInfo): void {
    if (this.#closed) return;
    this.#consumers.set(consumer.consumerId, consumer);
    this.emit('newConsumer', consumer);
  }

  consumerClosed(consumerId: string): void {
    if (this.#closed) return;
    this.#consumers.delete(consumerId);
    this.emit('consumerClosed', consumerId);
  }

  consumerStarved(consumerId: string, starved: boolean, estimateBps: number | undefined): void {
    if (!this.#closed) this.emit('consumerStarved', consumerId, starved, estimateBps);
  }

  /** Gone with its room (or left): no more commands or events. */
  roomClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#consumers.clear();
    this.#producers.clear();
    this.emit('close');
    this.removeAllListeners();
  }

  #ref() {
    return { roomId: this.#room.id, participantId: this.id, joinId: this.joinId };
  }

  #assertOpen(): void {
    if (this.#closed) throw new SfuError('CONFLICT', 'participant closed');
  }

  async #request<C extends ParticipantCommand>(command: C, request: Omit<SfuRequest<C>, 'roomId' | 'participantId' | 'joinId'>): Promise<SfuReplies[C]> {
    this.#assertOpen();
    return this.#room.link.request(command, { ...this.#ref(), ...request } as SfuRequest<C>);
  }
}

/** A network check's transport on an SFU node. */
export class RemoteProbe extends TypedEmitter<{ close: [] }> implements MediaProbe {
  readonly id: string;
  readonly options: ProbeTransportOptions;
  readonly routerRtpCapabilities: types.RtpCapabilities;
  readonly link: SfuNodeLink;
  #closed = false;

  constructor(options: ProbeTransportOptions, routerRtpCapabilities: types.RtpCapabilities, link: SfuNodeLink) {
    super();
    this.id = options.id;
    this.options = options;
    this.routerRtpCapabilities = routerRtpCapabilities;
    this.link = link;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async connect(dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.link.request('probe.connect', { probeId: this.id, dtlsParameters });
  }

  async produceData(sctpStreamParameters: types.SctpStreamParameters, label: string): Promise<string> {
    return (await this.link.request('probe.produceData', { probeId: this.id, sctpStreamParameters, label })).dataProducerId;
  }

  close(): void {
    if (this.#closed) return;
    if (this.link.connected) this.link.tell('probe.close', { probeId: this.id });
    this.closedOnNode();
  }

  closedOnNode(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
    this.removeAllListeners();
  }
}

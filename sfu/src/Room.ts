import type { types } from 'mediasoup';
import { Participant, SfuError, type ProducerAppData, type ReceiveFilter } from './Participant.ts';
import type { MediaRoom } from './media.ts';
import { TypedEmitter } from './TypedEmitter.ts';

/** sfu_node_lost: the SFU node (a process of its own) that hosted it is gone or unreachable. */
export type RoomCloseReason = 'ended' | 'worker_died' | 'shutdown' | 'sfu_node_lost';

/** What the SFU measured of one incoming stream (a producer) at one moment. */
export interface StreamQualitySample {
  /** Role of the participant who sends it (resident / operator) and what it is (face, document, mic, …). */
  role: string;
  source: string;
  kind: 'audio' | 'video';
  /** Sum over the simulcast layers, bits per second. */
  bitrate: number;
  /** Worst layer's share of packets lost in the last report interval, 0–1. */
  fractionLost: number;
  /** Worst layer's mediasoup score, 0 (unusable) – 10 (perfect). */
  score: number;
  /** Round-trip time to the sender in ms, when the sender reported it. */
  roundTripTime: number | null;
}

export type RoomEvents = {
  close: [reason: RoomCloseReason];
};

/** One consultation's media: one router, and the participants in it. */
export class Room extends TypedEmitter<RoomEvents> implements MediaRoom {
  readonly id: string;
  readonly #router: types.Router;
  readonly #webRtcServer: types.WebRtcServer;
  readonly #maxIncomingBitrate?: number;
  readonly #participants = new Map<string, Participant>();
  #held = false;
  #closed = false;

  constructor(id: string, router: types.Router, webRtcServer: types.WebRtcServer, maxIncomingBitrate?: number) {
    super();
    this.id = id;
    this.#router = router;
    this.#webRtcServer = webRtcServer;
    this.#maxIncomingBitrate = maxIncomingBitrate;
    // The worker died under us: mediasoup has closed the router and everything in it.
    router.on('workerclose', () => this.#closeAfterRouter('worker_died'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  get participantCount(): number {
    return this.#participants.size;
  }

  participant(id: string): Participant | undefined {
    return this.#participants.get(id);
  }

  /**
   * A participant enters the room. `audience`: the roles that may consume what it sends (a
   * supervisor who whispers is heard by operators only); null, the default: everyone. `joinId`: given
   * by a remote owner, who names the entry before it reaches this node.
   */
  join(participantId: string, role: string, audience: readonly string[] | null = null, receives: ReceiveFilter = null, joinId?: string): Participant {
    if (this.#closed) throw new SfuError('CONFLICT', 'room closed');
    if (this.#participants.has(participantId)) throw new SfuError('CONFLICT', 'already in the room');
    const participant: Participant = new Participant(
      participantId,
      role,
      {
        router: this.#router,
        webRtcServer: this.#webRtcServer,
        maxIncomingBitrate: this.#maxIncomingBitrate,
        othersProducers: () => this.#producersFor(participant),
        held: () => this.#held,
      },
      audience,
      receives,
      joinId,
    );
    this.#participants.set(participantId, participant);
    participant.on('newProducer', (producer) => void this.#fanOut(participantId, producer));
    participant.on('close', () => this.#participants.delete(participantId));
    return participant;
  }

  get held(): boolean {
    return this.#held;
  }

  /**
   * Forward nothing until release(): the parties connect, send and set up their consumers, which
   * stay paused in the SFU whatever the browsers ask (a call that rings: nobody sees or hears
   * anybody before the answer, and everything is ready when it comes).
   */
  hold(): void {
    this.#held = true;
  }

  /** End the hold: every consumer a browser asked to resume starts forwarding, from a key frame. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await Promise.all([...this.#participants.values()].map((participant) => participant.released()));
  }

  /**
   * Change who may consume a participant's producers: those who may no longer have their consumers
   * closed (and are told), those who now may get new ones.
   */
  async setAudience(participantId: string, audience: readonly string[] | null): Promise<void> {
    const sender = this.#participants.get(participantId);
    if (!sender) throw new SfuError('NOT_FOUND', 'no such participant');
    sender.setAudience(audience);
    for (const [id, receiver] of this.#participants) {
      if (id === participantId) continue;
      for (const producer of sender.producers) {
        if (sender.heardBy(receiver.role)) await receiver.consume(producer).catch(() => {});
        else receiver.stopConsuming(producer.id);
      }
    }
  }

  /**
   * Change which sources a participant may receive: consumers of sources it may no longer have are
   * closed (and it is told), those it now may have are created.
   */
  async setReceives(participantId: string, receives: ReceiveFilter): Promise<void> {
    const receiver = this.#participants.get(participantId);
    if (!receiver) throw new SfuError('NOT_FOUND', 'no such participant');
    receiver.setReceives(receives);
    for (const [id, sender] of this.#participants) {
      if (id === participantId || !sender.heardBy(receiver.role)) continue;
      for (const producer of sender.producers) {
        if (receiver.receives(producer.appData.source)) await receiver.consume(producer).catch(() => {});
        else receiver.stopConsuming(producer.id);
      }
    }
  }

  /**
   * One quality sample of every stream sent into the room, from mediasoup's receive statistics.
   * A stream that closes meanwhile is left out.
   */
  async sampleQuality(): Promise<StreamQualitySample[]> {
    const producers = [...this.#participants.values()].flatMap((participant) =>
      [...participant.producers].map((producer) => ({ role: participant.role, producer })),
    );
    const samples = await Promise.all(
      producers.map(async ({ role, producer }): Promise<StreamQualitySample | null> => {
        const stats = await producer.getStats().catch(() => []);
        const streams = stats.filter((stat) => stat.type === 'inbound-rtp');
        if (streams.length === 0) return null;
        const rtts = streams.flatMap((stat) => (stat.roundTripTime ? [stat.roundTripTime] : []));
        return {
          role,
          source: producer.appData.source,
          kind: producer.kind,
          bitrate: streams.reduce((sum, stat) => sum + stat.bitrate, 0),
          fractionLost: Math.max(...streams.map((stat) => stat.fractionLost)) / 256, // RTCP's 8-bit fraction
          score: Math.min(...streams.map((stat) => stat.score)),
          roundTripTime: rtts.length ? Math.max(...rtts) : null,
        };
      }),
    );
    return samples.filter((sample): sample is StreamQualitySample => sample !== null);
  }

  /**
   * After a party's link came back: every video in the room restarts from a key frame, so neither
   * that party nor the others wait for the next periodic one to see a picture again.
   */
  async requestKeyFrames(): Promise<void> {
    await Promise.all([...this.#participants.values()].map((participant) => participant.requestKeyFrames()));
  }

  /** Close the room: every participant leaves and the router closes (cascading in mediasoup). */
  close(reason: RoomCloseReason = 'ended'): void {
    if (this.#closed) return;
    this.#router.close();
    this.#closeAfterRouter(reason);
  }

  #closeAfterRouter(reason: RoomCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const participant of [...this.#participants.values()]) participant.roomClosed();
    this.#participants.clear();
    this.emit('close', reason);
    this.removeAllListeners();
  }

  async #fanOut(senderId: string, producer: types.Producer<ProducerAppData>): Promise<void> {
    const sender = this.#participants.get(senderId);
    for (const [id, participant] of this.#participants) {
      if (id === senderId || !sender?.heardBy(participant.role) || !participant.receives(producer.appData.source)) continue;
      await participant.consume(producer).catch(() => {
        // A consumer that cannot be created (participant left meanwhile) is not the sender's problem.
      });
    }
  }

  /** What a participant may consume: the producers of everyone else whose audience includes its role. */
  *#producersFor(receiver: Participant): Iterable<types.Producer<ProducerAppData>> {
    for (const sender of this.#participants.values()) {
      if (sender === receiver || !sender.heardBy(receiver.role)) continue;
      for (const producer of sender.producers) if (receiver.receives(producer.appData.source)) yield producer;
    }
  }
}

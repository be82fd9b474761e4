import type { types } from 'mediasoup';
import { Participant, SfuError, type ProducerAppData } from './Participant.ts';
import { TypedEmitter } from './TypedEmitter.ts';

export type RoomCloseReason = 'ended' | 'worker_died' | 'shutdown';

export type RoomEvents = {
  close: [reason: RoomCloseReason];
};

/** One consultation's media: one router, and the participants in it. */
export class Room extends TypedEmitter<RoomEvents> {
  readonly id: string;
  readonly #router: types.Router;
  readonly #webRtcServer: types.WebRtcServer;
  readonly #maxIncomingBitrate?: number;
  readonly #participants = new Map<string, Participant>();
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

  join(participantId: string, role: string): Participant {
    if (this.#closed) throw new SfuError('CONFLICT', 'room closed');
    if (this.#participants.has(participantId)) throw new SfuError('CONFLICT', 'already in the room');
    const participant = new Participant(participantId, role, {
      router: this.#router,
      webRtcServer: this.#webRtcServer,
      maxIncomingBitrate: this.#maxIncomingBitrate,
      othersProducers: () => this.#producersExcept(participantId),
    });
    this.#participants.set(participantId, participant);
    participant.on('newProducer', (producer) => void this.#fanOut(participantId, producer));
    participant.on('close', () => this.#participants.delete(participantId));
    return participant;
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

  async #fanOut(producerId: string, producer: types.Producer<ProducerAppData>): Promise<void> {
    for (const [id, participant] of this.#participants) {
      if (id === producerId) continue;
      await participant.consume(producer).catch(() => {
        // A consumer that cannot be created (participant left meanwhile) is not the sender's problem.
      });
    }
  }

  *#producersExcept(participantId: string): Iterable<types.Producer<ProducerAppData>> {
    for (const [id, participant] of this.#participants) if (id !== participantId) yield* participant.producers;
  }
}

import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, type SatisfactionScore } from '@madoguchi/protocol';
import type { DevicePrincipal } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import type { ConsultationRecorder } from './ConsultationRecorder.ts';

/** How long after the end of a call the tablet may still send its rating. */
const RATING_WINDOW_MS = 10 * 60 * 1000;

/**
 * The resident's satisfaction rating, recorded as the consultation's `rated` event: once per
 * consultation, only by the tablet that made it, only after it ended and not long after.
 */
export class FeedbackService {
  readonly #db: PrismaClient;
  readonly #recorder: ConsultationRecorder;
  readonly #clock: Clock;
  /** Ratings being written: a double tap must not record two. */
  readonly #rating = new Set<string>();

  constructor(db: PrismaClient, recorder: ConsultationRecorder, clock: Clock) {
    this.#db = db;
    this.#recorder = recorder;
    this.#clock = clock;
  }

  async rate(device: DevicePrincipal, consultationId: string, score: SatisfactionScore, comment?: string): Promise<void> {
    if (this.#rating.has(consultationId)) throw new ProtocolError('CONFLICT', 'already rated');
    this.#rating.add(consultationId);
    try {
      // The end of the call may still be on its way to the database (the records writer's queue).
      await this.#recorder.flush();
      const consultation = await this.#db.consultation.findFirst({
        where: { id: consultationId, deviceId: device.deviceId },
        select: { endedAt: true, events: { where: { type: 'rated' }, select: { id: true } } },
      });
      if (!consultation) throw new ProtocolError('NOT_FOUND', 'no such consultation');
      if (!consultation.endedAt) throw new ProtocolError('CONFLICT', 'the consultation has not ended');
      const now = this.#clock.now();
      if (now.getTime() - consultation.endedAt.getTime() > RATING_WINDOW_MS) {
        throw new ProtocolError('CONFLICT', 'too late to rate this consultation');
      }
      if (consultation.events.length > 0) throw new ProtocolError('CONFLICT', 'already rated');
      await this.#recorder.record(consultationId, 'rated', now, { type: 'device', id: device.deviceId }, {
        data: comment ? { score, comment } : { score },
      });
    } finally {
      this.#rating.delete(consultationId);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { refreshDerived, type PrismaClient } from '@madoguchi/db';
import type { ConsultationOutcome } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';


const logger = createLogger('records');

/** Every state change of a consultation, as written to the append-only ConsultationEvent log. */
export type ConsultationEventType =
  | 'requested'
  | 'refused' // outside hours / nobody on duty
  | 'offered'
  | 'declined'
  | 'offer_timeout'
  | 'offer_withdrawn'
  | 'widened' // secondary-skill operators may answer
  | 'overflowed' // the general counter may answer too
  | 'answered'
  | 'transferred'
  | 'specialist_invited'
  | 'specialist_offered'
  | 'specialist_joined'
  | 'specialist_cancelled'
  | 'operator_left'
  | 'connection_lost' // a party's socket or media went (who, how it was noticed)
  | 'reconnected' // …and came back (how: ice_restart / rejoin / resume_after_restart; the gap in ms)
  | 'media_restarted' // the room was rebuilt on another media worker (its worker died)
  | 'held' // the server stopped (restart, crash) with the consultation open; it waits for its parties
  | 'resumed' // a held consultation is live again after the restart
  | 'callback_requested'
  | 'cancelled'
  | 'ended'
  | 'failed'
  | 'rated'
  | 'chat'
  | 'note' // the operator's note and category (対応メモ・相談種別)
  | 'media_quality' // each stream's bitrate, loss, score and RTT over the call, from the SFU
  | 'wrap_up_ended'; // the operator's 後処理 after the call is over

export interface Actor {
  type: 'device' | 'staff' | 'system';
  id?: string;
}

/** Columns of the Consultation row that a state change may set. */
export interface ConsultationUpdate {
  operatorId?: string;
  answeredAt?: Date;
  endedAt?: Date;
  outcome?: ConsultationOutcome;
  endedBy?: 'resident' | 'operator' | 'system';
}

export interface NewConsultation {
  siteId: string;
  deviceId: string;
  departmentId: string;
  requestedAt: Date;
}

/**
 * Writes consultations and their events. Writes for one consultation are applied in order (a
 * chain per consultation), each change, its event and the data derived from the log (summary
 * columns, the daily statistics row) in one transaction, so nothing disagrees with the log.
 */
export class ConsultationRecorder {
  readonly #db: PrismaClient;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(db: PrismaClient) {
    this.#db = db;
  }

  /** Create the row and its `requested` event; the consultation exists on record before anyone is told. */
  async create(consultation: NewConsultation, actor: Actor): Promise<string> {
    const id = randomUUID();
    await this.#db.$transaction([
      this.#db.consultation.create({
        data: {
          id,
          ...consultation,
          events: { create: { type: 'requested', at: consultation.requestedAt, actorType: actor.type, actorId: actor.id } },
        },
      }),
      ...refreshDerived({ id, ...consultation }).map((statement) => this.#db.$executeRaw(statement)),
    ]);
    return id;
  }

  /** Append an event (and update the row with it), after every earlier write for this consultation. */
  record(
    consultationId: string,
    type: ConsultationEventType,
    at: Date,
    actor: Actor,
    { update, data }: { update?: ConsultationUpdate; data?: Record<string, unknown> } = {},
  ): Promise<void> {
    const previous = this.#chains.get(consultationId) ?? Promise.resolve();
    const next = previous.then(() => this.#write(consultationId, type, at, actor, update, data));
    this.#chains.set(consultationId, next);
    void next.finally(() => {
      if (this.#chains.get(consultationId) === next) this.#chains.delete(consultationId);
    });
    return next;
  }

  /** Wait until every pending write has landed (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all(this.#chains.values());
  }

  async #write(
    consultationId: string,
    type: ConsultationEventType,
    at: Date,
    actor: Actor,
    update: ConsultationUpdate | undefined,
    data: Record<string, unknown> | undefined,
  ): Promise<void> {
    const event = this.#db.consultationEvent.create({
      data: {
        consultationId,
        type,
        at,
        actorType: actor.type,
        actorId: actor.id,
        data: data ? JSON.stringify(data) : undefined,
      },
    });
    try {
      // The bucket of the daily statistics never changes: requestedAt, department and site are fixed at creation.
      const key = await this.#db.consultation.findUniqueOrThrow({
        where: { id: consultationId },
        select: { id: true, requestedAt: true, departmentId: true, siteId: true },
      });
      const derived = refreshDerived(key).map((statement) => this.#db.$executeRaw(statement));
      if (update) {
        await this.#db.$transaction([this.#db.consultation.update({ where: { id: consultationId }, data: update }), event, ...derived]);
      } else {
        await this.#db.$transaction([event, ...derived]);
      }
    } catch (error) {
      // The live call must go on; the failure is loud in the log for the operator of the server.
      logger.error(`could not record ${type} for consultation ${consultationId}:`, error);
    }
  }
}

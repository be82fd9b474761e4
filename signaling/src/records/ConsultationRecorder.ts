import { randomUUID } from 'node:crypto';
import { databaseFault, refreshDerived, type DatabaseFault, type DatabaseProbe, type PrismaClient } from '@madoguchi/db';
import type { ConsultationOutcome } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';


const logger = createLogger('records');

/** Events held while the database cannot be written, before events the summary does not need are refused. */
const DEFAULT_BUFFER_LIMIT = 50_000;
/** Backoff of the retries while the database cannot be written. */
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 2_000;

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
  | 'handover_note' // the 引き継ぎメモ given with a transfer or an invitation
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
  | 'still_taken' // a still of the document camera was stored (who asked, the still's id and size)
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

export interface RecorderStatus {
  /** Events recorded but not yet in the database. */
  buffered: number;
  /** Events given up since the start (buffer full, or refused by the database as invalid); each is in the log. */
  dropped: number;
  /** Why the database cannot be written, while writes are failing; null when the last write landed. */
  fault: DatabaseFault | null;
}

/** One event to write, with the row update it carries and whoever awaits it. */
interface PendingWrite {
  consultationId: string;
  type: ConsultationEventType;
  at: Date;
  actor: Actor;
  update?: ConsultationUpdate;
  data?: Record<string, unknown>;
  settle(): void;
}

/** The summary columns (wait, talk, end, outcome, satisfaction) come from these: they are never refused. */
const needsForSummary = (write: PendingWrite) => write.update !== undefined || write.type === 'answered' || write.type === 'rated';

/** One line of the log from which an unwritten event can be restored by hand. */
const describe = ({ consultationId, type, at, actor, update, data }: PendingWrite) =>
  JSON.stringify({ consultationId, type, at, actor, update, data });

/**
 * Writes consultations and their events. Each change, its event and the data derived from the log
 * (summary columns, the daily statistics row) go in one transaction, so nothing disagrees with the log.
 *
 * Events are written one at a time in the order they were recorded (the SQLite connection is
 * synchronous, so this costs no throughput), which keeps every consultation's events in order.
 * When the database cannot be written (locked by another process, read-only, gone), the events
 * wait in memory and the head is retried with backoff; nothing is dropped unless the buffer
 * overflows, and then never an event the summary columns depend on.
 */
export class ConsultationRecorder {
  readonly #db: PrismaClient;
  readonly #probe: DatabaseProbe | undefined;
  readonly #bufferLimit: number;
  readonly #pending = new WriteQueue();
  /** The writer loop, while it runs. */
  #writer: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs = RETRY_FIRST_MS;
  #fault: DatabaseFault | null = null;
  #faultSince = 0;
  #dropped = 0;
  #closed = false;
  #flushes: Array<() => void> = [];

  /** `probe`: asked before retrying a locked database, so that a retry does not sit out the busy timeout. */
  constructor(db: PrismaClient, { probe, bufferLimit = DEFAULT_BUFFER_LIMIT }: { probe?: DatabaseProbe; bufferLimit?: number } = {}) {
    this.#db = db;
    this.#probe = probe;
    this.#bufferLimit = bufferLimit;
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

  /**
   * Append an event (and update the row with it), after every event recorded before it. Resolves
   * once it is in the database (or given up, which the log says); never rejects.
   */
  record(
    consultationId: string,
    type: ConsultationEventType,
    at: Date,
    actor: Actor,
    { update, data }: { update?: ConsultationUpdate; data?: Record<string, unknown> } = {},
  ): Promise<void> {
    return new Promise((settle) => {
      const write: PendingWrite = { consultationId, type, at, actor, update, data, settle };
      if (this.#closed) {
        logger.error(`not recorded (the recorder gave up at shutdown): ${describe(write)}`);
        settle();
      } else if (this.#pending.length >= this.#bufferLimit && !needsForSummary(write)) {
        this.#dropped++;
        logger.error(`not recorded (${this.#pending.length} events already wait for the database): ${describe(write)}`);
        settle();
      } else {
        this.#pending.push(write);
        this.#startWriting();
      }
    });
  }

  /** Wait until no event waits to be written (or the recorder gave up at close()). */
  flush(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushes.push(resolve));
  }

  /**
   * Shutdown: wait up to `timeoutMs` for the buffer to drain; if it does not, stop retrying and log
   * every event still unwritten, one per line, so that it can be restored by hand.
   */
  async close(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      this.flush().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (drained) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#writer; // the write under way finishes (or fails) first
    logger.error(`database ${this.#fault ?? 'unavailable'}: ${this.#pending.length} events were not written before shutdown:`);
    for (let write = this.#pending.shift(); write; write = this.#pending.shift()) {
      logger.error(`not recorded: ${describe(write)}`);
      write.settle();
    }
    this.#settleFlushes();
  }

  status(): RecorderStatus {
    return { buffered: this.#pending.length, dropped: this.#dropped, fault: this.#fault };
  }

  #startWriting(): void {
    if (this.#writer || this.#retryTimer || this.#closed || this.#pending.length === 0) return;
    this.#writer = this.#writeAll().finally(() => {
      this.#writer = undefined;
      this.#startWriting(); // events recorded while the loop was finishing
    });
  }

  async #writeAll(): Promise<void> {
    for (let write = this.#pending.peek(); write && !this.#closed; write = this.#pending.peek()) {
      try {
        await this.#write(write);
        this.#writable();
      } catch (error) {
        const fault = databaseFault(error);
        if (fault) return this.#retryLater(fault);
        // Not the database's state but the write itself (e.g. its consultation is gone): retrying cannot help.
        this.#dropped++;
        logger.error(`could not record ${write.type} for consultation ${write.consultationId}: ${describe(write)}`, error);
      }
      this.#pending.shift();
      write.settle();
    }
    this.#settleFlushes();
  }

  #retryLater(fault: DatabaseFault): void {
    if (!this.#fault) {
      this.#faultSince = Date.now();
      logger.warn(`database ${fault}: holding the records' events (${this.#pending.length} now) and retrying`);
    }
    this.#fault = fault;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      // A write would wait the busy timeout for a lock that is still held, and the event loop with it.
      if (fault === 'locked' && this.#probe?.check() === 'locked') this.#retryLater(fault);
      else this.#startWriting();
    }, this.#retryDelayMs);
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, RETRY_MAX_MS);
  }

  #writable(): void {
    if (!this.#fault) return;
    logger.info(`database writable again after ${((Date.now() - this.#faultSince) / 1000).toFixed(1)} s: writing ${this.#pending.length} held events`);
    this.#fault = null;
    this.#retryDelayMs = RETRY_FIRST_MS;
  }

  #settleFlushes(): void {
    if (this.#pending.length > 0) return;
    for (const resolve of this.#flushes.splice(0)) resolve();
  }

  /** One event, its row update and the derived data, in one transaction; throws what the database threw. */
  async #write({ consultationId, type, at, actor, update, data }: PendingWrite): Promise<void> {
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
  }
}

/** A FIFO whose shift() stays cheap with tens of thousands of entries (Array.shift() copies). */
class WriteQueue {
  #items: PendingWrite[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(write: PendingWrite): void {
    this.#items.push(write);
  }

  peek(): PendingWrite | undefined {
    return this.#items[this.#head];
  }

  shift(): PendingWrite | undefined {
    const write = this.#items[this.#head];
    if (!write) return undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return write;
  }
}

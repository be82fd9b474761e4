import type Database from 'better-sqlite3';
import { databaseFault } from './faults.ts';
import { CONTRIBUTIONS_OF_BATCH, UPDATE_SUMMARIES_OF_BATCH, type Contribution } from './summary.ts';

/**
 * The records' write side: batches of consultation rows and events written straight through
 * better-sqlite3 (prepared once, one transaction per batch), with the derived data brought up to
 * date incrementally. It runs in the records writer's own thread (signaling/src/records), so the
 * synchronous SQLite work never holds up signaling; it imports nothing of Prisma's client for the
 * same reason (a thread's memory and start-up). The schema is Prisma's (schema.prisma); timestamps
 * are written in the text form Prisma's adapter uses, so both read the same rows.
 */

export interface RecordActor {
  type: 'device' | 'staff' | 'system';
  id?: string;
}

/** Columns of the Consultation row that an event may set. */
export interface RecordUpdate {
  operatorId?: string;
  answeredAt?: Date;
  endedAt?: Date;
  outcome?: string;
  endedBy?: 'resident' | 'operator' | 'system';
}

/** One change on record: a new consultation (with its `requested` event), or an event of one. */
export type RecordWrite =
  | { kind: 'create'; id: string; siteId: string; deviceId: string; departmentId: string; requestedAt: Date; actor: RecordActor }
  | { kind: 'event'; consultationId: string; type: string; at: Date; actor: RecordActor; update?: RecordUpdate; data?: Record<string, unknown> };

export interface BatchResult {
  /** Writes refused by the database as invalid (e.g. an event of a consultation that does not exist), with why. */
  refused: { write: RecordWrite; error: unknown }[];
}

const dbTime = (date: Date) => date.toISOString().replace('Z', '+00:00');
const consultationOf = (write: RecordWrite) => (write.kind === 'create' ? write.id : write.consultationId);

/** The columns of a ConsultationDaily row, as the rebuild in summary.ts writes them. */
interface DailyRow {
  day: string;
  departmentId: string;
  siteId: string;
  total: number;
  ended: number;
  refused: number;
  abandoned: number;
  waitSumMs: number;
  waitCount: number;
  talkSumMs: number;
  talkCount: number;
  hourCounts: string;
  waitHistogram: string;
  answeredWaitHistogram: string;
  talkHistogram: string;
  ratings: string;
  lossCount: number;
  lostSumMs: number;
}

const COUNTS = ['total', 'ended', 'refused', 'abandoned', 'waitSumMs', 'waitCount', 'talkSumMs', 'talkCount', 'lossCount', 'lostSumMs'] as const;
const HISTOGRAMS = ['hourCounts', 'waitHistogram', 'answeredWaitHistogram', 'talkHistogram', 'ratings'] as const;
type Counts = Record<(typeof COUNTS)[number], number>;
type Histograms = Record<(typeof HISTOGRAMS)[number], Map<string, number>>;

/** Seconds rounded up, as the rebuild's `(ms + 999) / 1000` (integer division) buckets them. */
const secondsUp = (ms: number) => String(Math.trunc((ms + 999) / 1000));

/** A daily row being changed in memory: its counts and its histograms as maps. */
class DailyBucket {
  readonly counts: Counts;
  readonly histograms: Histograms;

  constructor(row: DailyRow | undefined) {
    this.counts = Object.fromEntries(COUNTS.map((column) => [column, Number(row?.[column] ?? 0)])) as Counts;
    this.histograms = Object.fromEntries(
      HISTOGRAMS.map((column) => [column, new Map(Object.entries(JSON.parse(row?.[column] ?? '{}') as Record<string, number>))]),
    ) as Histograms;
  }

  /** Add (sign 1) or take away (sign −1) one consultation, exactly as the rebuild would count it. */
  apply(c: Contribution, sign: 1 | -1): void {
    const ended = c.outcome !== null;
    const add = (column: keyof Counts, value: number | boolean) => (this.counts[column] += sign * Number(value));
    const count = (histogram: keyof Histograms, key: string) => {
      const map = this.histograms[histogram];
      const next = (map.get(key) ?? 0) + sign;
      if (next === 0) map.delete(key);
      else map.set(key, next);
    };
    add('total', 1);
    add('ended', ended);
    add('refused', ended && c.refused === 1);
    add('abandoned', c.outcome === 'abandoned');
    add('waitSumMs', c.waitMs ?? 0);
    add('waitCount', c.waitMs !== null);
    add('talkSumMs', c.talkMs ?? 0);
    add('talkCount', c.talkMs !== null);
    add('lossCount', c.connectionLosses > 0);
    add('lostSumMs', c.connectionLostMs);
    count('hourCounts', String(c.hour));
    if (c.waitMs !== null) count('waitHistogram', secondsUp(c.waitMs));
    if (c.waitMs !== null && ended && c.talkMs !== null) count('answeredWaitHistogram', secondsUp(c.waitMs));
    if (c.talkMs !== null) count('talkHistogram', secondsUp(c.talkMs));
    if (c.satisfaction !== null) count('ratings', String(c.satisfaction));
  }

  /** The row's histogram columns as JSON text, keys in numeric order. */
  json(histogram: keyof Histograms): string {
    const entries = [...this.histograms[histogram]].sort(([a], [b]) => Number(a) - Number(b));
    return JSON.stringify(Object.fromEntries(entries));
  }
}

/**
 * Writes batches on one better-sqlite3 connection. Each batch is one transaction: the rows and
 * events in the order given, then the summary columns of every consultation it touched, then the
 * daily rows those consultations count in, changed by what each one counted before and counts now.
 * The cost follows the batch, never the size of the day (summary.ts's rebuild recomputes a whole
 * table; it is what the tests check this against).
 */
export class RecordsBatchWriter {
  readonly #db: Database.Database;
  readonly #statements;
  /** One write in a savepoint of its own (a transaction nested in the batch's), so that a refused write is undone alone. */
  readonly #applyOne: (write: RecordWrite) => void;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = {
      insertConsultation: db.prepare(
        'INSERT INTO Consultation (id, siteId, deviceId, departmentId, requestedAt) VALUES (@id, @siteId, @deviceId, @departmentId, @requestedAt)',
      ),
      insertEvent: db.prepare(
        'INSERT INTO ConsultationEvent (consultationId, type, at, actorType, actorId, data) VALUES (@consultationId, @type, @at, @actorType, @actorId, @data)',
      ),
      updateConsultation: db.prepare(
        `UPDATE Consultation SET operatorId = COALESCE(@operatorId, operatorId), answeredAt = COALESCE(@answeredAt, answeredAt),
                endedAt = COALESCE(@endedAt, endedAt), outcome = COALESCE(@outcome, outcome), endedBy = COALESCE(@endedBy, endedBy)
          WHERE id = @id`,
      ),
      contributions: db.prepare<[string], Contribution>(CONTRIBUTIONS_OF_BATCH),
      updateSummaries: db.prepare<[string]>(UPDATE_SUMMARIES_OF_BATCH),
      dailyRow: db.prepare<[string, string, string], DailyRow>('SELECT * FROM ConsultationDaily WHERE day = ? AND departmentId = ? AND siteId = ?'),
      deleteDaily: db.prepare('DELETE FROM ConsultationDaily WHERE day = ? AND departmentId = ? AND siteId = ?'),
      upsertDaily: db.prepare(
        `INSERT OR REPLACE INTO ConsultationDaily (day, departmentId, siteId, ${COUNTS.join(', ')}, ${HISTOGRAMS.join(', ')})
         VALUES (@day, @departmentId, @siteId, ${COUNTS.map((c) => `@${c}`).join(', ')}, ${HISTOGRAMS.map((c) => `@${c}`).join(', ')})`,
      ),
    };
    this.#applyOne = db.transaction((write: RecordWrite) => this.#apply(write));
  }

  /**
   * Write a batch in one transaction. A write the database refuses as invalid is left out (its
   * savepoint rolled back) and returned; a fault of the database itself (locked, read-only, gone)
   * throws, and nothing of the batch is written.
   */
  write(batch: readonly RecordWrite[]): BatchResult {
    const refused: BatchResult['refused'] = [];
    this.#db.transaction(() => {
      const ids = JSON.stringify([...new Set(batch.map(consultationOf))]);
      const before = this.#statements.contributions.all(ids);
      for (const write of batch) {
        try {
          this.#applyOne(write);
        } catch (error) {
          if (databaseFault(error)) throw error;
          refused.push({ write, error });
        }
      }
      this.#statements.updateSummaries.run(ids);
      this.#updateDaily(before, this.#statements.contributions.all(ids));
    })();
    return { refused };
  }

  #apply(write: RecordWrite): void {
    const { insertConsultation, insertEvent, updateConsultation } = this.#statements;
    const actor = { actorType: write.actor.type, actorId: write.actor.id ?? null };
    if (write.kind === 'create') {
      const { id, siteId, deviceId, departmentId, requestedAt } = write;
      insertConsultation.run({ id, siteId, deviceId, departmentId, requestedAt: dbTime(requestedAt) });
      insertEvent.run({ consultationId: id, type: 'requested', at: dbTime(requestedAt), ...actor, data: null });
      return;
    }
    const { consultationId, type, at, update, data } = write;
    if (update) {
      const time = (date: Date | undefined) => (date ? dbTime(date) : null);
      const changes = updateConsultation.run({
        id: consultationId,
        operatorId: update.operatorId ?? null,
        answeredAt: time(update.answeredAt),
        endedAt: time(update.endedAt),
        outcome: update.outcome ?? null,
        endedBy: update.endedBy ?? null,
      }).changes;
      if (changes === 0) throw new Error(`no consultation ${consultationId}`);
    }
    insertEvent.run({ consultationId, type, at: dbTime(at), ...actor, data: data ? JSON.stringify(data) : null });
  }

  /** Take what each consultation counted before out of its daily row and add what it counts now. */
  #updateDaily(before: Contribution[], after: Contribution[]): void {
    const buckets = new Map<string, { key: [string, string, string]; bucket: DailyBucket }>();
    const bucketOf = (c: Contribution) => {
      const id = `${c.day}\u0000${c.departmentId}\u0000${c.siteId}`;
      let entry = buckets.get(id);
      if (!entry) {
        const key: [string, string, string] = [c.day, c.departmentId, c.siteId];
        entry = { key, bucket: new DailyBucket(this.#statements.dailyRow.get(...key)) };
        buckets.set(id, entry);
      }
      return entry.bucket;
    };
    for (const c of before) bucketOf(c).apply(c, -1);
    for (const c of after) bucketOf(c).apply(c, 1);
    for (const { key: [day, departmentId, siteId], bucket } of buckets.values()) {
      if (bucket.counts.total === 0) {
        this.#statements.deleteDaily.run(day, departmentId, siteId);
        continue;
      }
      const histograms = Object.fromEntries(HISTOGRAMS.map((column) => [column, bucket.json(column)]));
      this.#statements.upsertDaily.run({ day, departmentId, siteId, ...bucket.counts, ...histograms });
    }
  }
}

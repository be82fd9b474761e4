import type Database from 'better-sqlite3';
import { databaseFault } from './faults.ts';
import {
  BREAKDOWN_CONTRIBUTIONS_OF_BATCH,
  CONTRIBUTIONS_OF_BATCH,
  UPDATE_SUMMARIES_OF_BATCH,
  type BreakdownContribution,
  type Contribution,
} from './summary.ts';

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

/** Seconds rounded up, as the rebuild's `(ms + 999) / 1000` (integer division) buckets them. */
const secondsUp = (ms: number) => String(Math.trunc((ms + 999) / 1000));

/** Histogram keys in the rebuild's order: numbers numerically, words (outcomes) as SQLite sorts text. */
const bucketOrder = (a: string, b: string) => {
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return a < b ? -1 : a > b ? 1 : 0;
  return x - y;
};

/** What one contribution does to its row: add to a count, count one in a histogram's bucket. */
interface RowChange<Count extends string, Histogram extends string> {
  add(column: Count, value: number | boolean): void;
  count(histogram: Histogram, bucket: string): void;
}

/**
 * A rollup table kept incrementally: its key columns, its counts and JSON histograms, and what one
 * contribution (a consultation's, as summary.ts's SQL gives it) adds to its row — exactly as the
 * rebuild in summary.ts counts it.
 */
interface RollupSpec<C, Count extends string, Histogram extends string> {
  table: string;
  keys: readonly (keyof C & string)[];
  /** the first is the row's total: a row that counts nothing any more is deleted */
  counts: readonly Count[];
  histograms: readonly Histogram[];
  apply(c: C, row: RowChange<Count, Histogram>): void;
}

const DAILY = {
  table: 'ConsultationDaily',
  keys: ['day', 'departmentId', 'siteId'],
  counts: ['total', 'ended', 'refused', 'abandoned', 'waitSumMs', 'waitCount', 'talkSumMs', 'talkCount', 'lossCount', 'lostSumMs'],
  histograms: ['hourCounts', 'waitHistogram', 'answeredWaitHistogram', 'talkHistogram', 'ratings'],
  apply(c, row) {
    const ended = c.outcome !== null;
    row.add('total', 1);
    row.add('ended', ended);
    row.add('refused', ended && c.refused === 1);
    row.add('abandoned', c.outcome === 'abandoned');
    row.add('waitSumMs', c.waitMs ?? 0);
    row.add('waitCount', c.waitMs !== null);
    row.add('talkSumMs', c.talkMs ?? 0);
    row.add('talkCount', c.talkMs !== null);
    row.add('lossCount', c.connectionLosses > 0);
    row.add('lostSumMs', c.connectionLostMs);
    row.count('hourCounts', String(c.hour));
    if (c.waitMs !== null) row.count('waitHistogram', secondsUp(c.waitMs));
    if (c.waitMs !== null && ended && c.talkMs !== null) row.count('answeredWaitHistogram', secondsUp(c.waitMs));
    if (c.talkMs !== null) row.count('talkHistogram', secondsUp(c.talkMs));
    if (c.satisfaction !== null) row.count('ratings', String(c.satisfaction));
  },
} as const satisfies RollupSpec<Contribution, string, string>;

const BREAKDOWN = {
  table: 'ConsultationDailyBreakdown',
  keys: ['day', 'departmentId', 'siteId', 'dimension', 'key'],
  counts: ['total', 'waitSumMs', 'waitCount', 'talkSumMs', 'talkCount', 'transfers'],
  histograms: ['outcomes', 'waitHistogram', 'talkHistogram', 'ratings'],
  apply(c, row) {
    row.add('total', 1);
    row.add('waitSumMs', c.waitMs ?? 0);
    row.add('waitCount', c.waitMs !== null);
    row.add('talkSumMs', c.talkMs ?? 0);
    row.add('talkCount', c.talkMs !== null);
    row.add('transfers', c.transfers);
    if (c.outcome !== null) row.count('outcomes', c.outcome);
    if (c.waitMs !== null) row.count('waitHistogram', secondsUp(c.waitMs));
    if (c.talkMs !== null) row.count('talkHistogram', secondsUp(c.talkMs));
    if (c.satisfaction !== null) row.count('ratings', String(c.satisfaction));
  },
} as const satisfies RollupSpec<BreakdownContribution, string, string>;

/**
 * One rollup table's rows changed by a batch: each contribution a batch's consultations counted
 * before is taken out of its row, each one they count now is added, and only the rows touched are
 * read and written (a row counting nothing any more is deleted).
 */
class Rollup<C, Count extends string, Histogram extends string> {
  readonly #spec: RollupSpec<C, Count, Histogram>;
  readonly #get: Database.Statement<unknown[], Record<string, unknown>>;
  readonly #delete: Database.Statement<unknown[]>;
  readonly #upsert: Database.Statement<[Record<string, unknown>]>;

  constructor(db: Database.Database, spec: RollupSpec<C, Count, Histogram>) {
    this.#spec = spec;
    const { table, keys, counts, histograms } = spec;
    const columns = [...keys, ...counts, ...histograms];
    const match = keys.map((key) => `${key} = ?`).join(' AND ');
    this.#get = db.prepare(`SELECT * FROM ${table} WHERE ${match}`);
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE ${match}`);
    this.#upsert = db.prepare(`INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
  }

  update(before: readonly C[], after: readonly C[]): void {
    const { keys, counts, histograms } = this.#spec;
    const rows = new Map<string, { key: unknown[]; counts: Map<Count, number>; histograms: Map<Histogram, Map<string, number>> }>();
    const change = (c: C, sign: 1 | -1) => {
      const key = keys.map((k) => c[k]);
      const id = JSON.stringify(key);
      let row = rows.get(id);
      if (!row) {
        const stored = this.#get.get(...key);
        row = {
          key,
          counts: new Map(counts.map((column) => [column, Number(stored?.[column] ?? 0)])),
          histograms: new Map(
            histograms.map((column) => [column, new Map(Object.entries(JSON.parse(String(stored?.[column] ?? '{}')) as Record<string, number>))]),
          ),
        };
        rows.set(id, row);
      }
      const { counts: rowCounts, histograms: rowHistograms } = row;
      this.#spec.apply(c, {
        add: (column, value) => rowCounts.set(column, rowCounts.get(column)! + sign * Number(value)),
        count: (histogram, bucket) => {
          const map = rowHistograms.get(histogram)!;
          const next = (map.get(bucket) ?? 0) + sign;
          if (next === 0) map.delete(bucket);
          else map.set(bucket, next);
        },
      });
    };
    for (const c of before) change(c, -1);
    for (const c of after) change(c, 1);
    for (const row of rows.values()) {
      if (row.counts.get(counts[0]!) === 0) {
        this.#delete.run(...row.key);
        continue;
      }
      const values: Record<string, unknown> = Object.fromEntries(keys.map((k, i) => [k, row.key[i]]));
      for (const [column, value] of row.counts) values[column] = value;
      for (const [column, map] of row.histograms) values[column] = JSON.stringify(Object.fromEntries([...map].sort(([a], [b]) => bucketOrder(a, b))));
      this.#upsert.run(values);
    }
  }
}

/**
 * Writes batches on one better-sqlite3 connection. Each batch is one transaction: the rows and
 * events in the order given, then the summary columns of every consultation it touched, then the
 * rollup rows those consultations count in (daily, and per operator and per 相談種別), changed by what
 * each one counted before and counts now.
 * The cost follows the batch, never the size of the day (summary.ts's rebuild recomputes a whole
 * table; it is what the tests check this against).
 */
export class RecordsBatchWriter {
  readonly #db: Database.Database;
  readonly #statements;
  /** One write in a savepoint of its own (a transaction nested in the batch's), so that a refused write is undone alone. */
  readonly #applyOne: (write: RecordWrite) => void;
  readonly #daily: Rollup<Contribution, string, string>;
  readonly #breakdown: Rollup<BreakdownContribution, string, string>;

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
      breakdownContributions: db.prepare<[string], BreakdownContribution>(BREAKDOWN_CONTRIBUTIONS_OF_BATCH),
      updateSummaries: db.prepare<[string]>(UPDATE_SUMMARIES_OF_BATCH),
    };
    this.#applyOne = db.transaction((write: RecordWrite) => this.#apply(write));
    this.#daily = new Rollup(db, DAILY);
    this.#breakdown = new Rollup(db, BREAKDOWN);
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
      const { contributions, breakdownContributions } = this.#statements;
      const before = contributions.all(ids);
      const breakdownBefore = breakdownContributions.all(ids);
      for (const write of batch) {
        try {
          this.#applyOne(write);
        } catch (error) {
          if (databaseFault(error)) throw error;
          refused.push({ write, error });
        }
      }
      this.#statements.updateSummaries.run(ids);
      this.#daily.update(before, contributions.all(ids));
      this.#breakdown.update(breakdownBefore, breakdownContributions.all(ids));
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
}

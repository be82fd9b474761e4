import { databaseFault } from './faults.ts';
import type { RecordsConnection } from './recordsConnection.ts';
import { DERIVED_SQL, type BreakdownContribution, type Contribution, type DerivedSql } from './summary.ts';

export { openRecordsConnection, type RecordsConnection } from './recordsConnection.ts';

/**
 * The records' write side: batches of consultation rows and events written straight through the
 * database's driver (recordsConnection.ts: one transaction per batch), with the derived data brought
 * up to date incrementally. It runs in the records writer's own thread (signaling/src/records), so the
 * synchronous SQLite work never holds up signaling; it imports nothing of Prisma's client for the
 * same reason (a thread's memory and start-up). The schema is Prisma's (schema.prisma); timestamps
 * are written in the text form Prisma's SQLite adapter uses (UTC, which PostgreSQL's timestamp
 * columns read as the same instant), so both read the same rows.
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
  readonly #get: string;
  readonly #delete: string;
  readonly #upsert: string;
  readonly #columns: readonly string[];

  constructor(spec: RollupSpec<C, Count, Histogram>) {
    this.#spec = spec;
    const { table, keys, counts, histograms } = spec;
    const quote = (column: string) => `"${column}"`;
    this.#columns = [...keys, ...counts, ...histograms];
    const match = keys.map((key) => `${quote(key)} = ?`).join(' AND ');
    this.#get = `SELECT * FROM "${table}" WHERE ${match}`;
    this.#delete = `DELETE FROM "${table}" WHERE ${match}`;
    this.#upsert = `INSERT INTO "${table}" (${this.#columns.map(quote).join(', ')}) VALUES (${this.#columns.map(() => '?').join(', ')})
                    ON CONFLICT (${keys.map(quote).join(', ')}) DO UPDATE SET ${[...counts, ...histograms].map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}`;
  }

  async update(connection: RecordsConnection, before: readonly C[], after: readonly C[]): Promise<void> {
    const { keys, counts, histograms } = this.#spec;
    const rows = new Map<string, { key: unknown[]; counts: Map<Count, number>; histograms: Map<Histogram, Map<string, number>> }>();
    const change = async (c: C, sign: 1 | -1) => {
      const key = keys.map((k) => c[k]);
      const id = JSON.stringify(key);
      let row = rows.get(id);
      if (!row) {
        const [stored] = await connection.all<Record<string, unknown>>(this.#get, key);
        row = {
          key,
          // Numbers: PostgreSQL's driver hands BigInt columns over as text.
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
    for (const c of before) await change(c, -1);
    for (const c of after) await change(c, 1);
    for (const row of rows.values()) {
      if (row.counts.get(counts[0]!) === 0) {
        await connection.run(this.#delete, row.key);
        continue;
      }
      const values = new Map<string, unknown>(keys.map((k, i) => [k, row.key[i]]));
      for (const [column, value] of row.counts) values.set(column, value);
      for (const [column, map] of row.histograms) values.set(column, JSON.stringify(Object.fromEntries([...map].sort(([a], [b]) => bucketOrder(a, b)))));
      await connection.run(this.#upsert, this.#columns.map((column) => values.get(column)));
    }
  }
}

const INSERT_CONSULTATION = 'INSERT INTO "Consultation" (id, "siteId", "deviceId", "departmentId", "requestedAt") VALUES (?, ?, ?, ?, ?)';
const INSERT_EVENT = 'INSERT INTO "ConsultationEvent" ("consultationId", type, at, "actorType", "actorId", data) VALUES (?, ?, ?, ?, ?, ?)';
const UPDATE_CONSULTATION = `UPDATE "Consultation" SET "operatorId" = COALESCE(?, "operatorId"), "answeredAt" = COALESCE(?, "answeredAt"),
       "endedAt" = COALESCE(?, "endedAt"), outcome = COALESCE(?, outcome), "endedBy" = COALESCE(?, "endedBy")
 WHERE id = ?`;

/**
 * Writes batches on one connection (SQLite or PostgreSQL). Each batch is one transaction: the rows
 * and events in the order given, then the summary columns of every consultation it touched, then the
 * rollup rows those consultations count in (daily, and per operator and per 相談種別), changed by what
 * each one counted before and counts now.
 * The cost follows the batch, never the size of the day (summary.ts's rebuild recomputes a whole
 * table; it is what the tests check this against). One batch at a time: the caller awaits each.
 */
export class RecordsBatchWriter {
  readonly #connection: RecordsConnection;
  readonly #sql: DerivedSql;
  readonly #daily = new Rollup(DAILY);
  readonly #breakdown = new Rollup(BREAKDOWN);
  readonly #onWriteLock: (held: boolean) => void;

  /**
   * `onWriteLock(true)` once a batch's first write succeeded (its transaction holds the database's
   * write lock from then), `onWriteLock(false)` when the transaction ended: so that a lock seen from
   * outside can be told to be ours.
   */
  constructor(connection: RecordsConnection, { onWriteLock = () => {} }: { onWriteLock?: (held: boolean) => void } = {}) {
    this.#connection = connection;
    this.#sql = DERIVED_SQL[connection.provider];
    this.#onWriteLock = onWriteLock;
  }

  /**
   * Write a batch in one transaction. A write the database refuses as invalid is left out (its
   * savepoint rolled back) and returned; a fault of the database itself (locked, read-only, gone)
   * throws, and nothing of the batch is written.
   */
  async write(batch: readonly RecordWrite[]): Promise<BatchResult> {
    const connection = this.#connection;
    const { contributionsOfBatch, breakdownContributionsOfBatch, updateSummariesOfBatch } = this.#sql;
    const refused: BatchResult['refused'] = [];
    let holdsLock = false;
    await connection.run(connection.beginWrite);
    try {
      const ids = [JSON.stringify([...new Set(batch.map(consultationOf))])];
      const before = await connection.all<Contribution>(contributionsOfBatch, ids);
      const breakdownBefore = await connection.all<BreakdownContribution>(breakdownContributionsOfBatch, ids);
      for (const write of batch) {
        // One write in a savepoint of its own, so that a refused write is undone alone.
        await connection.run('SAVEPOINT record_write');
        try {
          await this.#apply(write);
          if (!holdsLock) this.#onWriteLock((holdsLock = true));
          await connection.run('RELEASE SAVEPOINT record_write');
        } catch (error) {
          if (databaseFault(error)) throw error;
          await connection.run('ROLLBACK TO SAVEPOINT record_write');
          await connection.run('RELEASE SAVEPOINT record_write');
          refused.push({ write, error });
        }
      }
      await connection.run(updateSummariesOfBatch, ids);
      await this.#daily.update(connection, before, await connection.all<Contribution>(contributionsOfBatch, ids));
      await this.#breakdown.update(connection, breakdownBefore, await connection.all<BreakdownContribution>(breakdownContributionsOfBatch, ids));
      await connection.run('COMMIT');
    } catch (error) {
      // A connection that failed may have no transaction left to roll back; the first error is the one to report.
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (holdsLock) this.#onWriteLock(false);
    }
    return { refused };
  }

  async #apply(write: RecordWrite): Promise<void> {
    const connection = this.#connection;
    const actor = [write.actor.type, write.actor.id ?? null];
    if (write.kind === 'create') {
      const { id, siteId, deviceId, departmentId, requestedAt } = write;
      await connection.run(INSERT_CONSULTATION, [id, siteId, deviceId, departmentId, dbTime(requestedAt)]);
      await connection.run(INSERT_EVENT, [id, 'requested', dbTime(requestedAt), ...actor, null]);
      return;
    }
    const { consultationId, type, at, update, data } = write;
    if (update) {
      const time = (date: Date | undefined) => (date ? dbTime(date) : null);
      const changes = await connection.run(UPDATE_CONSULTATION, [
        update.operatorId ?? null,
        time(update.answeredAt),
        time(update.endedAt),
        update.outcome ?? null,
        update.endedBy ?? null,
        consultationId,
      ]);
      if (changes === 0) throw new Error(`no consultation ${consultationId}`);
    }
    await connection.run(INSERT_EVENT, [consultationId, type, dbTime(at), ...actor, data ? JSON.stringify(data) : null]);
  }
}

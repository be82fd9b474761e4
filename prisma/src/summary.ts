/**
 * Everything the records derive from the event log, as SQL shared by the live writer (the
 * consultations of each batch it writes, see recordsWrites.ts) and the bulk rebuild (after an
 * import, or to check the live writer: see signaling/test/records.test.ts), so the two cannot disagree.
 *
 * 1. Summary columns of a Consultation:
 *    - answered = the first `answered` event (a transfer's later answers do not restart the wait),
 *      or the row's answeredAt for rows imported without events;
 *    - waitMs = (answered ?? endedAt) − requestedAt, talkMs = endedAt − answered;
 *    - satisfaction = the score of the `rated` event;
 *    - connectionLosses / connectionLostMs = its `connection_lost` events and the gaps of its `reconnected` ones;
 *    - categoryId = the 相談種別 of its latest `note` that names one (a later note corrects an earlier one).
 * 2. ConsultationDaily: one row per (local day, department, site) that the charts add up, so a
 *    year of statistics reads a few thousand rows instead of a million; `ended − refused` is what
 *    the service level and the abandonment rate divide by.
 * 3. ConsultationDailyBreakdown: the same per operator and per 相談種別 (breakdownContributions).
 *
 * Written once for both databases: what SQLite and PostgreSQL spell differently comes from a
 * SqlDialect (dialect.ts); every other word is in their common subset.
 */
import { POSTGRESQL, SQLITE, type SqlDialect } from './dialect.ts';
import type { DatabaseProvider } from './paths.ts';

/** The statistics' days and hours are in Japan Standard Time (no daylight saving). */
export const RECORDS_UTC_OFFSET_MINUTES = 540;

/** Seconds rounded up, `(ms + 999) / 1000` in integer division: "within T seconds" stays exact for whole T. */
const SECONDS_UP = (column: string) => `(${column} + 999) / 1000`;

/** Every statement of the derived data in one database's dialect. */
function derivedSql(sql: SqlDialect) {
  const day = (timestamp: string) => sql.localDay(timestamp, RECORDS_UTC_OFFSET_MINUTES);
  const eventsOfRow = `e."consultationId" = "Consultation".id`;

  /**
   * A request refused outside hours or with nobody on duty (ended as no_operator, or as a callback
   * after the `refused` event): it never waited for an operator, so no answer rate counts it. 1 or 0.
   */
  const REFUSED = `CASE WHEN outcome = 'no_operator' OR EXISTS (SELECT 1 FROM "ConsultationEvent" e WHERE ${eventsOfRow} AND e.type = 'refused') THEN 1 ELSE 0 END`;
  const FIRST_ANSWER = `COALESCE((SELECT MIN(e.at) FROM "ConsultationEvent" e WHERE ${eventsOfRow} AND e.type = 'answered'), "answeredAt")`;
  const RATING = `(SELECT ${sql.jsonInteger('e.data', 'score')} FROM "ConsultationEvent" e
                    WHERE ${eventsOfRow} AND e.type = 'rated' ORDER BY e.id LIMIT 1)`;
  const CONNECTION_LOSSES = `(SELECT COUNT(*) FROM "ConsultationEvent" e WHERE ${eventsOfRow} AND e.type = 'connection_lost')`;
  const CONNECTION_LOST_MS = `(SELECT COALESCE(SUM(${sql.jsonInteger('e.data', 'gapMs')}), 0) FROM "ConsultationEvent" e
                                WHERE ${eventsOfRow} AND e.type = 'reconnected')`;
  const CATEGORY = `(SELECT ${sql.jsonText('e.data', 'categoryId')} FROM "ConsultationEvent" e
                      WHERE ${eventsOfRow} AND e.type = 'note' AND ${sql.jsonText('e.data', 'categoryId')} IS NOT NULL
                      ORDER BY e.id DESC LIMIT 1)`;

  const SUMMARY_ASSIGNMENTS = `
    "waitMs" = ${sql.msBetween('"requestedAt"', `COALESCE(${FIRST_ANSWER}, "endedAt")`)},
    "talkMs" = ${sql.msBetween(FIRST_ANSWER, '"endedAt"')},
    satisfaction = ${RATING},
    "connectionLosses" = ${CONNECTION_LOSSES},
    "connectionLostMs" = ${CONNECTION_LOST_MS},
    "categoryId" = ${CATEGORY}`;

  /** What one consultation adds to its daily row: its bucket and the values the totals and histograms count. */
  const CONTRIBUTION_COLUMNS = `${day('"requestedAt"')} AS day, ${sql.localHour('"requestedAt"', RECORDS_UTC_OFFSET_MINUTES)} AS hour,
               "departmentId", "siteId", outcome, ${REFUSED} AS refused, "waitMs", "talkMs", satisfaction, "connectionLosses", "connectionLostMs"`;

  /**
   * INSERT of a rollup table from `rows` (a query of contributions, one row each), grouped by `keys`:
   * `totals` are aggregate expressions, each histogram a JSON object {bucket: count} of `value` over the
   * rows meeting `condition`.
   */
  function rollupInsert({ table, keys, rows, totals, histograms }: {
    table: string;
    keys: readonly string[];
    rows: string;
    totals: Record<string, string>;
    histograms: Record<string, { value: string; condition: string }>;
  }): string {
    const key = keys.map((k) => `"${k}"`).join(', ');
    const histogram = ({ value, condition }: { value: string; condition: string }) => `
      SELECT ${key}, ${sql.jsonObjectOf('bucket', 'n')} AS json FROM (
        SELECT ${key}, ${value} AS bucket, COUNT(*) AS n FROM contributions WHERE ${condition}
         GROUP BY ${key}, bucket) buckets
       GROUP BY ${key}`;
    const names = Object.keys(histograms);
    const columns = (names: string[]) => names.map((name) => `"${name}"`).join(', ');
    return `
      INSERT INTO "${table}" (${key}, ${columns(Object.keys(totals))}, ${columns(names)})
      WITH contributions AS (${rows}),
      totals AS (SELECT ${key}, ${Object.entries(totals).map(([column, total]) => `${total} AS "${column}"`).join(', ')} FROM contributions GROUP BY ${key}),
      ${names.map((name) => `h_${name} AS (${histogram(histograms[name]!)})`).join(',\n      ')}
      SELECT ${keys.map((k) => `t."${k}"`).join(', ')}, ${Object.keys(totals).map((column) => `t."${column}"`).join(', ')},
             ${names.map((name) => `COALESCE(h_${name}.json, '{}')`).join(', ')}
        FROM totals t
        ${names.map((name) => `LEFT JOIN h_${name} USING (${key})`).join('\n        ')}`;
  }

  /** The daily rows of the consultations matching `where`. */
  const dailyInsert = (where: string) =>
    rollupInsert({
      table: 'ConsultationDaily',
      keys: ['day', 'departmentId', 'siteId'],
      rows: `SELECT ${CONTRIBUTION_COLUMNS} FROM "Consultation" WHERE ${where}`,
      totals: {
        total: 'COUNT(*)',
        ended: 'COUNT(outcome)',
        refused: 'COUNT(*) FILTER (WHERE outcome IS NOT NULL AND refused = 1)',
        abandoned: "COUNT(*) FILTER (WHERE outcome = 'abandoned')",
        waitSumMs: 'COALESCE(SUM("waitMs"), 0)',
        waitCount: 'COUNT("waitMs")',
        talkSumMs: 'COALESCE(SUM("talkMs"), 0)',
        talkCount: 'COUNT("talkMs")',
        lossCount: 'COUNT(*) FILTER (WHERE "connectionLosses" > 0)',
        lostSumMs: 'SUM("connectionLostMs")',
      },
      histograms: {
        hourCounts: { value: 'hour', condition: 'TRUE' },
        waitHistogram: { value: SECONDS_UP('"waitMs"'), condition: '"waitMs" IS NOT NULL' },
        answeredWaitHistogram: { value: SECONDS_UP('"waitMs"'), condition: 'outcome IS NOT NULL AND "talkMs" IS NOT NULL' },
        talkHistogram: { value: SECONDS_UP('"talkMs"'), condition: '"talkMs" IS NOT NULL' },
        ratings: { value: 'satisfaction', condition: 'satisfaction IS NOT NULL' },
      },
    });

  /**
   * What each consultation matching `where` adds to the per-operator and per-category rows
   * (ConsultationDailyBreakdown): one `category` row (its categoryId, '' when none was filed) and one
   * `operator` row for each staff member who took part — answered it (first, after a transfer, or taking
   * over) or joined it as the specialist, as participation.ts says in signaling. An operator's handling time
   * is their own part: from their first such event until their first `transferred` or `operator_left`
   * after it, or the end; their transfers are the `transferred` events they made.
   */
  function breakdownContributions(where: string): string {
    const byStaff = (alias: string, types: string) =>
      `${alias}."consultationId" = b.id AND ${alias}."actorType" = 'staff' AND ${alias}."actorId" = p."staffId" AND ${alias}.type IN (${types})`;
    return `
      WITH b AS (
        SELECT id, ${day('"requestedAt"')} AS day, "departmentId", "siteId", outcome, "waitMs", "talkMs", satisfaction, "categoryId", "endedAt"
          FROM "Consultation" WHERE ${where}),
      p AS (
        SELECT e."consultationId", e."actorId" AS "staffId", MIN(e.at) AS "joinedAt"
          FROM b JOIN "ConsultationEvent" e ON e."consultationId" = b.id
         WHERE e.type IN ('answered', 'specialist_joined') AND e."actorType" = 'staff' AND e."actorId" IS NOT NULL
         GROUP BY e."consultationId", e."actorId")
      SELECT id, day, "departmentId", "siteId", 'category' AS dimension, COALESCE("categoryId", '') AS key,
             outcome, "waitMs", "talkMs", satisfaction, 0 AS transfers
        FROM b
      UNION ALL
      SELECT b.id, b.day, b."departmentId", b."siteId", 'operator' AS dimension, p."staffId" AS key, b.outcome, NULL AS "waitMs",
             ${sql.msBetween('p."joinedAt"', `COALESCE((SELECT MIN(l.at) FROM "ConsultationEvent" l WHERE ${byStaff('l', "'transferred', 'operator_left'")} AND l.at >= p."joinedAt"), b."endedAt")`)} AS "talkMs",
             b.satisfaction,
             CAST((SELECT COUNT(*) FROM "ConsultationEvent" x WHERE ${byStaff('x', "'transferred'")}) AS INTEGER) AS transfers
        FROM b JOIN p ON p."consultationId" = b.id`;
  }

  /** The per-operator and per-category rows of the consultations matching `where`. */
  const breakdownInsert = (where: string) =>
    rollupInsert({
      table: 'ConsultationDailyBreakdown',
      keys: ['day', 'departmentId', 'siteId', 'dimension', 'key'],
      rows: breakdownContributions(where),
      totals: {
        total: 'COUNT(*)',
        waitSumMs: 'COALESCE(SUM("waitMs"), 0)',
        waitCount: 'COUNT("waitMs")',
        talkSumMs: 'COALESCE(SUM("talkMs"), 0)',
        talkCount: 'COUNT("talkMs")',
        transfers: 'SUM(transfers)',
      },
      histograms: {
        outcomes: { value: 'outcome', condition: 'outcome IS NOT NULL' },
        waitHistogram: { value: SECONDS_UP('"waitMs"'), condition: '"waitMs" IS NOT NULL' },
        talkHistogram: { value: SECONDS_UP('"talkMs"'), condition: '"talkMs" IS NOT NULL' },
        ratings: { value: 'satisfaction', condition: 'satisfaction IS NOT NULL' },
      },
    });

  /** The consultations whose ids are in the JSON array bound to `?` (a whole batch in one statement). */
  const IN_BATCH = `id IN (${sql.valuesOfJsonArray()})`;

  return {
    /** Bring the summary columns of a batch's consultations up to date (bind: the JSON array of ids). */
    updateSummariesOfBatch: `UPDATE "Consultation" SET ${SUMMARY_ASSIGNMENTS} WHERE ${IN_BATCH}`,
    /** Each consultation's contribution to its daily row (bind: the JSON array of ids); rows as `Contribution`. */
    contributionsOfBatch: `SELECT id, ${CONTRIBUTION_COLUMNS} FROM "Consultation" WHERE ${IN_BATCH}`,
    /** Each consultation's contributions to the per-operator and per-category rows (bind: the JSON array of ids); rows as `BreakdownContribution`. */
    breakdownContributionsOfBatch: breakdownContributions(IN_BATCH),
    /** Recompute every derived column and the whole of both rollup tables. */
    rebuildAll: [
      `UPDATE "Consultation" SET ${SUMMARY_ASSIGNMENTS}`,
      'DELETE FROM "ConsultationDaily"',
      dailyInsert('TRUE'),
      'DELETE FROM "ConsultationDailyBreakdown"',
      breakdownInsert('TRUE'),
    ] as readonly string[],
  };
}

export type DerivedSql = ReturnType<typeof derivedSql>;

/** The derived data's SQL for each database. */
export const DERIVED_SQL: Record<DatabaseProvider, DerivedSql> = { sqlite: derivedSql(SQLITE), postgresql: derivedSql(POSTGRESQL) };

/** Recompute every derived column and the whole of both rollup tables (statements to run in order). */
export const rebuildAllDerived = (provider: DatabaseProvider): readonly string[] => DERIVED_SQL[provider].rebuildAll;

/** The UTC instants a local day (YYYY-MM-DD) starts and ends at. */
export function localDayBounds(day: string): { start: Date; end: Date } {
  const start = new Date(Date.parse(`${day}T00:00:00Z`) - RECORDS_UTC_OFFSET_MINUTES * 60_000);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** The local day (YYYY-MM-DD) of an instant, and the UTC instants it starts and ends at. */
export function localDay(at: Date): { day: string; start: Date; end: Date } {
  const day = new Date(at.getTime() + RECORDS_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
  return { day, ...localDayBounds(day) };
}

export interface BreakdownContribution {
  id: string;
  day: string;
  departmentId: string;
  siteId: string;
  dimension: 'operator' | 'category';
  key: string;
  outcome: string | null;
  waitMs: number | null;
  talkMs: number | null;
  satisfaction: number | null;
  transfers: number;
}

export interface Contribution {
  id: string;
  day: string;
  hour: number;
  departmentId: string;
  siteId: string;
  outcome: string | null;
  refused: number;
  waitMs: number | null;
  talkMs: number | null;
  satisfaction: number | null;
  connectionLosses: number;
  connectionLostMs: number;
}

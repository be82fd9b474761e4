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
 *    - connectionLosses / connectionLostMs = its `connection_lost` events and the gaps of its `reconnected` ones.
 * 2. ConsultationDaily: one row per (local day, department, site) that the charts add up, so a
 *    year of statistics reads a few thousand rows instead of a million; `ended − refused` is what
 *    the service level and the abandonment rate divide by.
 *
 * Timestamps are the adapter's ISO 8601 text; julianday() reads it, ROUND keeps whole ms.
 */

/** The statistics' days and hours are in Japan Standard Time (no daylight saving). */
export const RECORDS_UTC_OFFSET_MINUTES = 540;
const LOCAL = `'+${RECORDS_UTC_OFFSET_MINUTES} minutes'`;

/**
 * A request refused outside hours or with nobody on duty (ended as no_operator, or as a callback
 * after the `refused` event): it never waited for an operator, so no answer rate counts it.
 */
const REFUSED = `(outcome IS 'no_operator' OR EXISTS (SELECT 1 FROM ConsultationEvent e WHERE e.consultationId = Consultation.id AND e.type = 'refused'))`;
const FIRST_ANSWER = `COALESCE((SELECT MIN(e.at) FROM ConsultationEvent e WHERE e.consultationId = Consultation.id AND e.type = 'answered'), answeredAt)`;
const RATING = `(SELECT CAST(json_extract(e.data, '$.score') AS INTEGER) FROM ConsultationEvent e
                  WHERE e.consultationId = Consultation.id AND e.type = 'rated' ORDER BY e.id LIMIT 1)`;
const CONNECTION_LOSSES = `(SELECT COUNT(*) FROM ConsultationEvent e WHERE e.consultationId = Consultation.id AND e.type = 'connection_lost')`;
const CONNECTION_LOST_MS = `(SELECT COALESCE(SUM(CAST(json_extract(e.data, '$.gapMs') AS INTEGER)), 0) FROM ConsultationEvent e
                              WHERE e.consultationId = Consultation.id AND e.type = 'reconnected')`;
const ms = (from: string, to: string) => `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400000) AS INTEGER)`;

const SUMMARY_ASSIGNMENTS = `
  waitMs = ${ms('requestedAt', `COALESCE(${FIRST_ANSWER}, endedAt)`)},
  talkMs = ${ms(FIRST_ANSWER, 'endedAt')},
  satisfaction = ${RATING},
  connectionLosses = ${CONNECTION_LOSSES},
  connectionLostMs = ${CONNECTION_LOST_MS}`;

/**
 * The daily rows of the consultations matching `where`. Histograms are JSON objects
 * {seconds rounded up: count}: rounding up keeps "answered within T seconds" exact for whole T.
 */
/** What one consultation adds to its daily row: its bucket and the values the totals and histograms count. */
const CONTRIBUTION_COLUMNS = `strftime('%Y-%m-%d', requestedAt, ${LOCAL}) AS day, CAST(strftime('%H', requestedAt, ${LOCAL}) AS INTEGER) AS hour,
             departmentId, siteId, outcome, ${REFUSED} AS refused, waitMs, talkMs, satisfaction, connectionLosses, connectionLostMs`;

function dailyInsert(where: string): string {
  const histogram = (value: string, condition: string) => `
    SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
      SELECT day, departmentId, siteId, ${value} AS bucket, COUNT(*) AS n FROM rows WHERE ${condition}
       GROUP BY day, departmentId, siteId, bucket)
     GROUP BY day, departmentId, siteId`;
  return `
    INSERT INTO ConsultationDaily (day, departmentId, siteId, total, ended, refused, abandoned, waitSumMs, waitCount, talkSumMs, talkCount,
                                   hourCounts, waitHistogram, answeredWaitHistogram, talkHistogram, ratings, lossCount, lostSumMs)
    WITH rows AS (
      SELECT ${CONTRIBUTION_COLUMNS}
        FROM Consultation WHERE ${where}),
    totals AS (
      SELECT day, departmentId, siteId, COUNT(*) AS total, SUM(outcome IS NOT NULL) AS ended,
             SUM(outcome IS NOT NULL AND refused) AS refused, SUM(outcome IS 'abandoned') AS abandoned,
             COALESCE(SUM(waitMs), 0) AS waitSumMs, COUNT(waitMs) AS waitCount, COALESCE(SUM(talkMs), 0) AS talkSumMs, COUNT(talkMs) AS talkCount,
             SUM(connectionLosses > 0) AS lossCount, SUM(connectionLostMs) AS lostSumMs
        FROM rows GROUP BY day, departmentId, siteId),
    hours AS (${histogram('hour', '1')}),
    waits AS (${histogram('(waitMs + 999) / 1000', 'waitMs IS NOT NULL')}),
    answeredWaits AS (${histogram('(waitMs + 999) / 1000', 'outcome IS NOT NULL AND talkMs IS NOT NULL')}),
    talks AS (${histogram('(talkMs + 999) / 1000', 'talkMs IS NOT NULL')}),
    ratings AS (${histogram('satisfaction', 'satisfaction IS NOT NULL')})
    SELECT t.day, t.departmentId, t.siteId, t.total, t.ended, t.refused, t.abandoned, t.waitSumMs, t.waitCount, t.talkSumMs, t.talkCount,
           COALESCE(h.json, '{}'), COALESCE(w.json, '{}'), COALESCE(a.json, '{}'), COALESCE(k.json, '{}'), COALESCE(r.json, '{}'),
           t.lossCount, t.lostSumMs
      FROM totals t
      LEFT JOIN hours h USING (day, departmentId, siteId)
      LEFT JOIN waits w USING (day, departmentId, siteId)
      LEFT JOIN answeredWaits a USING (day, departmentId, siteId)
      LEFT JOIN talks k USING (day, departmentId, siteId)
      LEFT JOIN ratings r USING (day, departmentId, siteId)`;
}

/** The local day (YYYY-MM-DD) of an instant, and the UTC instants it starts and ends at. */
export function localDay(at: Date): { day: string; start: Date; end: Date } {
  const offsetMs = RECORDS_UTC_OFFSET_MINUTES * 60_000;
  const day = new Date(at.getTime() + offsetMs).toISOString().slice(0, 10);
  const start = new Date(Date.parse(`${day}T00:00:00Z`) - offsetMs);
  return { day, start, end: new Date(start.getTime() + 86_400_000) };
}

/** The consultations whose ids are in the JSON array bound to `?` (a whole batch in one statement). */
const IN_BATCH = 'id IN (SELECT value FROM json_each(?))';

/** Bring the summary columns of a batch's consultations up to date (bind: the JSON array of ids). */
export const UPDATE_SUMMARIES_OF_BATCH = `UPDATE Consultation SET ${SUMMARY_ASSIGNMENTS} WHERE ${IN_BATCH}`;

/** Each consultation's contribution to its daily row (bind: the JSON array of ids); rows as `Contribution`. */
export const CONTRIBUTIONS_OF_BATCH = `SELECT id, ${CONTRIBUTION_COLUMNS} FROM Consultation WHERE ${IN_BATCH}`;

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

/** Recompute every derived column and the whole ConsultationDaily table. */
export const REBUILD_ALL_DERIVED = [
  `UPDATE Consultation SET ${SUMMARY_ASSIGNMENTS}`,
  'DELETE FROM ConsultationDaily',
  dailyInsert('1'),
] as const;

import { Prisma } from '../generated/client/client.ts';

/**
 * The derived summary columns of a Consultation (waitMs, talkMs, satisfaction), as one SQL
 * assignment list so that the live writer and the bulk rebuild cannot disagree:
 *   - answered = the first `answered` event (a transfer's later answers do not restart the wait),
 *     or the row's answeredAt for rows imported without events;
 *   - wait = (answered ?? endedAt) − requestedAt, talk = endedAt − answered;
 *   - satisfaction = the score of the `rated` event.
 * Timestamps are the adapter's ISO 8601 text; julianday() reads it, ROUND keeps whole ms.
 */
const FIRST_ANSWER = `COALESCE((SELECT MIN(e.at) FROM ConsultationEvent e WHERE e.consultationId = Consultation.id AND e.type = 'answered'), answeredAt)`;
const RATING = `(SELECT CAST(json_extract(e.data, '$.score') AS INTEGER) FROM ConsultationEvent e
                  WHERE e.consultationId = Consultation.id AND e.type = 'rated' ORDER BY e.id LIMIT 1)`;
const ms = (from: string, to: string) => `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400000) AS INTEGER)`;

const SUMMARY_ASSIGNMENTS = `
  waitMs = ${ms('requestedAt', `COALESCE(${FIRST_ANSWER}, endedAt)`)},
  talkMs = ${ms(FIRST_ANSWER, 'endedAt')},
  satisfaction = ${RATING}`;

/** Recompute one consultation's summary (run in the transaction that appends its event). */
export function refreshSummary(consultationId: string): Prisma.Sql {
  return Prisma.sql`UPDATE Consultation SET ${Prisma.raw(SUMMARY_ASSIGNMENTS)} WHERE id = ${consultationId}`;
}

/** Recompute every summary (after a bulk import, or to check the live writer: see signaling/test/records.test.ts). */
export const REBUILD_ALL_SUMMARIES = `UPDATE Consultation SET ${SUMMARY_ASSIGNMENTS}`;

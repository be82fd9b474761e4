-- DropIndex
DROP INDEX "Consultation_stats_idx";

-- CreateTable
CREATE TABLE "ConsultationDaily" (
    "day" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "ended" INTEGER NOT NULL,
    "abandoned" INTEGER NOT NULL,
    "waitSumMs" BIGINT NOT NULL,
    "waitCount" INTEGER NOT NULL,
    "talkSumMs" BIGINT NOT NULL,
    "talkCount" INTEGER NOT NULL,
    "hourCounts" TEXT NOT NULL,
    "waitHistogram" TEXT NOT NULL,
    "answeredWaitHistogram" TEXT NOT NULL,
    "talkHistogram" TEXT NOT NULL,
    "ratings" TEXT NOT NULL,

    PRIMARY KEY ("day", "departmentId", "siteId")
);

-- Backfill: the daily rows of every consultation so far (the same statement as REBUILD_ALL_DERIVED in prisma/src/summary.ts).
INSERT INTO ConsultationDaily (day, departmentId, siteId, total, ended, abandoned, waitSumMs, waitCount, talkSumMs, talkCount,
                               hourCounts, waitHistogram, answeredWaitHistogram, talkHistogram, ratings)
WITH rows AS (
  SELECT strftime('%Y-%m-%d', requestedAt, '+540 minutes') AS day, CAST(strftime('%H', requestedAt, '+540 minutes') AS INTEGER) AS hour,
         departmentId, siteId, outcome, waitMs, talkMs, satisfaction
    FROM Consultation WHERE 1),
totals AS (
  SELECT day, departmentId, siteId, COUNT(*) AS total, SUM(outcome IS NOT NULL) AS ended, SUM(outcome IS 'abandoned') AS abandoned,
         COALESCE(SUM(waitMs), 0) AS waitSumMs, COUNT(waitMs) AS waitCount, COALESCE(SUM(talkMs), 0) AS talkSumMs, COUNT(talkMs) AS talkCount
    FROM rows GROUP BY day, departmentId, siteId),
hours AS (
SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, hour AS bucket, COUNT(*) AS n FROM rows WHERE 1
   GROUP BY day, departmentId, siteId, bucket)
 GROUP BY day, departmentId, siteId),
waits AS (
SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, (waitMs + 999) / 1000 AS bucket, COUNT(*) AS n FROM rows WHERE waitMs IS NOT NULL
   GROUP BY day, departmentId, siteId, bucket)
 GROUP BY day, departmentId, siteId),
answeredWaits AS (
SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, (waitMs + 999) / 1000 AS bucket, COUNT(*) AS n FROM rows WHERE outcome IS NOT NULL AND talkMs IS NOT NULL
   GROUP BY day, departmentId, siteId, bucket)
 GROUP BY day, departmentId, siteId),
talks AS (
SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, (talkMs + 999) / 1000 AS bucket, COUNT(*) AS n FROM rows WHERE talkMs IS NOT NULL
   GROUP BY day, departmentId, siteId, bucket)
 GROUP BY day, departmentId, siteId),
ratings AS (
SELECT day, departmentId, siteId, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, satisfaction AS bucket, COUNT(*) AS n FROM rows WHERE satisfaction IS NOT NULL
   GROUP BY day, departmentId, siteId, bucket)
 GROUP BY day, departmentId, siteId)
SELECT t.day, t.departmentId, t.siteId, t.total, t.ended, t.abandoned, t.waitSumMs, t.waitCount, t.talkSumMs, t.talkCount,
       COALESCE(h.json, '{}'), COALESCE(w.json, '{}'), COALESCE(a.json, '{}'), COALESCE(k.json, '{}'), COALESCE(r.json, '{}')
  FROM totals t
  LEFT JOIN hours h USING (day, departmentId, siteId)
  LEFT JOIN waits w USING (day, departmentId, siteId)
  LEFT JOIN answeredWaits a USING (day, departmentId, siteId)
  LEFT JOIN talks k USING (day, departmentId, siteId)
  LEFT JOIN ratings r USING (day, departmentId, siteId);

-- Issue 16.13: statistics per operator and per 相談種別, and callback outcomes.

-- The consultation's 相談種別 as a summary column (the latest `note` that names one).
ALTER TABLE "Consultation" ADD COLUMN "categoryId" TEXT;

UPDATE Consultation SET categoryId = (SELECT json_extract(e.data, '$.categoryId') FROM ConsultationEvent e
                    WHERE e.consultationId = Consultation.id AND e.type = 'note' AND json_extract(e.data, '$.categoryId') IS NOT NULL
                    ORDER BY e.id DESC LIMIT 1);

-- CreateTable
CREATE TABLE "ConsultationDailyBreakdown" (
    "day" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "outcomes" TEXT NOT NULL,
    "waitSumMs" BIGINT NOT NULL,
    "waitCount" INTEGER NOT NULL,
    "waitHistogram" TEXT NOT NULL,
    "talkSumMs" BIGINT NOT NULL,
    "talkCount" INTEGER NOT NULL,
    "talkHistogram" TEXT NOT NULL,
    "ratings" TEXT NOT NULL,
    "transfers" INTEGER NOT NULL,

    PRIMARY KEY ("day", "departmentId", "siteId", "dimension", "key")
);

-- Backfill: the rows of every consultation so far (the same statement as REBUILD_ALL_DERIVED in prisma/src/summary.ts).
INSERT INTO ConsultationDailyBreakdown (day, departmentId, siteId, dimension, key, total, waitSumMs, waitCount, talkSumMs, talkCount, transfers, outcomes, waitHistogram, talkHistogram, ratings)
WITH rows AS (
WITH b AS (
  SELECT id, strftime('%Y-%m-%d', requestedAt, '+540 minutes') AS day, departmentId, siteId, outcome, waitMs, talkMs, satisfaction, categoryId, endedAt
    FROM Consultation WHERE 1),
p AS (
  SELECT e.consultationId, e.actorId AS staffId, MIN(e.at) AS joinedAt
    FROM b JOIN ConsultationEvent e ON e.consultationId = b.id
   WHERE e.type IN ('answered', 'specialist_joined') AND e.actorType = 'staff' AND e.actorId IS NOT NULL
   GROUP BY e.consultationId, e.actorId)
SELECT id, day, departmentId, siteId, 'category' AS dimension, COALESCE(categoryId, '') AS key,
       outcome, waitMs, talkMs, satisfaction, 0 AS transfers
  FROM b
UNION ALL
SELECT b.id, b.day, b.departmentId, b.siteId, 'operator' AS dimension, p.staffId AS key, b.outcome, NULL AS waitMs,
       CAST(ROUND((julianday(COALESCE((SELECT MIN(l.at) FROM ConsultationEvent l WHERE l.consultationId = b.id AND l.actorType = 'staff' AND l.actorId = p.staffId AND l.type IN ('transferred', 'operator_left') AND l.at >= p.joinedAt), b.endedAt)) - julianday(p.joinedAt)) * 86400000) AS INTEGER) AS talkMs,
       b.satisfaction,
       (SELECT COUNT(*) FROM ConsultationEvent x WHERE x.consultationId = b.id AND x.actorType = 'staff' AND x.actorId = p.staffId AND x.type IN ('transferred')) AS transfers
  FROM b JOIN p ON p.consultationId = b.id),
totals AS (SELECT day, departmentId, siteId, dimension, key, COUNT(*) AS total, COALESCE(SUM(waitMs), 0) AS waitSumMs, COUNT(waitMs) AS waitCount, COALESCE(SUM(talkMs), 0) AS talkSumMs, COUNT(talkMs) AS talkCount, SUM(transfers) AS transfers FROM rows GROUP BY day, departmentId, siteId, dimension, key),
h_outcomes AS (
SELECT day, departmentId, siteId, dimension, key, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, dimension, key, outcome AS bucket, COUNT(*) AS n FROM rows WHERE outcome IS NOT NULL
   GROUP BY day, departmentId, siteId, dimension, key, bucket)
 GROUP BY day, departmentId, siteId, dimension, key),
h_waitHistogram AS (
SELECT day, departmentId, siteId, dimension, key, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, dimension, key, (waitMs + 999) / 1000 AS bucket, COUNT(*) AS n FROM rows WHERE waitMs IS NOT NULL
   GROUP BY day, departmentId, siteId, dimension, key, bucket)
 GROUP BY day, departmentId, siteId, dimension, key),
h_talkHistogram AS (
SELECT day, departmentId, siteId, dimension, key, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, dimension, key, (talkMs + 999) / 1000 AS bucket, COUNT(*) AS n FROM rows WHERE talkMs IS NOT NULL
   GROUP BY day, departmentId, siteId, dimension, key, bucket)
 GROUP BY day, departmentId, siteId, dimension, key),
h_ratings AS (
SELECT day, departmentId, siteId, dimension, key, json_group_object(bucket, n) AS json FROM (
  SELECT day, departmentId, siteId, dimension, key, satisfaction AS bucket, COUNT(*) AS n FROM rows WHERE satisfaction IS NOT NULL
   GROUP BY day, departmentId, siteId, dimension, key, bucket)
 GROUP BY day, departmentId, siteId, dimension, key)
SELECT t.day, t.departmentId, t.siteId, t.dimension, t.key, t.total, t.waitSumMs, t.waitCount, t.talkSumMs, t.talkCount, t.transfers,
       COALESCE(h_outcomes.json, '{}'), COALESCE(h_waitHistogram.json, '{}'), COALESCE(h_talkHistogram.json, '{}'), COALESCE(h_ratings.json, '{}')
  FROM totals t
  LEFT JOIN h_outcomes USING (day, departmentId, siteId, dimension, key)
  LEFT JOIN h_waitHistogram USING (day, departmentId, siteId, dimension, key)
  LEFT JOIN h_talkHistogram USING (day, departmentId, siteId, dimension, key)
  LEFT JOIN h_ratings USING (day, departmentId, siteId, dimension, key);

-- Callback outcomes: a status (open, done, unreachable) and a note instead of done / undone.
ALTER TABLE "CallbackRequest" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'open';
ALTER TABLE "CallbackRequest" ADD COLUMN "note" TEXT NOT NULL DEFAULT '';
UPDATE "CallbackRequest" SET "status" = 'done' WHERE "doneAt" IS NOT NULL;
DROP INDEX "CallbackRequest_departmentId_doneAt_createdAt_idx";
ALTER TABLE "CallbackRequest" RENAME COLUMN "doneAt" TO "outcomeAt";
ALTER TABLE "CallbackRequest" RENAME COLUMN "doneById" TO "outcomeById";

-- CreateIndex
CREATE INDEX "CallbackRequest_departmentId_status_createdAt_idx" ON "CallbackRequest"("departmentId", "status", "createdAt");
CREATE INDEX "CallbackRequest_createdAt_idx" ON "CallbackRequest"("createdAt");

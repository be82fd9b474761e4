-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ConsultationDaily" (
    "day" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "ended" INTEGER NOT NULL,
    "refused" INTEGER NOT NULL DEFAULT 0,
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
INSERT INTO "new_ConsultationDaily" ("abandoned", "answeredWaitHistogram", "day", "departmentId", "ended", "hourCounts", "ratings", "siteId", "talkCount", "talkHistogram", "talkSumMs", "total", "waitCount", "waitHistogram", "waitSumMs") SELECT "abandoned", "answeredWaitHistogram", "day", "departmentId", "ended", "hourCounts", "ratings", "siteId", "talkCount", "talkHistogram", "talkSumMs", "total", "waitCount", "waitHistogram", "waitSumMs" FROM "ConsultationDaily";
DROP TABLE "ConsultationDaily";
ALTER TABLE "new_ConsultationDaily" RENAME TO "ConsultationDaily";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: the refused requests of the days so far (REFUSED in prisma/src/summary.ts).
WITH refusedPerDay AS (
  SELECT strftime('%Y-%m-%d', requestedAt, '+540 minutes') AS day, departmentId, siteId, COUNT(*) AS n
    FROM Consultation
   WHERE outcome IS NOT NULL
     AND (outcome IS 'no_operator' OR EXISTS (SELECT 1 FROM ConsultationEvent e WHERE e.consultationId = Consultation.id AND e.type = 'refused'))
   GROUP BY day, departmentId, siteId)
UPDATE ConsultationDaily SET refused = r.n
  FROM refusedPerDay r
 WHERE r.day = ConsultationDaily.day AND r.departmentId = ConsultationDaily.departmentId AND r.siteId = ConsultationDaily.siteId;

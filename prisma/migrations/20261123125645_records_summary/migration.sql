-- AlterTable
ALTER TABLE "Consultation" ADD COLUMN "satisfaction" INTEGER;
ALTER TABLE "Consultation" ADD COLUMN "talkMs" INTEGER;
ALTER TABLE "Consultation" ADD COLUMN "waitMs" INTEGER;

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedBy" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "Consultation_stats_idx" ON "Consultation"("requestedAt", "departmentId", "siteId", "outcome", "waitMs", "talkMs", "satisfaction");

-- Backfill the derived summary columns from the rows and their events
-- (the same assignments as prisma/src/summary.ts).
UPDATE "Consultation" SET
  "waitMs" = CAST(ROUND((julianday(COALESCE(COALESCE((SELECT MIN(e.at) FROM "ConsultationEvent" e WHERE e."consultationId" = "Consultation"."id" AND e."type" = 'answered'), "answeredAt"), "endedAt")) - julianday("requestedAt")) * 86400000) AS INTEGER),
  "talkMs" = CAST(ROUND((julianday("endedAt") - julianday(COALESCE((SELECT MIN(e.at) FROM "ConsultationEvent" e WHERE e."consultationId" = "Consultation"."id" AND e."type" = 'answered'), "answeredAt"))) * 86400000) AS INTEGER),
  "satisfaction" = (SELECT CAST(json_extract(e."data", '$.score') AS INTEGER) FROM "ConsultationEvent" e WHERE e."consultationId" = "Consultation"."id" AND e."type" = 'rated' ORDER BY e."id" LIMIT 1);

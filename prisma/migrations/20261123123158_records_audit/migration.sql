-- DropIndex
DROP INDEX "Consultation_operatorId_requestedAt_idx";

-- DropIndex
DROP INDEX "Consultation_siteId_requestedAt_idx";

-- DropIndex
DROP INDEX "Consultation_departmentId_requestedAt_idx";

-- DropIndex
DROP INDEX "Consultation_requestedAt_idx";

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetId" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" TEXT
);

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_staffId_at_idx" ON "AuditLog"("staffId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_targetId_idx" ON "AuditLog"("targetId");

-- CreateIndex
CREATE INDEX "Consultation_requestedAt_id_idx" ON "Consultation"("requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_departmentId_requestedAt_id_idx" ON "Consultation"("departmentId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_siteId_requestedAt_id_idx" ON "Consultation"("siteId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_operatorId_requestedAt_id_idx" ON "Consultation"("operatorId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "ConsultationEvent_actorId_consultationId_idx" ON "ConsultationEvent"("actorId", "consultationId");

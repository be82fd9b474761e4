-- CreateTable
CREATE TABLE "Site" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "clerkPinHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenVersion" INTEGER NOT NULL DEFAULT 1,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3),

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HelpCall" (
    "id" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "presses" INTEGER NOT NULL DEFAULT 1,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,

    CONSTRAINT "HelpCall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Department" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kioskText" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "sortOrder" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Department_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DepartmentRouting" (
    "departmentId" TEXT NOT NULL,
    "ringTimeoutSeconds" INTEGER NOT NULL,
    "maxMissedOffers" INTEGER,
    "wrapUpSeconds" INTEGER NOT NULL,
    "secondaryDelaySeconds" INTEGER,
    "overflowToId" TEXT,
    "overflowDelaySeconds" INTEGER,
    "hours" TEXT NOT NULL,
    "closedDates" TEXT NOT NULL,
    "annualClosures" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DepartmentRouting_pkey" PRIMARY KEY ("departmentId")
);

-- CreateTable
CREATE TABLE "CallbackRequest" (
    "id" TEXT NOT NULL,
    "consultationId" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "note" TEXT NOT NULL DEFAULT '',
    "outcomeAt" TIMESTAMP(3),
    "outcomeById" TEXT,

    CONSTRAINT "CallbackRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Staff" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endReason" TEXT,

    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffDepartment" (
    "staffId" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "skill" TEXT NOT NULL DEFAULT 'primary',

    CONSTRAINT "StaffDepartment_pkey" PRIMARY KEY ("staffId","departmentId")
);

-- CreateTable
CREATE TABLE "Consultation" (
    "id" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "operatorId" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answeredAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "outcome" TEXT,
    "endedBy" TEXT,
    "waitMs" INTEGER,
    "talkMs" INTEGER,
    "satisfaction" INTEGER,
    "connectionLosses" INTEGER NOT NULL DEFAULT 0,
    "connectionLostMs" INTEGER NOT NULL DEFAULT 0,
    "categoryId" TEXT,

    CONSTRAINT "Consultation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsultationCategory" (
    "id" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "ConsultationCategory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsultationEvent" (
    "id" SERIAL NOT NULL,
    "consultationId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "data" TEXT,

    CONSTRAINT "ConsultationEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Still" (
    "id" TEXT NOT NULL,
    "consultationId" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "mime" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Still_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "staffId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetId" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" TEXT,
    "views" INTEGER NOT NULL DEFAULT 1,
    "lastAt" TIMESTAMP(3),

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsultationDaily" (
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
    "lossCount" INTEGER NOT NULL DEFAULT 0,
    "lostSumMs" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ConsultationDaily_pkey" PRIMARY KEY ("day","departmentId","siteId")
);

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

    CONSTRAINT "ConsultationDailyBreakdown_pkey" PRIMARY KEY ("day","departmentId","siteId","dimension","key")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedBy" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Device_siteId_idx" ON "Device"("siteId");

-- CreateIndex
CREATE INDEX "HelpCall_acknowledgedAt_idx" ON "HelpCall"("acknowledgedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Department_code_key" ON "Department"("code");

-- CreateIndex
CREATE UNIQUE INDEX "CallbackRequest_consultationId_key" ON "CallbackRequest"("consultationId");

-- CreateIndex
CREATE INDEX "CallbackRequest_departmentId_status_createdAt_idx" ON "CallbackRequest"("departmentId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "CallbackRequest_createdAt_idx" ON "CallbackRequest"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_username_key" ON "Staff"("username");

-- CreateIndex
CREATE INDEX "StaffSession_staffId_endedAt_idx" ON "StaffSession"("staffId", "endedAt");

-- CreateIndex
CREATE INDEX "StaffDepartment_departmentId_idx" ON "StaffDepartment"("departmentId");

-- CreateIndex
CREATE INDEX "Consultation_requestedAt_id_idx" ON "Consultation"("requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_departmentId_requestedAt_id_idx" ON "Consultation"("departmentId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_siteId_requestedAt_id_idx" ON "Consultation"("siteId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_operatorId_requestedAt_id_idx" ON "Consultation"("operatorId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "Consultation_deviceId_idx" ON "Consultation"("deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "ConsultationCategory_departmentId_name_key" ON "ConsultationCategory"("departmentId", "name");

-- CreateIndex
CREATE INDEX "ConsultationEvent_consultationId_at_idx" ON "ConsultationEvent"("consultationId", "at");

-- CreateIndex
CREATE INDEX "ConsultationEvent_actorId_consultationId_idx" ON "ConsultationEvent"("actorId", "consultationId");

-- CreateIndex
CREATE INDEX "Still_consultationId_idx" ON "Still"("consultationId");

-- CreateIndex
CREATE INDEX "Still_createdAt_idx" ON "Still"("createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_staffId_at_idx" ON "AuditLog"("staffId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_targetId_idx" ON "AuditLog"("targetId");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HelpCall" ADD CONSTRAINT "HelpCall_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HelpCall" ADD CONSTRAINT "HelpCall_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentRouting" ADD CONSTRAINT "DepartmentRouting_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallbackRequest" ADD CONSTRAINT "CallbackRequest_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallbackRequest" ADD CONSTRAINT "CallbackRequest_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffSession" ADD CONSTRAINT "StaffSession_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffDepartment" ADD CONSTRAINT "StaffDepartment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffDepartment" ADD CONSTRAINT "StaffDepartment_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consultation" ADD CONSTRAINT "Consultation_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consultation" ADD CONSTRAINT "Consultation_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consultation" ADD CONSTRAINT "Consultation_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consultation" ADD CONSTRAINT "Consultation_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsultationCategory" ADD CONSTRAINT "ConsultationCategory_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsultationEvent" ADD CONSTRAINT "ConsultationEvent_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Still" ADD CONSTRAINT "Still_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

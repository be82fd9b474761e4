-- CreateTable
CREATE TABLE "DepartmentRouting" (
    "departmentId" TEXT NOT NULL PRIMARY KEY,
    "ringTimeoutSeconds" INTEGER NOT NULL,
    "maxMissedOffers" INTEGER,
    "wrapUpSeconds" INTEGER NOT NULL,
    "secondaryDelaySeconds" INTEGER,
    "overflowToId" TEXT,
    "overflowDelaySeconds" INTEGER,
    "hours" TEXT NOT NULL,
    "closedDates" TEXT NOT NULL,
    "annualClosures" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "DepartmentRouting_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CallbackRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "consultationId" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "doneAt" DATETIME,
    "doneById" TEXT,
    CONSTRAINT "CallbackRequest_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CallbackRequest_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "CallbackRequest_consultationId_key" ON "CallbackRequest"("consultationId");

-- CreateIndex
CREATE INDEX "CallbackRequest_departmentId_doneAt_createdAt_idx" ON "CallbackRequest"("departmentId", "doneAt", "createdAt");

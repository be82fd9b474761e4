-- Clerk mode (issue 16, item 14): a per-site clerk PIN guards the kiosk's camera settings and
-- pre-call check (existing sites have none: their settings open as before), and 職員を呼ぶ presses
-- are recorded with who acknowledged them.
ALTER TABLE "Site" ADD COLUMN "clerkPinHash" TEXT;

CREATE TABLE "HelpCall" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "siteId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL,
    "presses" INTEGER NOT NULL DEFAULT 1,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    CONSTRAINT "HelpCall_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "HelpCall_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE INDEX "HelpCall_acknowledgedAt_idx" ON "HelpCall"("acknowledgedAt");

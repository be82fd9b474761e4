-- Need-to-know (issue 11): every list that shows residents' names and phone numbers is audited; a
-- staff member's repeated views of one target within a short window add to one row's count.
-- Rows written before were single views: 1 is true.
ALTER TABLE "AuditLog" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "AuditLog" ADD COLUMN "lastAt" DATETIME;

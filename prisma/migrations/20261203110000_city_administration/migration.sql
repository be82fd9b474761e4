-- City administration (issue 16, item 12): sites and departments get a description and can be
-- disabled instead of deleted (records keep pointing at them); a department's kiosk button text is
-- the city's to edit. Existing rows stay enabled with empty texts.
ALTER TABLE "Site" ADD COLUMN "description" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Site" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "Department" ADD COLUMN "kioskText" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Department" ADD COLUMN "description" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Department" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;

-- Lost connections of a call (issue 9): per consultation, and added up per day, department and site so
-- a city can see which site's network is bad. Events of these types did not exist before: 0 is true.
ALTER TABLE "Consultation" ADD COLUMN "connectionLosses" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Consultation" ADD COLUMN "connectionLostMs" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "ConsultationDaily" ADD COLUMN "lossCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "ConsultationDaily" ADD COLUMN "lostSumMs" BIGINT NOT NULL DEFAULT 0;

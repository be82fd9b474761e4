-- Reservations (issue 14, item 1): a per-department slot calendar and the bookings kept at a site's
-- booth. The unique (departmentId, slotStart, seat) is the double-booking guard; a cancelled booking
-- gives its seat back by setting it to NULL.
CREATE TABLE "ReservationCalendar" (
    "departmentId" TEXT NOT NULL PRIMARY KEY,
    "slotMinutes" INTEGER NOT NULL,
    "capacity" INTEGER NOT NULL,
    "bookableDays" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ReservationCalendar_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "Reservation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "slotStart" DATETIME NOT NULL,
    "seat" INTEGER,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "categoryId" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "language" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'booked',
    "preferredOperatorId" TEXT,
    "bookedBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "arrivedAt" DATETIME,
    "consultationId" TEXT,
    CONSTRAINT "Reservation_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Reservation_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Reservation_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "ConsultationCategory" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Reservation_preferredOperatorId_fkey" FOREIGN KEY ("preferredOperatorId") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Reservation_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "Reservation_code_key" ON "Reservation"("code");
CREATE UNIQUE INDEX "Reservation_consultationId_key" ON "Reservation"("consultationId");
CREATE UNIQUE INDEX "Reservation_departmentId_slotStart_seat_key" ON "Reservation"("departmentId", "slotStart", "seat");
CREATE INDEX "Reservation_siteId_slotStart_idx" ON "Reservation"("siteId", "slotStart");
CREATE INDEX "Reservation_slotStart_idx" ON "Reservation"("slotStart");

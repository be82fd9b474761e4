-- Reservations (issue 14, item 1), PostgreSQL: the same tables as the SQLite migration of the same name.
-- The unique (departmentId, slotStart, seat) is the double-booking guard.
-- CreateTable
CREATE TABLE "ReservationCalendar" (
    "departmentId" TEXT NOT NULL,
    "slotMinutes" INTEGER NOT NULL,
    "capacity" INTEGER NOT NULL,
    "bookableDays" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReservationCalendar_pkey" PRIMARY KEY ("departmentId")
);

-- CreateTable
CREATE TABLE "Reservation" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "slotStart" TIMESTAMP(3) NOT NULL,
    "seat" INTEGER,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "categoryId" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "language" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'booked',
    "preferredOperatorId" TEXT,
    "bookedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "arrivedAt" TIMESTAMP(3),
    "consultationId" TEXT,

    CONSTRAINT "Reservation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Reservation_code_key" ON "Reservation"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Reservation_consultationId_key" ON "Reservation"("consultationId");

-- CreateIndex
CREATE INDEX "Reservation_siteId_slotStart_idx" ON "Reservation"("siteId", "slotStart");

-- CreateIndex
CREATE INDEX "Reservation_slotStart_idx" ON "Reservation"("slotStart");

-- CreateIndex
CREATE UNIQUE INDEX "Reservation_departmentId_slotStart_seat_key" ON "Reservation"("departmentId", "slotStart", "seat");

-- AddForeignKey
ALTER TABLE "ReservationCalendar" ADD CONSTRAINT "ReservationCalendar_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "ConsultationCategory"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_preferredOperatorId_fkey" FOREIGN KEY ("preferredOperatorId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

import { ReservationStatus } from '@madoguchi/protocol';

/** A booking still `booked` when its slot has ended is a no-show; the stored status says the rest. */
export function reservationStatus(stored: string, slotEnd: number, now: number): ReservationStatus {
  return stored === 'booked' && slotEnd <= now ? 'no_show' : ReservationStatus.parse(stored);
}

/** A calendar removed since keeps its bookings: they count as an hour long. */
export const FALLBACK_SLOT_MINUTES = 60;

import type { BoothReservation, ClientAck } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { DevicePrincipal } from '../auth/principal.ts';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import type { ReservationService } from './ReservationService.ts';

const logger = createLogger('reservations');

/**
 * 予約の方 at the booth: the code (or the clerk's pick from today's list) claims the booking (so a second tablet cannot use it), the
 * consultation is requested as a reserved one, and once its row exists the booking points at it —
 * which is what makes the record say `reserved`. A request that fails gives the booking back.
 */
export class BoothCheckIn {
  readonly #reservations: ReservationService;
  readonly #consultations: ConsultationService;
  readonly #recorder: Pick<ConsultationRecorder, 'onRecord'>;

  constructor({ reservations, consultations, recorder }: { reservations: ReservationService; consultations: ConsultationService; recorder: Pick<ConsultationRecorder, 'onRecord'> }) {
    this.#reservations = reservations;
    this.#consultations = consultations;
    this.#recorder = recorder;
  }

  /** Today's bookings of the tablet's site not yet kept (the caller has checked the clerk's PIN). */
  async today(device: DevicePrincipal): Promise<BoothReservation[]> {
    return this.#reservations.todayAt(device.siteId);
  }

  async checkIn(device: DevicePrincipal, key: { code: string } | { id: string }): Promise<ClientAck<'reservation:checkIn'>> {
    const booking = await this.#reservations.arrive(device.siteId, key);
    let requested: ClientAck<'consultation:request'>;
    try {
      requested = await this.#consultations.request(device, booking.department.id, { preferredOperatorId: booking.preferredOperatorId });
    } catch (error) {
      await this.#reservations.undoArrival(booking.reservationId);
      throw error;
    }
    void this.#recorder
      .onRecord(requested.consultationId)
      .then(() => this.#reservations.linkConsultation(booking.reservationId, requested.consultationId))
      .catch((error: unknown) => logger.error(`reservation ${booking.reservationId} could not be linked to its consultation:`, error));
    return { ...requested, department: booking.department };
  }
}

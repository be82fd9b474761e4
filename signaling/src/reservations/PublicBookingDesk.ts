import {
  ProtocolError,
  PUBLIC_BOOKING_PHONE_LIMIT,
  type PublicBooking,
  type PublicBookingInfo,
  PublicBookingKey,
  PublicBookingRequest,
  type PublicSlots,
  type Reservation,
} from '@madoguchi/protocol';
import type { z } from 'zod';
import { AttemptWindow, type AttemptLog } from '../auth/AttemptWindow.ts';
import type { Clock } from '../clock.ts';
import type { ReservationService } from './ReservationService.ts';

const HOUR_MS = 60 * 60_000;

export interface PublicBookingLimits {
  /** Bookings made from one address per hour (a household or a library's computer makes a few; a script, many). */
  bookingsPerAddress: number;
  /** Lookups and cancellations with a wrong code or phone number from one address per hour: codes are not to be guessed. */
  wrongKeysPerAddress: number;
  /** Bookings still to be kept (from today on) that one phone number may hold. */
  openBookingsPerPhone: number;
}

export const DEFAULT_PUBLIC_BOOKING_LIMITS: PublicBookingLimits = { bookingsPerAddress: 10, wrongKeysPerAddress: 10, openBookingsPerPhone: 2 };

type ParsedRequest = z.output<typeof PublicBookingRequest>;
type ParsedKey = z.output<typeof PublicBookingKey>;

/**
 * The public booking page's desk: residents book, look up and cancel with no account. Everything goes
 * through the same ReservationService as a clerk's booking (same seats, same double-booking guard);
 * this desk adds what an open page needs — limits per address and per phone number, and views that
 * name no staff and show a booking only to whoever has its code and its phone number.
 */
export class PublicBookingDesk {
  readonly #reservations: ReservationService;
  readonly #city: string;
  readonly #limits: PublicBookingLimits;
  readonly #bookings: AttemptLog;
  readonly #wrongKeys: AttemptLog;
  /** The last booking being made for a phone number, which the next one for it waits for. */
  readonly #phonesBooking = new Map<string, Promise<void>>();

  /** `attempts`: where an address's attempts are counted (by name); this process by default. */
  constructor({
    reservations,
    clock,
    city,
    limits,
    attempts,
  }: {
    reservations: ReservationService;
    clock: Clock;
    city: string;
    limits: PublicBookingLimits;
    attempts?: (name: string, windowMs: number) => AttemptLog;
  }) {
    this.#reservations = reservations;
    this.#city = city;
    this.#limits = limits;
    const now = () => clock.now().getTime();
    const log = attempts ?? ((_name: string, windowMs: number) => new AttemptWindow({ windowMs, now }));
    this.#bookings = log('bookings', HOUR_MS);
    this.#wrongKeys = log('booking-keys', HOUR_MS);
  }

  async info(): Promise<PublicBookingInfo> {
    const { departments, sites } = await this.#reservations.bookable();
    return { city: this.#city, departments, sites, openBookingsPerPhone: this.#limits.openBookingsPerPhone };
  }

  async slots(departmentId: string, date: string): Promise<PublicSlots> {
    await this.#bookableDepartment(departmentId);
    const { slots, categories } = await this.#reservations.options(departmentId, date, { kind: 'public' });
    return { slots, categories };
  }

  async book(address: string, request: ParsedRequest): Promise<PublicBooking> {
    // Counted before it is made, in one step with the check, so that bookings sent at once cannot
    // all pass it; given back when refused, so that a household that keeps finding its slot taken
    // is not locked out.
    await this.#bookings.take(address, this.#limits.bookingsPerAddress, 'too many bookings from this address; try again later');
    // One phone number's bookings are made one after another, so two at once cannot both pass its count.
    const previous = this.#phonesBooking.get(request.phone) ?? Promise.resolve();
    const booking = previous.then(() => this.#bookFor(request)).catch(async (error: unknown) => {
      await this.#bookings.removeLatest(address).catch(() => {}); // the refusal is what the resident needs to hear
      throw error;
    });
    const settled = booking.then(
      () => undefined,
      () => undefined,
    );
    this.#phonesBooking.set(request.phone, settled);
    void settled.then(() => {
      if (this.#phonesBooking.get(request.phone) === settled) this.#phonesBooking.delete(request.phone);
    });
    return booking;
  }

  async #bookFor(request: ParsedRequest): Promise<PublicBooking> {
    await this.#bookableDepartment(request.departmentId);
    if ((await this.#reservations.openBookingsOf(request.phone)) >= this.#limits.openBookingsPerPhone) {
      throw new ProtocolError('CONFLICT', PUBLIC_BOOKING_PHONE_LIMIT);
    }
    const { agreed: _agreed, ...booking } = request;
    return publicView(await this.#reservations.book({ ...booking, preferredOperatorId: null }, { kind: 'public' }));
  }

  async lookup(address: string, key: ParsedKey): Promise<PublicBooking> {
    return publicView(await this.#find(address, key));
  }

  /** CONFLICT for a booking already kept, cancelled or passed. */
  async cancel(address: string, key: ParsedKey): Promise<PublicBooking> {
    const reservation = await this.#find(address, key);
    return publicView(await this.#reservations.cancel(reservation.id));
  }

  async #find(address: string, { code, phone }: ParsedKey): Promise<Reservation> {
    await this.#wrongKeys.refuseIfOver(address, this.#limits.wrongKeysPerAddress, 'too many wrong booking numbers from this address; try again later');
    try {
      return await this.#reservations.findByCodeAndPhone(code, phone);
    } catch (error) {
      if (error instanceof ProtocolError && error.code === 'NOT_FOUND') await this.#wrongKeys.add(address);
      throw error;
    }
  }

  /** Only a department that takes bookings now is offered, whatever id is asked for. */
  async #bookableDepartment(departmentId: string): Promise<void> {
    if (!(await this.#reservations.takesBookings(departmentId))) throw new ProtocolError('NOT_FOUND', 'this department takes no bookings');
  }
}

function publicView(reservation: Reservation): PublicBooking {
  const { code, department, site, slotStart, slotEnd, category, language, status } = reservation;
  return { code, department, site, slotStart, slotEnd, category, language, status };
}

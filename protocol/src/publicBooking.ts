import { z } from 'zod';
import { DepartmentSummary, Id, PhoneNumber, SiteSummary } from './domain.ts';
import { ConsultationCategory } from './notes.ts';
import { BookingRequest, ReservationCode, ReservationSlot, ReservationStatus, ResidentLanguage } from './reservations.ts';

/**
 * The public booking page (/booking/): a resident books a department's slot from their own phone or
 * computer, with no account. Nothing here names staff, and a booking is shown again only to someone
 * who has both its code and its phone number.
 */

/** GET /api/public/booking: the city, the departments that take bookings, and the places to come to. */
export const PublicBookingInfo = z.object({
  city: z.string(),
  departments: z.array(
    DepartmentSummary.extend({
      /** The department's own words for its button (e.g. 介護・障がい・くらしの相談). */
      kioskText: z.string(),
      /** The last day a slot may be booked, YYYY-MM-DD (Asia/Tokyo). */
      bookableUntil: z.iso.date(),
    }),
  ),
  /** The booths a resident may come to (post offices, branch offices, …). */
  sites: z.array(SiteSummary.extend({ kind: z.string() })),
  /** Bookings not yet kept that one phone number may hold at once. */
  openBookingsPerPhone: z.number().int().min(1),
});
export type PublicBookingInfo = z.infer<typeof PublicBookingInfo>;

/** GET /api/public/booking/slots?departmentId=&date=YYYY-MM-DD */
export const PublicSlotsQuery = z.strictObject({ departmentId: Id, date: z.iso.date() });
export const PublicSlots = z.object({
  /** The day's slots that have not ended, with their free places; empty when the department takes no bookings that day. */
  slots: z.array(ReservationSlot),
  categories: z.array(ConsultationCategory),
});
export type PublicSlots = z.infer<typeof PublicSlots>;

/**
 * POST /api/public/booking. Like a clerk's booking, but the site is always named, no operator may be
 * named, and the resident has agreed to how their name and number are used.
 */
export const PublicBookingRequest = BookingRequest.omit({ siteId: true, preferredOperatorId: true }).extend({
  siteId: Id,
  /** 個人情報の取扱いに同意する: the page does not send a booking without it. */
  agreed: z.literal(true),
});
export type PublicBookingRequest = z.input<typeof PublicBookingRequest>;

/** POST /api/public/booking/lookup and /cancel: the booking's code and the phone number it was made with. */
export const PublicBookingKey = z.strictObject({ code: ReservationCode, phone: PhoneNumber });
export type PublicBookingKey = z.input<typeof PublicBookingKey>;

/** A booking as its resident sees it: no name, phone number or note is sent back. */
export const PublicBooking = z.object({
  code: z.string(),
  department: DepartmentSummary,
  site: SiteSummary,
  slotStart: z.iso.datetime(),
  slotEnd: z.iso.datetime(),
  category: ConsultationCategory,
  language: ResidentLanguage,
  status: ReservationStatus,
});
export type PublicBooking = z.infer<typeof PublicBooking>;

/**
 * The 409 the page tells apart from a slot taken meanwhile (RESERVATION_SLOT_FULL): the phone number
 * holds the most open bookings allowed.
 */
export const PUBLIC_BOOKING_PHONE_LIMIT = 'this phone number already holds the most bookings allowed';

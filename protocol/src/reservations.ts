import { z } from 'zod';
import { CallbackName, DepartmentSummary, Id, PhoneNumber, SiteSummary } from './domain.ts';
import { ConsultationCategory } from './notes.ts';

/**
 * Reservations (予約): a department's slot calendar, the bookings made by a site's clerk or by staff,
 * and the short code the resident types at the booth.
 */

/** Asia/Tokyo is UTC+9 all year: bookings are by the city's calendar day, whatever a device's time zone. */
const TOKYO_OFFSET_MS = 9 * 60 * 60_000;

/** The Tokyo calendar day (YYYY-MM-DD) of an instant: the day a booking form and the today's list ask for. */
export function tokyoDate(instant: number = Date.now()): string {
  return new Date(instant + TOKYO_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Tokyo wall-clock time (HH:MM) of an ISO instant: a slot as the clerk reads it. */
export function tokyoClock(iso: string): string {
  return new Date(Date.parse(iso) + TOKYO_OFFSET_MS).toISOString().slice(11, 16);
}

/** The languages a resident may be served in (the kiosk's six). */
export const ResidentLanguage = z.enum(['ja', 'en', 'zh', 'ko', 'vi', 'pt']);
export type ResidentLanguage = z.infer<typeof ResidentLanguage>;

/** What the resident types at the booth or on the booking page: six digits, spaces allowed, full-width too. */
export const ReservationCode = z
  .string()
  .transform((value) => value.normalize('NFKC').replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'six digits'));

/**
 * A booking as stored, with `no_show` derived: a booking still `booked` when its slot has ended.
 * `arrived`: the resident started the consultation at the booth.
 */
export const ReservationStatus = z.enum(['booked', 'arrived', 'no_show', 'cancelled']);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

/** A department's slot calendar (admins). Hours, closed dates and annual closures come from 受付設定. */
export const ReservationCalendarSettings = z.strictObject({
  slotMinutes: z.number().int().min(10).max(240),
  capacity: z.number().int().min(1).max(20),
  bookableDays: z.number().int().min(0).max(180),
});
export type ReservationCalendarSettings = z.infer<typeof ReservationCalendarSettings>;

/** GET /api/reservations/calendars: every department with its calendar; null: takes no bookings. */
export const ReservationCalendarsResponse = z.object({
  calendars: z.array(z.object({ department: DepartmentSummary, settings: ReservationCalendarSettings.nullable() })),
});
export type ReservationCalendarsResponse = z.infer<typeof ReservationCalendarsResponse>;

/** One slot of a day: its start and end, and the places still free. */
export const ReservationSlot = z.object({ start: z.iso.datetime(), end: z.iso.datetime(), free: z.number().int().min(0) });
export type ReservationSlot = z.infer<typeof ReservationSlot>;

/** GET /api/reservations/options?departmentId=&date=YYYY-MM-DD: what a booking form offers. */
export const ReservationOptionsQuery = z.strictObject({
  departmentId: Id,
  date: z.iso.date(),
});
export const ReservationOptions = z.object({
  /** The department's slots of that day (Asia/Tokyo) that have not ended; empty when it takes no bookings then. */
  slots: z.array(ReservationSlot),
  categories: z.array(ConsultationCategory),
  /** Who may be named on the booking: the department's operators (primary skill). */
  operators: z.array(z.object({ id: Id, name: z.string() })),
  /** The last day a slot may be booked, YYYY-MM-DD; null when the department takes no bookings. */
  bookableUntil: z.iso.date().nullable(),
  /** Where the resident may be booked to come: a tablet's own site; for staff, every site in service. */
  sites: z.array(SiteSummary),
});
export type ReservationOptions = z.infer<typeof ReservationOptions>;

/**
 * POST /api/reservations. A tablet books for its own site (its clerk, in clerk mode); staff name the
 * site. The slot must be one of the department's slots, not ended, and within its bookable days.
 */
export const BookingRequest = z.strictObject({
  departmentId: Id,
  siteId: Id.optional(),
  slotStart: z.iso.datetime(),
  name: CallbackName,
  phone: PhoneNumber,
  categoryId: Id,
  note: z.string().trim().max(500).default(''),
  language: ResidentLanguage,
  preferredOperatorId: Id.nullable().default(null),
});
export type BookingRequest = z.input<typeof BookingRequest>;

/** The 409 message of a booking whose slot has no place left (taken meanwhile, by any channel). */
export const RESERVATION_SLOT_FULL = 'this slot is full';

export const BookedVia = z.enum(['tablet', 'staff', 'public']);
export type BookedVia = z.infer<typeof BookedVia>;

export const Reservation = z.object({
  id: Id,
  code: z.string(),
  department: DepartmentSummary,
  site: SiteSummary,
  slotStart: z.iso.datetime(),
  slotEnd: z.iso.datetime(),
  name: z.string(),
  phone: z.string(),
  category: ConsultationCategory,
  note: z.string(),
  language: ResidentLanguage,
  status: ReservationStatus,
  preferredOperator: z.object({ id: Id, name: z.string() }).nullable(),
  arrivedAt: z.iso.datetime().nullable(),
  /** Arrived after the slot started, or not arrived while it runs. */
  late: z.boolean(),
  /** Where it was booked: a site's tablet (its clerk), the console, or the residents' public page. */
  bookedVia: BookedVia,
});
export type Reservation = z.infer<typeof Reservation>;

/**
 * One of today's bookings of the tablet's site still to be kept, as the clerk's screen lists it
 * (`reservation:today`): no phone number, no note — only what the clerk needs to find the resident.
 */
export const BoothReservation = Reservation.pick({ id: true, department: true, slotStart: true, slotEnd: true, name: true, category: true, late: true });
export type BoothReservation = z.infer<typeof BoothReservation>;

/** GET /api/reservations?date=YYYY-MM-DD[&departmentId=]: the day's bookings of the staff member's departments (all for supervisors and admins). */
export const ReservationListQuery = z.strictObject({ date: z.iso.date(), departmentId: Id.optional() });
export const ReservationList = z.object({ reservations: z.array(Reservation) });
export type ReservationList = z.infer<typeof ReservationList>;

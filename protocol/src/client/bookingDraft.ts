import type { BookingRequest, ReservationOptions, ResidentLanguage } from '../reservations.ts';

/**
 * A booking being filled in — by a site's clerk on the tablet or by staff in the console: the
 * same fields, the same defaults when a day's options load, the same request. Each app draws it.
 */
export interface BookingDraft {
  departmentId: string;
  /** The Tokyo day, YYYY-MM-DD. */
  date: string;
  slotStart: string;
  siteId: string;
  categoryId: string;
  /** '' for anyone of the department. */
  operatorId: string;
  name: string;
  phone: string;
  language: ResidentLanguage;
  note: string;
}

export function emptyBookingDraft(departmentId: string, date: string): BookingDraft {
  return { departmentId, date, slotStart: '', siteId: '', categoryId: '', operatorId: '', name: '', phone: '', language: 'ja', note: '' };
}

/** Options of nothing: what a form shows when they could not be loaded. */
export const NO_BOOKING_OPTIONS: ReservationOptions = { slots: [], categories: [], operators: [], bookableUntil: null, sites: [] };

/**
 * The draft once a day's options have loaded: the first slot with room, and the category, site and
 * operator chosen so far if they are still offered (else the first category, the only site, anyone).
 */
export function withBookingOptions(draft: BookingDraft, options: ReservationOptions): BookingDraft {
  const offered = <T extends { id: string }>(items: readonly T[], chosen: string) => items.some((item) => item.id === chosen);
  return {
    ...draft,
    slotStart: options.slots.find((slot) => slot.free > 0)?.start ?? '',
    categoryId: offered(options.categories, draft.categoryId) ? draft.categoryId : (options.categories[0]?.id ?? ''),
    siteId: offered(options.sites, draft.siteId) ? draft.siteId : options.sites.length === 1 ? options.sites[0]!.id : '',
    operatorId: offered(options.operators, draft.operatorId) ? draft.operatorId : '',
  };
}

/** Everything a booking needs is chosen or typed. */
export function bookingDraftReady(draft: BookingDraft): boolean {
  return [draft.departmentId, draft.slotStart, draft.siteId, draft.categoryId, draft.name.trim(), draft.phone.trim()].every((value) => value !== '');
}

export function bookingRequestOf(draft: BookingDraft): BookingRequest {
  const { departmentId, siteId, slotStart, name, phone, categoryId, note, language, operatorId } = draft;
  return { departmentId, siteId, slotStart, name, phone, categoryId, note, language, preferredOperatorId: operatorId || null };
}

/** The next booking after one was made: the same department, day and choices, a new resident. */
export function nextBookingDraft(draft: BookingDraft): BookingDraft {
  return { ...draft, name: '', phone: '', note: '' };
}

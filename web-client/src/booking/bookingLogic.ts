import {
  CallbackName,
  PhoneNumber,
  PUBLIC_BOOKING_PHONE_LIMIT,
  RESERVATION_SLOT_FULL,
  ReservationCode,
  tokyoClock,
  type PublicBookingRequest,
  type ResidentLanguage,
} from '@madoguchi/protocol';

/**
 * The booking page's rules that need no screen: which days may be chosen, which step a resident
 * may be on with what they have chosen so far, what is missing from their details, how a code is
 * written, and what a refusal from the server means for them.
 */

const DAY_MS = 86_400_000;
/** A safety net against a far-off bookableUntil: the calendar allows at most 180 days. */
const MAX_DAYS = 181;
export const NOTE_MAX = 500;

/** The Tokyo days from today to the last bookable day (YYYY-MM-DD, both included); none when it has passed. */
export function bookableDays(today: string, until: string): string[] {
  const first = Date.parse(`${today}T00:00:00Z`);
  const last = Date.parse(`${until}T00:00:00Z`);
  if (Number.isNaN(first) || Number.isNaN(last)) return [];
  const days: string[] = [];
  for (let day = first; day <= last && days.length < MAX_DAYS; day += DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

/** A six-digit code as people read it aloud and copy it: 123 456. */
export function formatCode(code: string): string {
  return /^\d{6}$/.test(code) ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

/** A Tokyo day in the page's language: 6月12日(金), Fri, June 12, … */
export function dayLabel(day: string, language: string): string {
  return new Date(`${day}T12:00:00+09:00`).toLocaleDateString(language, { timeZone: 'Asia/Tokyo', month: 'long', day: 'numeric', weekday: 'short' });
}

/** A slot as the resident reads it: 09:30–10:00 (Tokyo time). */
export function slotLabel(slot: { start: string; end: string }): string {
  return `${tokyoClock(slot.start)}–${tokyoClock(slot.end)}`;
}

/** Digits as a Japanese keyboard may type them (０９０－…), sent as ASCII (the protocol reads either). */
export function halfWidth(text: string): string {
  return text.normalize('NFKC').trim();
}

/** What the resident has chosen and typed so far; kept across screens and errors. */
export interface BookingDraft {
  departmentId: string;
  siteId: string;
  date: string;
  slotStart: string;
  slotEnd: string;
  categoryId: string;
  name: string;
  phone: string;
  /** The consultation's language; null: the page's language. */
  language: ResidentLanguage | null;
  note: string;
  agreed: boolean;
}

export const EMPTY_DRAFT: BookingDraft = {
  departmentId: '',
  siteId: '',
  date: '',
  slotStart: '',
  slotEnd: '',
  categoryId: '',
  name: '',
  phone: '',
  language: null,
  note: '',
  agreed: false,
};

/** A different department: its own days, slots and categories; the rest stays. */
export function withDepartment(draft: BookingDraft, departmentId: string): BookingDraft {
  if (draft.departmentId === departmentId) return draft;
  return { ...draft, departmentId, date: '', slotStart: '', slotEnd: '', categoryId: '' };
}

export function withDate(draft: BookingDraft, date: string): BookingDraft {
  return draft.date === date ? draft : { ...draft, date, slotStart: '', slotEnd: '' };
}

/** The booking steps in order; the page's other screens are start, done and lookup. */
export const BOOKING_STEPS = ['department', 'site', 'day', 'slot', 'details', 'confirm'] as const;
export type BookingStep = (typeof BOOKING_STEPS)[number];

/**
 * The step to show for the one asked (a browser's back button, a reload): the first one whose
 * choice is still missing, if that comes earlier.
 */
export function reachableStep(step: BookingStep, draft: BookingDraft): BookingStep {
  const needs: [BookingStep, boolean][] = [
    ['department', true],
    ['site', draft.departmentId !== ''],
    ['day', draft.siteId !== ''],
    ['slot', draft.date !== ''],
    ['details', draft.slotStart !== ''],
    ['confirm', Object.keys(detailsProblems(draft)).length === 0],
  ];
  let reachable: BookingStep = 'department';
  for (const [candidate, met] of needs) {
    if (!met) break;
    reachable = candidate;
    if (candidate === step) break;
  }
  return BOOKING_STEPS.indexOf(reachable) < BOOKING_STEPS.indexOf(step) ? reachable : step;
}

export type DetailsField = 'categoryId' | 'name' | 'phone' | 'note' | 'agreed';
export type FieldProblem = 'missing' | 'invalid' | 'tooLong';

/** What keeps the details from being sent, field by field, by the protocol's own rules. */
export function detailsProblems(draft: BookingDraft): Partial<Record<DetailsField, FieldProblem>> {
  const problems: Partial<Record<DetailsField, FieldProblem>> = {};
  if (!draft.categoryId) problems.categoryId = 'missing';
  if (!draft.name.trim()) problems.name = 'missing';
  else if (!CallbackName.safeParse(draft.name).success) problems.name = 'tooLong';
  if (!draft.phone.trim()) problems.phone = 'missing';
  else if (!PhoneNumber.safeParse(halfWidth(draft.phone)).success) problems.phone = 'invalid';
  if (draft.note.trim().length > NOTE_MAX) problems.note = 'tooLong';
  if (!draft.agreed) problems.agreed = 'missing';
  return problems;
}

export type LookupField = 'code' | 'phone';

/** What keeps a lookup (code and phone number) from being sent. */
export function lookupProblems(code: string, phone: string): Partial<Record<LookupField, FieldProblem>> {
  const problems: Partial<Record<LookupField, FieldProblem>> = {};
  if (!code.trim()) problems.code = 'missing';
  else if (!ReservationCode.safeParse(halfWidth(code)).success) problems.code = 'invalid';
  if (!phone.trim()) problems.phone = 'missing';
  else if (!PhoneNumber.safeParse(halfWidth(phone)).success) problems.phone = 'invalid';
  return problems;
}

/** The request the details make; the consultation's language is the page's unless one was chosen. */
export function bookingRequest(draft: BookingDraft, pageLanguage: ResidentLanguage): PublicBookingRequest {
  return {
    departmentId: draft.departmentId,
    siteId: draft.siteId,
    slotStart: draft.slotStart,
    name: draft.name.trim(),
    phone: halfWidth(draft.phone),
    categoryId: draft.categoryId,
    note: draft.note.trim(),
    language: draft.language ?? pageLanguage,
    agreed: true,
  };
}

/** A refused or failed call, as the page's API module reports it (status 0: no answer at all). */
export interface FailedCall {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number | null;
}

/** What the page was doing when the server said no. */
export type BookingAction = 'info' | 'slots' | 'book' | 'lookup' | 'cancel';

/** The fields a 400's message may name ("phone: …"), so the resident is told which one to fix. */
export const REQUEST_FIELDS = ['departmentId', 'siteId', 'slotStart', 'name', 'phone', 'categoryId', 'note', 'language', 'agreed', 'code'] as const;
export type RequestField = (typeof REQUEST_FIELDS)[number];

/** What a failure means for the resident, in words the page can say in each language. */
export type Problem =
  | { kind: 'unavailable' } // public booking is off (or what was chosen is no longer offered)
  | { kind: 'slotFull' }
  | { kind: 'phoneLimit' }
  | { kind: 'notFound' }
  | { kind: 'notCancellable' }
  | { kind: 'invalid'; field: RequestField | null }
  | { kind: 'rateLimited'; minutes: number | null }
  | { kind: 'busy' }
  | { kind: 'network' }
  | { kind: 'failed' };

function fieldOf(message: string): RequestField | null {
  const path = message.split(':', 1)[0]?.trim().split('.')[0] ?? '';
  return (REQUEST_FIELDS as readonly string[]).includes(path) ? (path as RequestField) : null;
}

/** The server's answer (see protocol/src/publicBooking.ts) as the resident's problem. */
export function problemOf(error: FailedCall, action: BookingAction): Problem {
  if (error.status === 0) return { kind: 'network' };
  if (error.status === 429 || error.code === 'RATE_LIMITED') {
    const seconds = error.retryAfterSeconds;
    return { kind: 'rateLimited', minutes: seconds && seconds > 0 ? Math.ceil(seconds / 60) : null };
  }
  if (error.status === 503 || error.code === 'UNAVAILABLE') return { kind: 'busy' };
  if (error.status === 400 || error.code === 'BAD_REQUEST') return { kind: 'invalid', field: fieldOf(error.message) };
  if (error.status === 404 || error.code === 'NOT_FOUND') return action === 'lookup' || action === 'cancel' ? { kind: 'notFound' } : { kind: 'unavailable' };
  if (error.status === 409 || error.code === 'CONFLICT') {
    if (action === 'cancel') return { kind: 'notCancellable' };
    if (error.message === RESERVATION_SLOT_FULL) return { kind: 'slotFull' };
    if (error.message === PUBLIC_BOOKING_PHONE_LIMIT) return { kind: 'phoneLimit' };
  }
  return { kind: 'failed' };
}

import type { RoutingSettings, WeeklyHours } from '@madoguchi/protocol';

/**
 * 受付設定 as an admin types it: every field is text, parsed here to the protocol's RoutingSettings
 * (and written back the same way), so the screen can say next to each field what is wrong before
 * anything is sent. Pure: the unit tests cover it.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const satisfies readonly (keyof WeeklyHours)[];
export type Weekday = (typeof WEEKDAYS)[number];

export interface RoutingDraft {
  ringTimeoutSeconds: string;
  wrapUpSeconds: string;
  /** Empty: never set away. */
  maxMissedOffers: string;
  /** Empty: staff with it as a secondary skill never answer. */
  secondaryDelaySeconds: string;
  /** Empty: no overflow. */
  overflowDepartmentId: string;
  overflowDelaySeconds: string;
  /** `08:30-12:00, 13:00-17:15`; empty: closed that day. */
  hours: Record<Weekday, string>;
  /** One YYYY-MM-DD a line. */
  closedDates: string;
  /** One `MM-DD MM-DD` (from, to) a line. */
  annualClosures: string;
}

export type DraftField = Exclude<keyof RoutingDraft, 'hours'> | `hours.${Weekday}`;

/** What is wrong with a field; the screen words it in the staff member's language. */
export type FieldError =
  | { kind: 'required' }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'interval'; text: string }
  | { kind: 'order'; text: string }
  | { kind: 'overlap'; text: string }
  | { kind: 'tooMany'; max: number }
  | { kind: 'date'; text: string }
  | { kind: 'closure'; text: string };

export type DraftErrors = Partial<Record<DraftField, FieldError>>;
export type ParsedDraft = { ok: true; settings: RoutingSettings } | { ok: false; errors: DraftErrors };

/** The limits of protocol/src/routing.ts, where the server checks them again. */
const LIMITS = {
  ringTimeoutSeconds: { min: 5, max: 300 },
  wrapUpSeconds: { min: 0, max: 3600 },
  maxMissedOffers: { min: 1, max: 20 },
  secondaryDelaySeconds: { min: 0, max: 3600 },
  overflowDelaySeconds: { min: 0, max: 3600 },
  intervalsPerDay: 4,
  closedDates: 400,
  annualClosures: 20,
} as const;

const pad = (n: number) => String(n).padStart(2, '0');

export function draftOf(settings: RoutingSettings): RoutingDraft {
  const optional = (value: number | null) => (value === null ? '' : String(value));
  return {
    ringTimeoutSeconds: String(settings.ringTimeoutSeconds),
    wrapUpSeconds: String(settings.wrapUpSeconds),
    maxMissedOffers: optional(settings.maxMissedOffers),
    secondaryDelaySeconds: optional(settings.secondaryDelaySeconds),
    overflowDepartmentId: settings.overflow?.departmentId ?? '',
    overflowDelaySeconds: optional(settings.overflow?.delaySeconds ?? null),
    hours: Object.fromEntries(
      WEEKDAYS.map((day) => [day, settings.hours[day].map(({ open, close }) => `${open}-${close}`).join(', ')]),
    ) as Record<Weekday, string>,
    closedDates: settings.closedDates.join('\n'),
    annualClosures: settings.annualClosures.map(({ from, to }) => `${from} ${to}`).join('\n'),
  };
}

/** Either the value or what is wrong with the text. */
type Parsed<T> = { value: T } | { error: FieldError };

/**
 * Full-width digits, colons and tildes (what a Japanese IME types) read as their ASCII twins, and
 * the wave dash as a tilde: `８：３０〜１２：００` is `8:30~12:00`.
 */
function normalized(text: string): string {
  return text.normalize('NFKC').replace(/[〜–—]/g, '~').trim();
}

function wholeNumber(text: string, { min, max }: { min: number; max: number }, optional: boolean): Parsed<number | null> {
  const value = normalized(text);
  if (value === '') return optional ? { value: null } : { error: { kind: 'required' } };
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) return { error: { kind: 'range', min, max } };
  return { value: n };
}

/** `H:MM` or `HH:MM` → `HH:MM`, or null; `24:00` only as a closing time. */
function hourMinute(hours: string, minutes: string, closing: boolean): string | null {
  const h = Number(hours);
  const m = Number(minutes);
  if (m > 59 || h > 24 || (h === 24 && (m > 0 || !closing))) return null;
  return `${pad(h)}:${minutes}`;
}

const INTERVAL = /^(\d{1,2}):(\d{2})\s*[-~]\s*(\d{1,2}):(\d{2})$/;

export function parseIntervals(text: string): Parsed<WeeklyHours[Weekday]> {
  const pieces = normalized(text)
    .split(/[,、]/)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
  const intervals: { open: string; close: string }[] = [];
  for (const piece of pieces) {
    const match = INTERVAL.exec(piece);
    const open = match && hourMinute(match[1]!, match[2]!, false);
    const close = match && hourMinute(match[3]!, match[4]!, true);
    if (!open || !close) return { error: { kind: 'interval', text: piece } };
    if (open >= close) return { error: { kind: 'order', text: piece } };
    intervals.push({ open, close });
  }
  if (intervals.length > LIMITS.intervalsPerDay) return { error: { kind: 'tooMany', max: LIMITS.intervalsPerDay } };
  intervals.sort((a, b) => a.open.localeCompare(b.open));
  for (let i = 1; i < intervals.length; i++) {
    const [before, after] = [intervals[i - 1]!, intervals[i]!];
    if (after.open < before.close) return { error: { kind: 'overlap', text: `${after.open}-${after.close}` } };
  }
  return { value: intervals };
}

/** Days in a month of a leap year: 02-29 is a valid yearly date. */
function validMonthDay(month: number, day: number, year = 2000): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map(normalized)
    .filter((line) => line !== '');
}

/** One date a line (`2026-01-12` or `2026/1/12`) → sorted YYYY-MM-DD without repeats. */
export function parseClosedDates(text: string): Parsed<string[]> {
  const dates = new Set<string>();
  for (const line of lines(text)) {
    const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(line);
    if (!match || !validMonthDay(Number(match[2]), Number(match[3]), Number(match[1]))) return { error: { kind: 'date', text: line } };
    dates.add(`${match[1]}-${pad(Number(match[2]))}-${pad(Number(match[3]))}`);
  }
  if (dates.size > LIMITS.closedDates) return { error: { kind: 'tooMany', max: LIMITS.closedDates } };
  return { value: [...dates].sort() };
}

const MONTH_DAY = String.raw`(\d{1,2})[-/](\d{1,2})`;
const CLOSURE = new RegExp(String.raw`^${MONTH_DAY}(?:\s*~\s*|\s+)${MONTH_DAY}$`);

/** One closure a line, `12-29 01-03` (also `12/29~1/3`); a single `MM-DD` is one day. */
export function parseAnnualClosures(text: string): Parsed<RoutingSettings['annualClosures']> {
  const closures: RoutingSettings['annualClosures'] = [];
  for (const line of lines(text)) {
    const match = CLOSURE.exec(line) ?? new RegExp(`^${MONTH_DAY}$`).exec(line);
    const [fromMonth, fromDay, toMonth = fromMonth, toDay = fromDay] = (match?.slice(1) ?? []).map(Number);
    if (!match || !validMonthDay(fromMonth!, fromDay!) || !validMonthDay(toMonth!, toDay!)) return { error: { kind: 'closure', text: line } };
    closures.push({ from: `${pad(fromMonth!)}-${pad(fromDay!)}`, to: `${pad(toMonth!)}-${pad(toDay!)}` });
  }
  if (closures.length > LIMITS.annualClosures) return { error: { kind: 'tooMany', max: LIMITS.annualClosures } };
  return { value: closures };
}

/** Every field at once, so that every mistake is shown together. */
export function parseRoutingDraft(draft: RoutingDraft): ParsedDraft {
  const errors: DraftErrors = {};
  const take = <T>(field: DraftField, parsed: Parsed<T>): T | undefined => {
    if ('error' in parsed) {
      errors[field] = parsed.error;
      return undefined;
    }
    return parsed.value;
  };
  const ringTimeoutSeconds = take('ringTimeoutSeconds', wholeNumber(draft.ringTimeoutSeconds, LIMITS.ringTimeoutSeconds, false));
  const wrapUpSeconds = take('wrapUpSeconds', wholeNumber(draft.wrapUpSeconds, LIMITS.wrapUpSeconds, false));
  const maxMissedOffers = take('maxMissedOffers', wholeNumber(draft.maxMissedOffers, LIMITS.maxMissedOffers, true));
  const secondaryDelaySeconds = take('secondaryDelaySeconds', wholeNumber(draft.secondaryDelaySeconds, LIMITS.secondaryDelaySeconds, true));
  const overflowDelaySeconds = draft.overflowDepartmentId
    ? take('overflowDelaySeconds', wholeNumber(draft.overflowDelaySeconds, LIMITS.overflowDelaySeconds, false))
    : null;
  const hours = Object.fromEntries(WEEKDAYS.map((day) => [day, take(`hours.${day}`, parseIntervals(draft.hours[day]))]));
  const closedDates = take('closedDates', parseClosedDates(draft.closedDates));
  const annualClosures = take('annualClosures', parseAnnualClosures(draft.annualClosures));
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      ringTimeoutSeconds: ringTimeoutSeconds!,
      wrapUpSeconds: wrapUpSeconds!,
      maxMissedOffers: maxMissedOffers ?? null,
      secondaryDelaySeconds: secondaryDelaySeconds ?? null,
      overflow: draft.overflowDepartmentId ? { departmentId: draft.overflowDepartmentId, delaySeconds: overflowDelaySeconds! } : null,
      hours: hours as WeeklyHours,
      closedDates: closedDates!,
      annualClosures: annualClosures!,
    },
  };
}

/** How a language words each FieldError (the dictionaries fill it in). */
export type FieldErrorMessages = { [K in FieldError['kind']]: (error: Extract<FieldError, { kind: K }>) => string };

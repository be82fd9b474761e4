import { WEEKDAYS, minutesOf, type AnnualClosure, type WeeklyHours } from './config.ts';

/** Asia/Tokyo is UTC+9 all year (no daylight saving time), so local time needs no time-zone library. */
export const TOKYO_OFFSET_MS = 9 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;

/** The Tokyo wall-clock view of an instant. */
export interface TokyoTime {
  /** `YYYY-MM-DD` */
  readonly date: string;
  /** `MM-DD` */
  readonly monthDay: string;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
  /** Milliseconds since Tokyo midnight. */
  readonly msOfDay: number;
  /** The instant (UTC ms) of that Tokyo midnight. */
  readonly midnight: number;
}

export function tokyoTime(instant: number): TokyoTime {
  const local = instant + TOKYO_OFFSET_MS;
  const localMidnight = Math.floor(local / DAY_MS) * DAY_MS;
  const day = new Date(localMidnight); // read with getUTC*: the fields are Tokyo's
  const date = day.toISOString().slice(0, 10);
  return {
    date,
    monthDay: date.slice(5),
    weekday: day.getUTCDay(),
    msOfDay: local - localMidnight,
    midnight: localMidnight - TOKYO_OFFSET_MS,
  };
}

/** The instant of a Tokyo wall-clock time, e.g. `tokyoInstant('2026-12-28', '17:15')`. */
export function tokyoInstant(date: string, time = '00:00'): number {
  return Date.parse(`${date}T00:00:00Z`) - TOKYO_OFFSET_MS + minutesOf(time) * MINUTE_MS;
}

interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * A department's opening hours and closed days, compiled once from its configuration.
 * `isOpen` is O(1); `nextOpening` walks forward day by day up to a horizon.
 */
export class BusinessCalendar {
  readonly #week: readonly (readonly Interval[])[];
  readonly #closedDates: ReadonlySet<string>;
  readonly #annualClosures: readonly AnnualClosure[];
  #lastDay: { midnight: number; weekday: number; closed: boolean } | undefined;

  constructor(hours: WeeklyHours, closedDates: readonly string[], annualClosures: readonly AnnualClosure[]) {
    this.#week = WEEKDAYS.map((day) =>
      hours[day]
        .map((interval) => ({ startMs: minutesOf(interval.open) * MINUTE_MS, endMs: minutesOf(interval.close) * MINUTE_MS }))
        .sort((a, b) => a.startMs - b.startMs),
    );
    this.#closedDates = new Set(closedDates);
    this.#annualClosures = annualClosures;
  }

  /** Is the whole Tokyo calendar day closed (holiday, annual closure)? Weekly hours are not considered. */
  isClosedDay(time: TokyoTime): boolean {
    if (this.#closedDates.has(time.date)) return true;
    return this.#annualClosures.some(({ from, to }) =>
      from <= to ? time.monthDay >= from && time.monthDay <= to : time.monthDay >= from || time.monthDay <= to,
    );
  }

  isOpen(instant: number): boolean {
    const day = this.#day(instant);
    if (day.closed) return false;
    const msOfDay = instant - day.midnight;
    return this.#week[day.weekday]!.some((interval) => msOfDay >= interval.startMs && msOfDay < interval.endMs);
  }

  /** The Tokyo day of an instant, remembered: requests come in by the thousand on the same day. */
  #day(instant: number): { midnight: number; weekday: number; closed: boolean } {
    const cached = this.#lastDay;
    if (cached && instant >= cached.midnight && instant < cached.midnight + DAY_MS) return cached;
    const time = tokyoTime(instant);
    this.#lastDay = { midnight: time.midnight, weekday: time.weekday, closed: this.isClosedDay(time) };
    return this.#lastDay;
  }

  /** The first instant at or after `instant` when the department is open, or null within `horizonDays`. */
  nextOpening(instant: number, horizonDays = 400): number | null {
    const today = tokyoTime(instant);
    for (let offset = 0; offset <= horizonDays; offset += 1) {
      const midnight = today.midnight + offset * DAY_MS;
      const time = offset === 0 ? today : tokyoTime(midnight);
      if (this.isClosedDay(time)) continue;
      for (const interval of this.#week[time.weekday]!) {
        const end = midnight + interval.endMs;
        if (instant < end) return Math.max(instant, midnight + interval.startMs);
      }
    }
    return null;
  }
}

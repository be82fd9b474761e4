import type { ReservationCalendarSettings } from '@madoguchi/protocol';
import { BusinessCalendar, WEEKDAYS, tokyoInstant, tokyoTime, type AnnualClosure, type WeeklyHours } from '../routing/core/index.ts';
import { minutesOf } from '../routing/core/config.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The department's opening hours and closures (受付設定): slots follow them. */
export interface DepartmentHours {
  readonly hours: WeeklyHours;
  readonly closedDates: readonly string[];
  readonly annualClosures: readonly AnnualClosure[];
}

export interface SlotTime {
  readonly start: number;
  readonly end: number;
}

/**
 * The slots of one Tokyo calendar day: each opening interval cut into `slotMinutes` from its opening
 * minute (a remainder too short for a slot is left unbooked); none on a closed date or annual closure.
 */
export function slotsOfDay(date: string, calendar: Pick<ReservationCalendarSettings, 'slotMinutes'>, department: DepartmentHours): SlotTime[] {
  const midnight = tokyoInstant(date);
  const day = tokyoTime(midnight);
  if (new BusinessCalendar(department.hours, department.closedDates, department.annualClosures).isClosedDay(day)) return [];
  const length = calendar.slotMinutes * MINUTE_MS;
  const slots: SlotTime[] = [];
  for (const interval of department.hours[WEEKDAYS[day.weekday]!]) {
    const close = midnight + minutesOf(interval.close) * MINUTE_MS;
    for (let start = midnight + minutesOf(interval.open) * MINUTE_MS; start + length <= close; start += length) {
      slots.push({ start, end: start + length });
    }
  }
  return slots.sort((a, b) => a.start - b.start);
}

/** The last Tokyo date a slot may be booked on, `bookableDays` after today. */
export function lastBookableDate(now: number, calendar: Pick<ReservationCalendarSettings, 'bookableDays'>): string {
  return tokyoTime(now + calendar.bookableDays * DAY_MS).date;
}

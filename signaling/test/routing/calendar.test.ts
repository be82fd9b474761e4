import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, BusinessCalendar, ROUTING_DEFAULTS, tokyoInstant, tokyoTime } from '../../src/routing/core/index.ts';

describe('Tokyo time without a time-zone library', () => {
  it('reads the Tokyo calendar day and weekday of an instant (UTC+9, no DST)', () => {
    // 2026-12-31 15:30 UTC is already 2027-01-01 00:30 in Tokyo.
    const time = tokyoTime(Date.UTC(2026, 11, 31, 15, 30));
    expect(time).toMatchObject({ date: '2027-01-01', monthDay: '01-01', weekday: 5, msOfDay: 30 * 60_000 });
    expect(time.midnight).toBe(Date.UTC(2026, 11, 31, 15, 0));
    // Same offset in July: no summer time.
    expect(tokyoTime(Date.UTC(2026, 6, 1, 0, 0))).toMatchObject({ date: '2026-07-01', msOfDay: 9 * 3_600_000 });
    expect(tokyoInstant('2026-07-01', '09:00')).toBe(Date.UTC(2026, 6, 1, 0, 0));
  });
});

describe('BusinessCalendar', () => {
  const cityHall = new BusinessCalendar(ROUTING_DEFAULTS.hours, ROUTING_DEFAULTS.closedDates, ROUTING_DEFAULTS.annualClosures);

  it('is open on weekdays 08:30–17:15 (close exclusive)', () => {
    expect(cityHall.isOpen(tokyoInstant('2026-11-25', '08:29'))).toBe(false);
    expect(cityHall.isOpen(tokyoInstant('2026-11-25', '08:30'))).toBe(true);
    expect(cityHall.isOpen(tokyoInstant('2026-11-25', '17:14'))).toBe(true);
    expect(cityHall.isOpen(tokyoInstant('2026-11-25', '17:15'))).toBe(false);
    expect(cityHall.isOpen(tokyoInstant('2026-11-28', '10:00'))).toBe(false); // Saturday
  });

  it('is closed on public holidays and during the year-end closure, across the year boundary', () => {
    expect(cityHall.isOpen(tokyoInstant('2026-11-23', '10:00'))).toBe(false); // 勤労感謝の日 (Monday)
    expect(cityHall.isOpen(tokyoInstant('2026-12-28', '10:00'))).toBe(true);
    for (const date of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']) {
      expect(cityHall.isOpen(tokyoInstant(date, '10:00')), date).toBe(false);
    }
    expect(cityHall.nextOpening(tokyoInstant('2026-12-29', '10:00'))).toBe(tokyoInstant('2027-01-04', '08:30'));
  });

  it('finds the next opening inside a day with a lunch break, and returns now when open', () => {
    const lunch = [{ open: '09:00', close: '12:00' }, { open: '13:00', close: '17:00' }];
    const calendar = new BusinessCalendar({ ...ALWAYS_OPEN, wed: lunch }, ['2026-12-02'], []);
    const noon = tokyoInstant('2026-11-25', '12:30');
    expect(calendar.isOpen(noon)).toBe(false);
    expect(calendar.nextOpening(noon)).toBe(tokyoInstant('2026-11-25', '13:00'));
    expect(calendar.nextOpening(tokyoInstant('2026-11-25', '10:00'))).toBe(tokyoInstant('2026-11-25', '10:00'));
    // 17:00 on Wednesday: Thursday is open all day from midnight.
    expect(calendar.nextOpening(tokyoInstant('2026-11-25', '17:00'))).toBe(tokyoInstant('2026-11-26', '00:00'));
    // A closed Wednesday, 2026-12-02: opening is Thursday midnight.
    expect(calendar.nextOpening(tokyoInstant('2026-12-01', '23:59'))).toBe(tokyoInstant('2026-12-01', '23:59'));
    expect(calendar.nextOpening(tokyoInstant('2026-12-02', '10:00'))).toBe(tokyoInstant('2026-12-03', '00:00'));
  });

  it('returns null when never open within the horizon', () => {
    const closed = new BusinessCalendar({ sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] }, [], []);
    expect(closed.nextOpening(tokyoInstant('2026-11-25', '10:00'))).toBeNull();
  });
});

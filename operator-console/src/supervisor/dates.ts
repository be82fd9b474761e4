/** The console's dates are Japan calendar days (YYYY-MM-DD), like the server's statistics. */

const JST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** Today in Japan, shifted by `days`. */
export function jstDay(days = 0, now = Date.now()): string {
  return new Date(now + JST_MS + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant a Japan day starts, as ISO 8601 with offset (the list's `from`). */
export function startOfDay(day: string): string {
  return `${day}T00:00:00+09:00`;
}

/** The instant after a Japan day ends (the list's exclusive `to`). */
export function endOfDay(day: string): string {
  return new Date(Date.parse(startOfDay(day)) + DAY_MS).toISOString();
}

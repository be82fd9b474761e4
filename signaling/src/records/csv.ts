/** CSV for Excel in Japanese: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting. */

export const UTF8_BOM = '\uFEFF';

/**
 * One field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A text that starts
 * with = + - @ (or a tab/CR) would be taken as a formula by Excel: it gets a leading apostrophe.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** ISO 8601 in a fixed UTC offset (default JST): 2026-11-23T21:07:13+09:00. */
export function isoWithOffset(date: Date, offsetMinutes = 540): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The few SQL expressions that SQLite and PostgreSQL spell differently, for the hand-written SQL of
 * the records (summary.ts, recordsWrites.ts). Everything else in that SQL is written once, in the
 * common subset: identifiers in double quotes (PostgreSQL folds unquoted names to lower case, and
 * Prisma creates "Consultation"."requestedAt"), `COUNT(*) FILTER (WHERE …)` instead of summing
 * booleans, CASE instead of SQLite's `IS 'value'`, an alias on every subquery in FROM, and `?`
 * placeholders (the PostgreSQL connection numbers them).
 */
import type { DatabaseProvider } from './paths.ts';

export interface SqlDialect {
  readonly provider: DatabaseProvider;
  /** Whole milliseconds from one timestamp to another. */
  msBetween(from: string, to: string): string;
  /** The local day (YYYY-MM-DD) of a timestamp, `offsetMinutes` east of UTC. */
  localDay(timestamp: string, offsetMinutes: number): string;
  /** The local hour (0–23) of a timestamp, as an integer. */
  localHour(timestamp: string, offsetMinutes: number): string;
  /** A member of a JSON text column, as text (null when absent). */
  jsonText(column: string, member: string): string;
  /** A member of a JSON text column, as an integer (null when absent). */
  jsonInteger(column: string, member: string): string;
  /** The aggregate of a group's rows as compact JSON text {key: value}, keys in ascending order (as JSON.stringify writes it). */
  jsonObjectOf(key: string, value: string): string;
  /** The values of the JSON array of text bound to the next `?`, as a subquery. */
  valuesOfJsonArray(): string;
}

export const SQLITE: SqlDialect = {
  provider: 'sqlite',
  // The better-sqlite3 adapter stores ISO 8601 text; julianday() reads it.
  msBetween: (from, to) => `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400000) AS INTEGER)`,
  localDay: (timestamp, offset) => `strftime('%Y-%m-%d', ${timestamp}, '+${offset} minutes')`,
  localHour: (timestamp, offset) => `CAST(strftime('%H', ${timestamp}, '+${offset} minutes') AS INTEGER)`,
  jsonText: (column, member) => `json_extract(${column}, '$.${member}')`,
  jsonInteger: (column, member) => `CAST(json_extract(${column}, '$.${member}') AS INTEGER)`,
  // The rows arrive grouped by key, so in ascending order.
  jsonObjectOf: (key, value) => `json_group_object(${key}, ${value})`,
  valuesOfJsonArray: () => 'SELECT value FROM json_each(?)',
};

export const POSTGRESQL: SqlDialect = {
  provider: 'postgresql',
  msBetween: (from, to) => `CAST(ROUND(EXTRACT(EPOCH FROM (${to}) - (${from})) * 1000) AS INTEGER)`,
  localDay: (timestamp, offset) => `to_char(${timestamp} + INTERVAL '${offset} minutes', 'YYYY-MM-DD')`,
  localHour: (timestamp, offset) => `CAST(EXTRACT(HOUR FROM ${timestamp} + INTERVAL '${offset} minutes') AS INTEGER)`,
  jsonText: (column, member) => `(CAST(${column} AS jsonb) ->> '${member}')`,
  // TRUNC: SQLite's CAST drops a fraction where PostgreSQL's would refuse the text.
  jsonInteger: (column, member) => `CAST(TRUNC(CAST(CAST(${column} AS jsonb) ->> '${member}' AS NUMERIC)) AS INTEGER)`,
  // json_object_agg writes `{ "1" : 2 }`; this matches JSON.stringify and SQLite's text exactly.
  jsonObjectOf: (key, value) => `'{' || string_agg('"' || ${key} || '":' || ${value}, ',' ORDER BY ${key}) || '}'`,
  valuesOfJsonArray: () => 'SELECT json_array_elements_text(CAST(? AS json))',
};

export function dialectOf(provider: DatabaseProvider): SqlDialect {
  return provider === 'postgresql' ? POSTGRESQL : SQLITE;
}

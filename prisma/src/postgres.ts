/**
 * Connecting to PostgreSQL with node-postgres, the way every part of @madoguchi/db does it (the
 * server's Prisma client, the migrations, the records writer).
 */
import type pg from 'pg';

export interface PostgresConnection {
  /** For `new pg.Pool` / `new pg.Client`. */
  config: pg.PoolConfig;
  /** The schema named by `?schema=` (Prisma's convention), else undefined: PostgreSQL's default, public. */
  schema: string | undefined;
}

/**
 * node-postgres settings for a `postgresql://` URL. Prisma's `?schema=x` is not a libpq parameter:
 * it is taken out of the URL and becomes the connection's search_path, so that unqualified names in
 * hand-written SQL find the same tables as Prisma's queries.
 */
export function postgresConnection(url: string): PostgresConnection {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const config: pg.PoolConfig = { connectionString: parsed.toString() };
  if (schema) config.options = `-c search_path="${schema.replaceAll('"', '""')}"`;
  return { config, schema };
}

/**
 * The same server and credentials, another database. Replaced in the URL itself: node-postgres lets
 * a connectionString win over a `database` option given beside it.
 */
export function postgresUrlOfDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a URL names. */
export function postgresDatabaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The URL as it may be printed: its password, if any, masked. */
export function printableDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

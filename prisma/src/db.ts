import { existsSync } from 'node:fs';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { PrismaClient } from '../generated/client/client.ts';
import { PrismaClient as PostgresPrismaClient } from '../generated/postgres-client/client.ts';
import { loadPrismaPg } from './lazyPg.ts';
import { LOCK_TRY_MS, lockPatient } from './lockPatience.ts';
import { createPrivateDatabaseFile, databaseProvider, resolveDatabaseUrl, sqliteFilePath } from './paths.ts';
import { postgresConnection } from './postgres.ts';

export interface OpenDatabaseOptions {
  /**
   * SQLite only: create the file (and its folder) when missing. Default false: a missing
   * file is almost always a forgotten `migrate deploy`, so it is reported clearly
   * instead of silently creating an empty database.
   */
  create?: boolean;
  /**
   * SQLite only (PostgreSQL has row locks and waits on the server): how long a write waits for another
   * connection's lock before failing (default
   * DEFAULT_BUSY_TIMEOUT_MS). The thread sleeps at most LOCK_TRY_MS of it at a time; the rest is
   * spent between tries, with the event loop free.
   */
  busyTimeoutMs?: number;
}

/**
 * Long enough to outlast another writer's transaction on a loaded machine (the records writer's
 * commit waits for the disk), short enough that a request refused for a lock is answered in seconds.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 2_000;

/**
 * A PrismaClient for `url` (default env DATABASE_URL, else `file:./.data/madoguchi.db`): a `file:` URL
 * opens SQLite through the better-sqlite3 driver adapter (relative paths are resolved against the repo
 * root, so any cwd works), a `postgresql://` URL PostgreSQL through node-postgres.
 */
export function openDatabase(url?: string, options: OpenDatabaseOptions = {}): PrismaClient {
  const absUrl = resolveDatabaseUrl(url);
  return databaseProvider(absUrl) === 'postgresql' ? openPostgres(absUrl) : openSqlite(absUrl, options);
}

/**
 * The PostgreSQL client, typed as the SQLite one: both are generated from the same models
 * (postgres/schema.prisma is derived from schema.prisma), so their APIs are the same, and the rest
 * of the code names one PrismaClient.
 */
function openPostgres(url: string): PrismaClient {
  const { config, schema } = postgresConnection(url);
  return new PostgresPrismaClient({ adapter: new (loadPrismaPg())(config, { schema }) }) as unknown as PrismaClient;
}

function openSqlite(absUrl: string, options: OpenDatabaseOptions): PrismaClient {
  const file = sqliteFilePath(absUrl);
  if (file !== ':memory:' && !existsSync(file)) {
    if (!options.create) {
      throw new Error(`@madoguchi/db: database file ${file} does not exist. Create it with: npm run migrate -w prisma -- deploy`);
    }
    createPrivateDatabaseFile(file);
  }
  const patienceMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const timeout = Math.min(patienceMs, LOCK_TRY_MS);
  if (file !== ':memory:') useWriteAheadLog(file, timeout);
  const adapter = lockPatient(new PrismaBetterSqlite3({ url: absUrl, timeout }), patienceMs);
  // A transaction may wait its whole patience for the write lock before it starts.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: patienceMs + 1_000 } });
}

/**
 * Write-ahead logging: readers never wait for a writer (token checks and record pages go on while
 * another process writes), and a writer waits only for another writer. The mode is stored in the
 * file, so setting it once here covers the adapter's connection and every later one.
 */
function useWriteAheadLog(file: string, busyTimeoutMs: number): void {
  const connection = new Database(file, { timeout: busyTimeoutMs });
  try {
    connection.pragma('journal_mode = WAL');
  } finally {
    connection.close();
  }
}

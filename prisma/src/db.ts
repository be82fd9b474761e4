import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/client/client.ts';
import { resolveDatabaseUrl, sqliteFilePath } from './paths.ts';

export interface OpenDatabaseOptions {
  /**
   * Create the SQLite file (and its folder) when missing. Default false: a missing
   * file is almost always a forgotten `migrate deploy`, so it is reported clearly
   * instead of silently creating an empty database.
   */
  create?: boolean;
  /** better-sqlite3 busy timeout in ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * A PrismaClient on SQLite through the better-sqlite3 driver adapter.
 * `url`: a `file:` URL; default env DATABASE_URL, else `file:./.data/madoguchi.db`.
 * Relative paths are resolved against the repo root, so any cwd works.
 */
export function openDatabase(url?: string, options: OpenDatabaseOptions = {}): PrismaClient {
  const absUrl = resolveDatabaseUrl(url);
  const file = sqliteFilePath(absUrl);
  if (file !== ':memory:' && !existsSync(file)) {
    if (!options.create) {
      throw new Error(`@madoguchi/db: database file ${file} does not exist. Create it with: npm run migrate -w prisma -- deploy`);
    }
    mkdirSync(path.dirname(file), { recursive: true });
  }
  const adapter = new PrismaBetterSqlite3({ url: absUrl, timeout: options.busyTimeoutMs ?? 5000 });
  return new PrismaClient({ adapter });
}

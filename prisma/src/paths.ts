/**
 * Paths and database URLs for @madoguchi/db.
 *
 * Convention: a relative `file:` URL (in DATABASE_URL or passed to openDatabase /
 * migrateDeploy) is resolved against the repository root, so every command and
 * every workspace sees the same file whatever its cwd.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `/…/prisma` — this package's directory, found by the package's name rather than beside this file:
 * the built server has this file bundled into signaling/dist.
 */
export const packageDir = path.dirname(createRequire(import.meta.url).resolve('@madoguchi/db/package.json'));
/** The monorepo root (parent of the package). */
export const repoRoot = path.resolve(packageDir, '..');
export const schemaPath = path.join(packageDir, 'schema.prisma');
export const migrationsDir = path.join(packageDir, 'migrations');
/** Default SQLite database, relative to the repo root. */
export const DEFAULT_DATABASE_URL = 'file:./.data/madoguchi.db';

/** The databases Madoguchi runs on: SQLite (`file:` URLs, the default) or PostgreSQL (`postgresql://`). */
export type DatabaseProvider = 'sqlite' | 'postgresql';

const POSTGRES_URL = /^postgres(ql)?:\/\//;

export function databaseProvider(url: string): DatabaseProvider {
  return POSTGRES_URL.test(url) ? 'postgresql' : 'sqlite';
}

/**
 * Each provider's schema and migrations: schema.prisma and migrations/ for SQLite (Prisma's default
 * layout), the derived postgres/schema.prisma and postgres/migrations/ for PostgreSQL.
 */
export function providerFiles(provider: DatabaseProvider): { schemaPath: string; migrationsDir: string } {
  if (provider === 'sqlite') return { schemaPath, migrationsDir };
  return { schemaPath: path.join(packageDir, 'postgres', 'schema.prisma'), migrationsDir: path.join(packageDir, 'postgres', 'migrations') };
}

/** The URL from the argument, else env DATABASE_URL, else the default. */
export function databaseUrlFromEnv(url?: string): string {
  return url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/**
 * Absolute path of the SQLite file named by a `file:` URL (relative paths against
 * the repo root). `:memory:` is returned as is. Query strings are dropped.
 */
export function sqliteFilePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  if (!url.startsWith('file:')) {
    throw new Error(`@madoguchi/db: a SQLite "file:" URL was expected, got ${JSON.stringify(url)}`);
  }
  let p = url.slice('file:'.length);
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  if (p.startsWith('//')) p = fileURLToPath(url.slice(0, q >= 0 ? url.indexOf('?') : undefined)); // file:///abs
  return path.isAbsolute(p) ? p : path.resolve(repoRoot, p);
}

/** `file:/abs/path.db` for any accepted SQLite URL; a PostgreSQL URL as it is. */
export function resolveDatabaseUrl(url?: string): string {
  const given = databaseUrlFromEnv(url);
  if (databaseProvider(given) === 'postgresql') return given;
  const p = sqliteFilePath(given);
  return p === ':memory:' ? ':memory:' : `file:${p}`;
}

/** True when @prisma/engines holds a downloaded native schema engine (machines with internet). */
export function hasNativeSchemaEngine(): boolean {
  const dir = path.join(repoRoot, 'node_modules', '@prisma', 'engines');
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('schema-engine-'));
}

/**
 * Create a missing SQLite file empty (SQLite takes an empty file for a new database) and readable
 * by the owner only, in a directory only the owner may enter: residents' data never exists
 * world-readable, not even between its creation and the server's start-up check. SQLite gives
 * the WAL and shared-memory files the database file's mode.
 */
export function createPrivateDatabaseFile(file: string): void {
  if (file === ':memory:' || existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
}

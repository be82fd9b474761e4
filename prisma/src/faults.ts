import { accessSync, constants } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteFilePath } from './paths.ts';

/**
 * Why the database cannot be used right now. None of these is a verdict on the data: the same
 * query may succeed in a moment, so callers retry or answer "temporarily unavailable".
 * - `locked`: another process holds a lock longer than the busy timeout;
 * - `read-only`: writes are refused (read-only file or file system, disk full);
 * - `unreachable`: the file cannot be opened or read.
 */
export type DatabaseFault = 'locked' | 'read-only' | 'unreachable';

const READ_ONLY_CODES = new Set(['SQLITE_PERM', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_TRUNCATE']);
const UNREACHABLE_PREFIXES = ['SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM'];

function faultOfCode(code: string): DatabaseFault | null {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_READONLY') || READ_ONLY_CODES.has(code)) return 'read-only';
  if (UNREACHABLE_PREFIXES.some((prefix) => code.startsWith(prefix))) return 'unreachable';
  return null;
}

/** The SQLite result code behind an error: better-sqlite3's own, or the one Prisma's driver adapter kept. */
function sqliteCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { code?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } }; cause?: unknown };
    for (const code of [candidate.originalCode, candidate.meta?.driverAdapterError?.cause?.originalCode, candidate.code]) {
      if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    }
    current = candidate.cause;
  }
  return undefined;
}

/** The fault behind a database error, or null when the error is about the query or the data itself. */
export function databaseFault(error: unknown): DatabaseFault | null {
  if (error instanceof Error && error.name === 'PrismaClientInitializationError') return 'unreachable';
  const code = sqliteCode(error);
  return code ? faultOfCode(code) : null;
}

/**
 * Asks, without waiting, whether a write could start now: a connection of its own takes the write
 * lock and gives it back at once (busy timeout 0, so it never stalls the event loop). It is opened
 * for each check and closed again, so it never holds the file while another process wants it alone.
 * A file whose writes fail although the lock is free (read-only) is only seen by a real write.
 */
export class DatabaseProbe {
  readonly #file: string;

  constructor(url: string) {
    this.#file = sqliteFilePath(url);
  }

  check(): DatabaseFault | 'ok' {
    let connection: Database.Database | undefined;
    try {
      connection = new Database(this.#file, { fileMustExist: true, timeout: 0 });
      connection.exec('BEGIN IMMEDIATE');
      connection.exec('ROLLBACK');
      return 'ok';
    } catch (error) {
      return databaseFault(error) ?? 'unreachable';
    } finally {
      connection?.close();
    }
  }

  /**
   * Whether the file system would let the database files be written, without touching SQLite (no
   * lock, nothing to wait for): an immutable file or a read-only mount answers at once. For when a
   * lock probe would only find our own writer's lock; a full disk is seen by the next write.
   */
  filesWritable(): 'read-only' | 'unreachable' | 'ok' {
    for (const file of [this.#file, `${this.#file}-wal`]) {
      try {
        accessSync(file, constants.W_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && file !== this.#file) continue; // no write-ahead log yet
        return code === 'EPERM' || code === 'EROFS' || code === 'EACCES' ? 'read-only' : 'unreachable';
      }
    }
    return 'ok';
  }
}

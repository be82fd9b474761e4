import { accessSync, constants } from 'node:fs';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { loadPg } from './lazyPg.ts';
import { databaseProvider, sqliteFilePath } from './paths.ts';
import { postgresConnection } from './postgres.ts';

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

/**
 * PostgreSQL: SQLSTATE classes and codes (08 connection, 57P0x shut down, 3D000 no such database,
 * 28 access refused; 25006 a read-only transaction, 53 out of disk or memory; 40001/40P01/55P03 lost
 * to another transaction's lock), node-postgres' socket errors, adapter-pg's and Prisma's names for them.
 */
const PG_LOCKED = new Set(['40001', '40P01', '55P03']);
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'DatabaseAccessDenied', 'AuthenticationFailed', 'SocketTimeout', 'ConnectionClosed', 'TlsConnectionError']);
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'P1001', 'P1002', 'P1017']);
/** node-postgres' errors without a code: the server went away mid-query, or a pool gave up connecting. */
const PG_CONNECTION_LOST = /Connection terminated|is not queryable|timeout exceeded when trying to connect/;

function postgresFault(code: string): DatabaseFault | null {
  if (UNREACHABLE_ERRNOS.has(code) || UNREACHABLE_KINDS.has(code)) return 'unreachable';
  if (!/^[0-9A-Z]{5}$/.test(code)) return null;
  if (PG_LOCKED.has(code)) return 'locked';
  if (code === '25006' || code.startsWith('53')) return 'read-only';
  if (code.startsWith('08') || code.startsWith('57P0') || code === '3D000' || code.startsWith('28')) return 'unreachable';
  return null;
}

/** The codes behind an error, outermost first: the driver's own, the ones Prisma's driver adapter kept, and their causes'. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as {
      code?: unknown;
      originalCode?: unknown;
      kind?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
      cause?: unknown;
    };
    const adapterCause = candidate.meta?.driverAdapterError?.cause;
    for (const code of [candidate.originalCode, adapterCause?.originalCode, adapterCause?.kind, candidate.kind, candidate.code]) {
      if (typeof code === 'string') codes.push(code);
    }
    if (typeof candidate.message === 'string' && PG_CONNECTION_LOST.test(candidate.message)) codes.push('ECONNRESET');
    current = candidate.cause;
  }
  return codes;
}

/** The fault behind a database error (SQLite or PostgreSQL), or null when the error is about the query or the data itself. */
export function databaseFault(error: unknown): DatabaseFault | null {
  if (error instanceof Error && error.name === 'PrismaClientInitializationError') return 'unreachable';
  for (const code of errorCodes(error)) {
    const fault = code.startsWith('SQLITE_') ? faultOfCode(code) : postgresFault(code);
    if (fault) return fault;
  }
  return null;
}

export type DatabaseState = DatabaseFault | 'ok';

/** Whether the database could be written now, asked without waiting (GET /health). */
export interface DatabaseProbe {
  /** Whether a write could start now. */
  check(): DatabaseState | Promise<DatabaseState>;
  /**
   * Whether the files the database writes could be written, without touching the database (no lock,
   * nothing to wait for): for when a lock probe would only find our own writer's lock.
   */
  filesWritable(): 'read-only' | 'unreachable' | 'ok';
}

/** The probe for a database URL. */
export function databaseProbe(url: string): DatabaseProbe {
  return databaseProvider(url) === 'postgresql' ? new PostgresProbe(url) : new SqliteProbe(url);
}

/**
 * SQLite: asks, without waiting, whether a write could start now: a connection of its own takes the write
 * lock and gives it back at once (busy timeout 0, so it never stalls the event loop). It is opened
 * for each check and closed again, so it never holds the file while another process wants it alone.
 * A file whose writes fail although the lock is free (read-only) is only seen by a real write.
 */
class SqliteProbe implements DatabaseProbe {
  readonly #file: string;

  constructor(url: string) {
    this.#file = sqliteFilePath(url);
  }

  check(): DatabaseState {
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

  /** An immutable file or a read-only mount answers at once; a full disk is seen by the next write. */
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

/** How long a PostgreSQL probe waits for the server before it is reported unreachable. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * PostgreSQL: a connection of its own, for each check, asks whether this server takes writes (not a
 * read-only standby, not in a read-only default). Its writers lock rows, not the database, so there
 * is no lock to probe.
 */
class PostgresProbe implements DatabaseProbe {
  readonly #config: pg.ClientConfig;

  constructor(url: string) {
    this.#config = { ...postgresConnection(url).config, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS };
  }

  async check(): Promise<DatabaseState> {
    const client = new (loadPg().Client)(this.#config);
    client.on('error', () => undefined); // reported by the query that meets it
    try {
      await client.connect();
      const { rows } = await client.query<{ writable: boolean }>("SELECT NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off' AS writable");
      return rows[0]?.writable ? 'ok' : 'read-only';
    } catch (error) {
      return databaseFault(error) ?? 'unreachable';
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The database's files are the server's, not ours. */
  filesWritable(): 'ok' {
    return 'ok';
  }
}

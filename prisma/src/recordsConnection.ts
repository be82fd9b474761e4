/**
 * The records writer's own connection (recordsWrites.ts), without Prisma's client: better-sqlite3 for
 * SQLite, node-postgres for PostgreSQL, behind the few calls the writer makes. Its SQL uses `?`
 * placeholders and the common subset of both databases (dialect.ts).
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { loadPg } from './lazyPg.ts';
import { databaseProvider, sqliteFilePath, type DatabaseProvider } from './paths.ts';
import { postgresConnection } from './postgres.ts';

export interface RecordsConnection {
  readonly provider: DatabaseProvider;
  /** The statement that starts a write transaction. */
  readonly beginWrite: string;
  all<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement; how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * better-sqlite3, each statement prepared once. Its calls are synchronous: the writer runs in a
 * thread of its own for that reason.
 */
class SqliteRecordsConnection implements RecordsConnection {
  readonly provider = 'sqlite';
  /**
   * Deferred, as better-sqlite3's own transaction(): the write lock is waited for at the first write.
   * (BEGIN IMMEDIATE failing its busy wait while the thread was being terminated crashed the process
   * in better-sqlite3's error path.)
   */
  readonly beginWrite = 'BEGIN';
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement<unknown[]>>();

  constructor(file: string, busyTimeoutMs: number) {
    this.#db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
    try {
      this.#db.pragma('foreign_keys = ON');
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  #statement(sql: string): Database.Statement<unknown[]> {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#statement(sql).all(...params) as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#statement(sql).run(...params).changes;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/** `?` → `$1, $2, …`: the records' SQL has no `?` but its placeholders (no jsonb `?` operator, none in literals). */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** One node-postgres client: a batch's transaction needs every statement on the same connection. */
class PostgresRecordsConnection implements RecordsConnection {
  readonly provider = 'postgresql';
  readonly beginWrite = 'BEGIN';
  readonly #client: pg.Client;
  readonly #texts = new Map<string, string>();

  constructor(client: pg.Client) {
    this.#client = client;
  }

  #query(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    let text = this.#texts.get(sql);
    if (text === undefined) this.#texts.set(sql, (text = numberPlaceholders(sql)));
    return this.#client.query(text, params as unknown[]);
  }

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#query(sql, params)).rows as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}

/**
 * A connection for the records writer. `busyTimeoutMs`: SQLite only, how long a write waits for
 * another process's lock (PostgreSQL locks rows, and its writers wait on the server).
 */
export async function openRecordsConnection(url: string, { busyTimeoutMs }: { busyTimeoutMs: number }): Promise<RecordsConnection> {
  if (databaseProvider(url) === 'sqlite') return new SqliteRecordsConnection(sqliteFilePath(url), busyTimeoutMs);
  const client = new (loadPg().Client)(postgresConnection(url).config);
  // A connection lost while idle is reported on the next query; without a listener it would end the thread.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return new PostgresRecordsConnection(client);
}

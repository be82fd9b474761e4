import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import { databaseFault } from './faults.ts';

/*
 * SQLite only, by nature: SQLite has one write lock per file, which a connection waits for on its own
 * thread. PostgreSQL locks rows and its clients wait on the server, asynchronously, so openDatabase
 * gives its connections none of this.
 */

/**
 * The longest the thread sleeps inside SQLite for one try at a lock. better-sqlite3 waits for a
 * lock on the calling thread, so on the server's main connection every millisecond of that wait
 * stalls signaling; the rest of a write's patience is spent between tries, asynchronously.
 */
export const LOCK_TRY_MS = 50;
const FIRST_PAUSE_MS = 20;
const LONGEST_PAUSE_MS = 320;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isRead = (sql: string) => /^\s*select\b/i.test(sql);

/**
 * Try `attempt` until it gets past another connection's write lock or `patienceMs` is spent; any
 * other error, and the last lock error, go to the caller.
 */
async function whileLocked<T>(patienceMs: number, attempt: () => Promise<T>): Promise<T> {
  const started = performance.now();
  for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS)) {
    try {
      return await attempt();
    } catch (error) {
      const left = patienceMs - (performance.now() - started);
      if (databaseFault(error) !== 'locked' || left <= 0) throw error;
      await pause(Math.min(pauseMs, left));
    }
  }
}

/**
 * The server's connection, patient with the other writers of its file (the records writer's
 * thread, a maintenance tool): a write refused for a lock is tried again until `patienceMs` is
 * spent, and a transaction takes the write lock when it begins (BEGIN IMMEDIATE), so it waits
 * before its first statement rather than failing halfway when another writer committed since it
 * read. Reads are never retried: in WAL mode only a lock that stops readers too refuses them, and
 * waiting would only delay the "unavailable" answer.
 */
class LockPatientAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  readonly #inner: SqlDriverAdapter;
  readonly #patienceMs: number;
  /** One transaction at a time on the one connection. */
  #transactionDone: Promise<void> = Promise.resolve();

  constructor(inner: SqlDriverAdapter, patienceMs: number) {
    this.#inner = inner;
    this.#patienceMs = patienceMs;
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return isRead(query.sql) ? this.#inner.queryRaw(query) : whileLocked(this.#patienceMs, () => this.#inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return whileLocked(this.#patienceMs, () => this.#inner.executeRaw(query));
  }

  executeScript(script: string): Promise<void> {
    return this.#inner.executeScript(script);
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel && isolationLevel !== 'SERIALIZABLE') throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    const previous = this.#transactionDone;
    let release!: () => void;
    this.#transactionDone = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      await whileLocked(this.#patienceMs, () => this.#inner.executeRaw({ sql: 'BEGIN IMMEDIATE', args: [], argTypes: [] }));
    } catch (error) {
      release();
      throw error;
    }
    return new ConnectionTransaction(this.#inner, release);
  }

  getConnectionInfo() {
    return this.#inner.getConnectionInfo?.() ?? { supportsRelationJoins: false };
  }

  dispose(): Promise<void> {
    return this.#inner.dispose();
  }
}

/** A transaction on the adapter's one connection; Prisma sends COMMIT or ROLLBACK itself, then calls commit()/rollback(). */
class ConnectionTransaction implements Transaction {
  readonly options = { usePhantomQuery: false };
  readonly provider: Transaction['provider'];
  readonly adapterName: string;
  readonly #connection: SqlDriverAdapter;
  readonly #release: () => void;

  constructor(connection: SqlDriverAdapter, release: () => void) {
    this.#connection = connection;
    this.#release = release;
    this.provider = connection.provider;
    this.adapterName = connection.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.#connection.queryRaw(query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.#connection.executeRaw(query);
  }

  commit(): Promise<void> {
    this.#release();
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    this.#release();
    return Promise.resolve();
  }

  async createSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `SAVEPOINT ${name}`, args: [], argTypes: [] });
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `ROLLBACK TO ${name}`, args: [], argTypes: [] });
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `RELEASE SAVEPOINT ${name}`, args: [], argTypes: [] });
  }
}

/** Wraps a SQLite adapter factory so that each connection it makes is patient with other writers. */
export function lockPatient(factory: SqlDriverAdapterFactory, patienceMs: number): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => new LockPatientAdapter(await factory.connect(), patienceMs),
  };
}

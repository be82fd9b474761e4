/**
 * The records writer's thread (started by ConsultationRecorder): it owns a database connection of
 * its own (better-sqlite3, or node-postgres for a postgresql:// URL) and writes what the main thread
 * sends, in order, in batches. SQLite is synchronous, so every millisecond spent writing (or waiting
 * for another process's lock) is spent here and never on the thread that answers sockets and HTTP.
 *
 * Messages: in, `{ type: 'write', writes }` (appended to the queue) and `{ type: 'stop' }` (sent only
 * when every write was reported written: close the connection and end); out, `{ type: 'ready' }` once
 * loaded, `{ type: 'written', count, refused }` once the first `count` writes not
 * yet reported are in the database (or refused by it as invalid), and `{ type: 'fault', fault }`
 * while the database cannot be written (retried with backoff; nothing is dropped here).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openRecordsConnection, RecordsBatchWriter, type RecordsConnection, type RecordWrite } from '@madoguchi/db/records-writer';
import { databaseFault } from '@madoguchi/db/faults';

export interface WriterThreadOptions {
  /** The database: a `file:/abs/path.db` or `postgresql://` URL. */
  url: string;
  /** SQLite: how long a write waits for another process's lock before it is retried later. */
  busyTimeoutMs: number;
  /** One Int32: 1 while this thread's transaction holds the database's write lock (read by health). */
  writeLock: SharedArrayBuffer;
}

export type ToWriterThread = { type: 'write'; writes: RecordWrite[] } | { type: 'stop' };
export type FromWriterThread =
  | { type: 'ready' }
  | { type: 'written'; count: number; refused: { write: RecordWrite; error: string }[] }
  | { type: 'fault'; fault: NonNullable<ReturnType<typeof databaseFault>> };

/** Writes per transaction: big enough that a burst costs a few transactions, small enough that one never holds the lock for long. */
const MAX_BATCH = 500;
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 2_000;
/**
 * An idle writer closes its connection, so that it never holds the file while nothing is written
 * (a backup or maintenance tool may want it alone); opening again costs a millisecond or two.
 */
const CLOSE_WHEN_IDLE_MS = 1_000;

/**
 * The writer yields the CPU to the thread that answers sockets and HTTP when both want it: Linux
 * schedules each thread on its own, so this thread alone runs at a lower priority (nice 5: about a
 * quarter of a contended core against the main thread's share). Records wait in order meanwhile; a
 * burst's requests, acks and /api/health do not. Elsewhere (or without the right) it runs as it is.
 */
const WRITER_NICENESS = 5;
try {
  const threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  if (Number.isInteger(threadId)) setPriority(threadId, WRITER_NICENESS);
} catch {
  // not Linux, or not allowed: the same priority as the main thread
}

const port = parentPort!;
const { url, busyTimeoutMs, writeLock } = workerData as WriterThreadOptions;
const writeLockFlag = new Int32Array(writeLock);
/** The open connection and its writer; none while idle or while the database could not be opened. */
let connection: { database: RecordsConnection; writer: RecordsBatchWriter } | undefined;

/**
 * Open the database. A SQLite file that cannot be written at the moment is opened read-only by SQLite
 * without a word, and stays so: such a connection is closed and opened again when writes fail for
 * that reason.
 */
async function open(): Promise<{ database: RecordsConnection; writer: RecordsBatchWriter }> {
  if (!connection) {
    const database = await openRecordsConnection(url, { busyTimeoutMs });
    const onWriteLock = (held: boolean) => void Atomics.store(writeLockFlag, 0, held ? 1 : 0);
    connection = { database, writer: new RecordsBatchWriter(database, { onWriteLock }) };
  }
  return connection;
}

function close(): void {
  // A connection that failed may fail to close too; it is gone either way.
  connection?.database.close().catch(() => undefined);
  connection = undefined;
}

let idleTimer: ReturnType<typeof setTimeout> | undefined;

let queue: RecordWrite[] = [];
let head = 0;
let scheduled = false;
let retryDelayMs = RETRY_FIRST_MS;

const send = (message: FromWriterThread) => port.postMessage(message);
const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Write `batch`; if the batch as a whole fails for a reason of its own (not the database's), each write alone. */
async function writeBatch(batch: RecordWrite[]): Promise<{ write: RecordWrite; error: string }[]> {
  try {
    const { writer } = await open();
    return (await writer.write(batch)).refused.map(({ write, error }) => ({ write, error: describeError(error) }));
  } catch (error) {
    if (databaseFault(error) || batch.length === 1) throw error;
    const refused: { write: RecordWrite; error: string }[] = [];
    for (const write of batch) {
      try {
        refused.push(...(await writeBatch([write])));
      } catch (single) {
        if (databaseFault(single)) throw single;
        refused.push({ write, error: describeError(single) });
      }
    }
    return refused;
  }
}

/**
 * Write one batch from the head of the queue, then yield so that newly sent writes join the next one.
 * `scheduled` stays set while it writes, so one batch is written at a time.
 */
async function drain(): Promise<void> {
  if (head >= queue.length) {
    scheduled = false;
    return;
  }
  const batch = queue.slice(head, head + MAX_BATCH);
  try {
    const refused = await writeBatch(batch);
    head += batch.length;
    if (head >= queue.length || (head >= 1024 && head * 2 >= queue.length)) {
      queue = queue.slice(head);
      head = 0;
    }
    retryDelayMs = RETRY_FIRST_MS;
    send({ type: 'written', count: batch.length, refused });
  } catch (error) {
    const fault = databaseFault(error);
    if (!fault) throw error; // writeBatch only throws the database's faults
    if (fault !== 'locked') close(); // opened again for the retry
    send({ type: 'fault', fault });
    setTimeout(() => void drain(), retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, RETRY_MAX_MS);
    return;
  }
  scheduled = false;
  schedule();
}

function schedule(): void {
  clearTimeout(idleTimer);
  if (head >= queue.length) {
    if (!scheduled) idleTimer = setTimeout(close, CLOSE_WHEN_IDLE_MS);
    return;
  }
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => void drain());
}

port.on('message', (message: ToWriterThread) => {
  if (message.type === 'stop') {
    clearTimeout(idleTimer);
    close();
    port.close(); // nothing else keeps the thread: it ends
    return;
  }
  for (const write of message.writes) queue.push(write);
  schedule();
});

send({ type: 'ready' });

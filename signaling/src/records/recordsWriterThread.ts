/**
 * The records writer's thread (started by ConsultationRecorder): it owns a better-sqlite3
 * connection of its own and writes what the main thread sends, in order, in batches. SQLite is
 * synchronous, so every millisecond spent writing (or waiting for another process's lock) is spent
 * here and never on the thread that answers sockets and HTTP.
 *
 * Messages: in, `{ type: 'write', writes }` (appended to the queue); out, `{ type: 'ready' }` once
 * loaded, `{ type: 'written', count, refused }` once the first `count` writes not
 * yet reported are in the database (or refused by it as invalid), and `{ type: 'fault', fault }`
 * while the database cannot be written (retried with backoff; nothing is dropped here).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { RecordsBatchWriter, type RecordWrite } from '@madoguchi/db/records-writer';
import { databaseFault } from '@madoguchi/db/faults';

export interface WriterThreadOptions {
  /** The SQLite file. */
  file: string;
  /** How long a write waits for another process's lock before it is retried later. */
  busyTimeoutMs: number;
}

export type ToWriterThread = { type: 'write'; writes: RecordWrite[] };
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

const port = parentPort!;
const { file, busyTimeoutMs } = workerData as WriterThreadOptions;
/** The open connection and its writer; none while idle or while the file could not be opened. */
let connection: { db: Database.Database; writer: RecordsBatchWriter } | undefined;

/**
 * Open the file. A file that cannot be written at the moment is opened read-only by SQLite without
 * a word, and stays so: such a connection is closed and opened again when writes fail for that reason.
 */
function open(): { db: Database.Database; writer: RecordsBatchWriter } {
  if (!connection) {
    const db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma('foreign_keys = ON');
    connection = { db, writer: new RecordsBatchWriter(db) };
  }
  return connection;
}

function close(): void {
  connection?.db.close();
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
function writeBatch(batch: RecordWrite[]): { write: RecordWrite; error: string }[] {
  try {
    return open().writer.write(batch).refused.map(({ write, error }) => ({ write, error: describeError(error) }));
  } catch (error) {
    if (databaseFault(error) || batch.length === 1) throw error;
    return batch.flatMap((write) => {
      try {
        return writeBatch([write]);
      } catch (single) {
        if (databaseFault(single)) throw single;
        return [{ write, error: describeError(single) }];
      }
    });
  }
}

/** Write one batch from the head of the queue, then yield so that newly sent writes join the next one. */
function drain(): void {
  scheduled = false;
  if (head >= queue.length) return;
  const batch = queue.slice(head, head + MAX_BATCH);
  try {
    const refused = writeBatch(batch);
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
    scheduled = true;
    setTimeout(drain, retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, RETRY_MAX_MS);
    return;
  }
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
  setImmediate(drain);
}

port.on('message', (message: ToWriterThread) => {
  for (const write of message.writes) queue.push(write);
  schedule();
});

send({ type: 'ready' });

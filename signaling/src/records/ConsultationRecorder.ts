import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DEFAULT_BUSY_TIMEOUT_MS, resolveDatabaseUrl, type DatabaseFault } from '@madoguchi/db';
import type { RecordActor, RecordWrite } from '@madoguchi/db/records-writer';
import type { ConsultationOutcome } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { FromWriterThread, ToWriterThread, WriterThreadOptions } from './recordsWriterThread.ts';


const logger = createLogger('records');

/** Events held while the database cannot be written, before events the summary does not need are refused. */
const DEFAULT_BUFFER_LIMIT = 50_000;
/** Backoff of the writer thread's restarts. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 5_000;
/**
 * A writer thread with nothing to write for this long is stopped (a V8 isolate of its own, about
 * 14 MB of the server's memory); the next write starts another, which takes a few tens of
 * milliseconds on its own thread while the writes wait in order.
 */
const THREAD_IDLE_STOP_MS = 30_000;

/** Every state change of a consultation, as written to the append-only ConsultationEvent log. */
export type ConsultationEventType =
  | 'requested'
  | 'refused' // outside hours / nobody on duty
  | 'offered'
  | 'declined'
  | 'offer_timeout'
  | 'offer_withdrawn'
  | 'widened' // secondary-skill operators may answer
  | 'overflowed' // the general counter may answer too
  | 'answered'
  | 'transferred'
  | 'specialist_invited'
  | 'handover_note' // the 引き継ぎメモ given with a transfer or an invitation
  | 'specialist_offered'
  | 'specialist_joined'
  | 'specialist_cancelled'
  | 'operator_left'
  | 'connection_lost' // a party's socket or media went (who, how it was noticed)
  | 'reconnected' // …and came back (how: ice_restart / rejoin / resume_after_restart; the gap in ms)
  | 'media_restarted' // the room was rebuilt on another media worker (its worker died)
  | 'held' // the server stopped (restart, crash) with the consultation open; it waits for its parties
  | 'resumed' // a held consultation is live again after the restart
  | 'callback_requested'
  | 'cancelled'
  | 'ended'
  | 'failed'
  | 'rated'
  | 'chat'
  | 'printed' // the booth's printer printed a sent document or a signed form (which, who asked)
  | 'print_failed' // …or the tablet could not print it
  | 'form_filled' // staff filled a form and handed it to the tablet to sign (the form's id, template, title)
  | 'form_signed' // the resident signed; the signed PDF is stored (its id, template, title, SHA-256 and size)
  | 'document_sent' // a document was sent to the tablet (who, the stored copy's id, title, type, size and SHA-256)
  | 'still_taken' // a still of the document camera was stored (who asked, the still's id and size)
  | 'note' // the operator's note and category (対応メモ・相談種別)
  | 'media_quality' // each stream's bitrate, loss, score and RTT over the call, from the SFU
  | 'media_path' // how a party's media reached the server (direct UDP/TCP, or TURN over UDP/TCP/TLS), when new or changed
  | 'wrap_up_ended' // the operator's 後処理 after the call is over
  | 'supervision_started' // a supervisor began to monitor, whisper or barge in (who, which mode)
  | 'supervision_mode_changed' // …moved to another mode (from, to)
  | 'supervision_ended' // …stopped (the mode, why: stopped, call_ended, transferred, disconnected)
  // Guests by link (each with the guest's id and kind): the link issued, the guest in the lobby,
  // let in or turned away, allowed the papers or not, gone (left, disconnected, with the call), removed, or the link unused in time.
  | 'guest_invited'
  | 'guest_waiting'
  | 'guest_admitted'
  | 'guest_refused'
  | 'guest_documents'
  | 'guest_left'
  | 'guest_removed'
  | 'guest_expired';

/** Who caused a change on record (the writer's own type). */
export type Actor = RecordActor;

/** Columns of the Consultation row that a state change may set. */
export interface ConsultationUpdate {
  operatorId?: string;
  answeredAt?: Date;
  endedAt?: Date;
  outcome?: ConsultationOutcome;
  endedBy?: 'resident' | 'operator' | 'system';
}

export interface NewConsultation {
  siteId: string;
  deviceId: string;
  departmentId: string;
  requestedAt: Date;
}

export interface RecorderStatus {
  /** Events recorded but not yet in the database. */
  buffered: number;
  /** Events given up since the start (buffer full, or refused by the database as invalid); each is in the log. */
  dropped: number;
  /** Why the database cannot be written, while writes are failing; null when the last write landed. */
  fault: DatabaseFault | null;
  /** When (Date.now()) the writer last reported a batch committed; null before the first. */
  lastWriteAt: number | null;
}

/** One write on its way to the database, and whoever awaits it. */
interface PendingWrite {
  write: RecordWrite;
  settle(): void;
}

/** The summary columns (wait, talk, end, outcome, satisfaction) come from these: they are never refused. */
const needsForSummary = ({ write }: PendingWrite) =>
  write.kind === 'create' || write.update !== undefined || write.type === 'answered' || write.type === 'rated';

/** One line of the log from which an unwritten event can be restored by hand. */
const describe = (write: RecordWrite) => JSON.stringify(write);

/**
 * Writes consultations and their events. The writing itself happens in a thread of its own
 * (recordsWriterThread.ts, with its own SQLite connection): record() and create() only queue, so a
 * burst of requests or a locked database never holds up signaling. The thread writes in the order
 * things were recorded, in batches of one transaction each; a batch carries its consultations'
 * derived data (summary columns, daily statistics rows), so nothing disagrees with the log.
 *
 * When the database cannot be written (locked by another process, read-only, gone), the writes
 * wait and are retried with backoff; nothing is dropped unless the buffer overflows, and then never
 * a write the summary columns depend on.
 */
export class ConsultationRecorder {
  readonly #threadOptions: WriterThreadOptions;
  /** Set by the writer thread while its transaction holds the database's write lock. */
  readonly #writeLockFlag: Int32Array;
  readonly #bufferLimit: number;
  readonly #threadIdleStopMs: number;
  /** Every write not yet reported written, oldest first (sent to the thread or about to be). */
  readonly #pending = new WriteQueue();
  /** Writes queued since the last message to the thread: sent together after this turn of the event loop (a burst of socket events is one message). */
  #unsent: RecordWrite[] = [];
  /** The writer thread; none before the first write and while idle. */
  #thread: Worker | undefined;
  /** Resolves once #thread has loaded. */
  #threadReady: Promise<void> = Promise.resolve();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #fault: DatabaseFault | null = null;
  #faultSince = 0;
  #dropped = 0;
  #closed = false;
  #flushes: Array<() => void> = [];
  /** Consultations created and not yet in the database. */
  readonly #creating = new Map<string, Promise<void>>();
  /** A thread that dies at once (e.g. cannot open the file) is not restarted in a tight loop. */
  #restartDelayMs = RESTART_FIRST_MS;
  #lastWriteAt: number | null = null;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #markReady: () => void = () => undefined;

  /** The writer thread starts with the first write (or ready()), and stops after `threadIdleStopMs` (default THREAD_IDLE_STOP_MS) without one. */
  constructor(
    databaseUrl: string,
    {
      bufferLimit = DEFAULT_BUFFER_LIMIT,
      busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
      threadIdleStopMs = THREAD_IDLE_STOP_MS,
    }: { bufferLimit?: number; busyTimeoutMs?: number; threadIdleStopMs?: number } = {},
  ) {
    this.#threadOptions = { url: resolveDatabaseUrl(databaseUrl), busyTimeoutMs, writeLock: new SharedArrayBuffer(4) };
    this.#writeLockFlag = new Int32Array(this.#threadOptions.writeLock);
    this.#bufferLimit = bufferLimit;
    this.#threadIdleStopMs = threadIdleStopMs;
  }

  /** Whether a writer thread runs now (none before the first write and while idle). */
  get threadRunning(): boolean {
    return this.#thread !== undefined;
  }

  /**
   * A new consultation: its id at once, its row and `requested` event queued ahead of everything
   * recorded about it later, and in the database a few milliseconds on (later if it is faulted).
   */
  create(consultation: NewConsultation, actor: Actor): string {
    const id = randomUUID();
    const written = this.#enqueue({ kind: 'create', id, ...consultation, actor }).finally(() => this.#creating.delete(id));
    this.#creating.set(id, written);
    return id;
  }

  /**
   * Resolves once the consultation's row is in the database (at once when it already is): a row
   * written elsewhere that refers to it (a callback request, a still) waits for this first.
   */
  onRecord(consultationId: string): Promise<void> {
    return this.#creating.get(consultationId) ?? Promise.resolve();
  }

  /**
   * Append an event (and update the row with it), after every event recorded before it. Resolves
   * once it is in the database (or given up, which the log says); never rejects.
   */
  record(
    consultationId: string,
    type: ConsultationEventType,
    at: Date,
    actor: Actor,
    { update, data }: { update?: ConsultationUpdate; data?: Record<string, unknown> } = {},
  ): Promise<void> {
    return this.#enqueue({ kind: 'event', consultationId, type, at, actor, update, data });
  }

  /** Starts the writer thread if none runs; resolves once it has loaded (it opens the file at its first write). */
  ready(): Promise<void> {
    if (!this.#closed) this.#thread ??= this.#startThread();
    return this.#threadReady;
  }

  /** Wait until no write waits (or the recorder gave up at close()). */
  flush(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushes.push(resolve));
  }

  /**
   * Shutdown: wait up to `timeoutMs` for the buffer to drain; if it does not, log every write still
   * unwritten, one per line, so that it can be restored by hand. The thread is stopped either way.
   */
  async close(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      this.flush().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#idleTimer);
    await this.#thread?.terminate();
    if (drained) return;
    logger.error(`database ${this.#fault ?? 'unavailable'}: ${this.#pending.length} events were not written before shutdown:`);
    for (let pending = this.#pending.shift(); pending; pending = this.#pending.shift()) {
      logger.error(`not recorded: ${describe(pending.write)}`);
      pending.settle();
    }
    this.#settleFlushes();
  }

  /** True while our writer's transaction holds the database's write lock: a lock health sees then is ours. */
  holdsWriteLock(): boolean {
    return Atomics.load(this.#writeLockFlag, 0) === 1;
  }

  status(): RecorderStatus {
    return { buffered: this.#pending.length, dropped: this.#dropped, fault: this.#fault, lastWriteAt: this.#lastWriteAt };
  }

  #enqueue(write: RecordWrite): Promise<void> {
    return new Promise((settle) => {
      const pending: PendingWrite = { write, settle };
      if (this.#closed) {
        logger.error(`not recorded (the recorder gave up at shutdown): ${describe(write)}`);
        settle();
      } else if (this.#pending.length >= this.#bufferLimit && !needsForSummary(pending)) {
        this.#dropped++;
        logger.error(`not recorded (${this.#pending.length} events already wait for the database): ${describe(write)}`);
        settle();
      } else {
        this.#pending.push(pending);
        clearTimeout(this.#idleTimer);
        if (this.#unsent.push(write) === 1) setImmediate(() => this.#send());
      }
    });
  }

  #send(): void {
    if (this.#unsent.length === 0 || this.#closed) return;
    this.#thread ??= this.#startThread();
    this.#thread.postMessage({ type: 'write', writes: this.#unsent } satisfies ToWriterThread);
    this.#unsent = [];
  }

  /** Once every write is reported written, stop the thread after THREAD_IDLE_STOP_MS unless another comes. */
  #stopWhenIdle(): void {
    clearTimeout(this.#idleTimer);
    if (this.#pending.length > 0 || this.#unsent.length > 0 || this.#closed) return;
    this.#idleTimer = setTimeout(() => {
      const thread = this.#thread;
      if (!thread || this.#pending.length > 0 || this.#unsent.length > 0 || this.#restartTimer) return;
      // It closes its connection and ends; the next write goes to a new thread (its exit is not a failure).
      this.#thread = undefined;
      thread.postMessage({ type: 'stop' } satisfies ToWriterThread);
    }, this.#threadIdleStopMs);
    this.#idleTimer.unref();
  }

  /** The writer thread: from source through tsx (recordsWriterThread.boot.mjs), or built JavaScript. */
  #startThread(): Worker {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './recordsWriterThread.boot.mjs' : './recordsWriterThread.js', import.meta.url);
    const thread = new Worker(entry, { workerData: this.#threadOptions });
    this.#threadReady = new Promise<void>((resolve) => (this.#markReady = resolve));
    thread.on('message', (message: FromWriterThread) => this.#onMessage(message));
    thread.on('error', (error) => logger.error('the records writer thread failed', error));
    thread.on('exit', () => {
      Atomics.store(this.#writeLockFlag, 0, 0); // a thread that ended holds nothing, whatever it last said
      // A thread stopped while idle, or at close(), is not restarted.
      if (this.#closed || thread !== this.#thread) return;
      // Everything not reported written goes again to a new thread (a batch committed just before
      // the old one died would be written twice; the log shows when this happened).
      logger.error(`the records writer thread stopped; another starts in ${this.#restartDelayMs} ms and gets the ${this.#pending.length} writes not yet confirmed`);
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        this.#unsent = [];
        this.#thread = this.#startThread();
        const writes = this.#pending.map(({ write }) => write);
        if (writes.length > 0) this.#thread.postMessage({ type: 'write', writes } satisfies ToWriterThread);
      }, this.#restartDelayMs);
      this.#restartDelayMs = Math.min(this.#restartDelayMs * 2, RESTART_MAX_MS);
    });
    return thread;
  }

  #onMessage(message: FromWriterThread): void {
    if (message.type === 'ready') {
      this.#markReady();
      this.#stopWhenIdle();
      return;
    }
    if (message.type === 'fault') {
      if (!this.#fault) {
        this.#faultSince = Date.now();
        logger.warn(`database ${message.fault}: holding the records' events (${this.#pending.length} now) and retrying`);
      }
      this.#fault = message.fault;
      return;
    }
    this.#restartDelayMs = RESTART_FIRST_MS;
    this.#lastWriteAt = Date.now();
    if (this.#fault) {
      logger.info(`database writable again after ${((Date.now() - this.#faultSince) / 1000).toFixed(1)} s: writing ${this.#pending.length} held events`);
      this.#fault = null;
    }
    for (const { write, error } of message.refused) {
      // Not the database's state but the write itself (e.g. its consultation is gone): retrying cannot help.
      this.#dropped++;
      logger.error(`could not record ${write.kind === 'create' ? 'a new consultation' : write.type}: ${error}: ${describe(write)}`);
    }
    for (let i = 0; i < message.count; i++) this.#pending.shift()?.settle();
    this.#settleFlushes();
    this.#stopWhenIdle();
  }

  #settleFlushes(): void {
    if (this.#pending.length > 0) return;
    for (const resolve of this.#flushes.splice(0)) resolve();
  }
}

/** A FIFO whose shift() stays cheap with tens of thousands of entries (Array.shift() copies). */
class WriteQueue {
  #items: PendingWrite[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(write: PendingWrite): void {
    this.#items.push(write);
  }

  shift(): PendingWrite | undefined {
    const write = this.#items[this.#head];
    if (!write) return undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return write;
  }

  map<T>(fn: (write: PendingWrite) => T): T[] {
    return this.#items.slice(this.#head).map(fn);
  }
}

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseProbe, migrateDeploy, openDatabase, seedDemoCity, type PrismaClient } from '@madoguchi/db';
import { databaseHealth } from '../src/api/health.ts';
import { loadHeldConsultations } from '../src/consultations/heldConsultations.ts';
import { ConsultationRecorder, type ConsultationEventType } from '../src/records/ConsultationRecorder.ts';
import { canMakeReadOnly, lockDatabase, longestStall, makeReadOnly } from './databaseFaults.ts';

/**
 * The records writer against a real SQLite file that another process locks, or that refuses
 * writes: nothing recorded meanwhile is lost, and every consultation's events land in order.
 */
let dir: string;
let file: string;
let db: PrismaClient;
let newConsultation: () => Promise<string>;
const system = { type: 'system' } as const;
/** Recorders made by a test, each with its writer thread: closed after it. */
const recorders: ConsultationRecorder[] = [];
const newRecorder = async (options?: { bufferLimit?: number }) => {
  const recorder = new ConsultationRecorder(`file:${file}`, options);
  recorders.push(recorder);
  await recorder.ready();
  return recorder;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'madoguchi-faults-'));
  file = join(dir, 'test.db');
  await migrateDeploy(`file:${file}`);
  db = openDatabase(`file:${file}`);
  await seedDemoCity(db, { password: 'test-password-1' });
  const device = await db.device.findFirstOrThrow({ include: { site: true } });
  const department = await db.department.findFirstOrThrow();
  const creator = new ConsultationRecorder(`file:${file}`);
  newConsultation = async () => {
    const id = creator.create({ siteId: device.siteId, deviceId: device.id, departmentId: department.id, requestedAt: new Date() }, { type: 'device', id: device.id });
    await creator.flush();
    return id;
  };
  recorders.push(creator);
});

afterEach(async () => {
  // The creator stays for the next test; the recorders a test made go.
  for (const recorder of recorders.splice(1)) await recorder.close(1_000);
});

afterAll(async () => {
  for (const recorder of recorders.splice(0)) await recorder.close(1_000);
  await db?.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function eventTypes(consultationId: string): Promise<string[]> {
  const events = await db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' }, select: { type: true } });
  return events.map((event) => event.type);
}

/** A call recorded while the database is unavailable: answered, chat back and forth, ended. */
function recordCall(recorder: ConsultationRecorder, id: string, chats: number): ConsultationEventType[] {
  const start = Date.now();
  const at = (seconds: number) => new Date(start + seconds * 1000);
  const types: ConsultationEventType[] = ['offered', 'answered'];
  void recorder.record(id, 'offered', at(1), system);
  void recorder.record(id, 'answered', at(2), { type: 'staff', id: 'op' }, { update: { answeredAt: at(2) } });
  for (let i = 0; i < chats; i++) {
    void recorder.record(id, 'chat', at(3 + i), system, { data: { n: i } });
    types.push('chat');
  }
  void recorder.record(id, 'ended', at(4 + chats), system, { update: { endedAt: at(4 + chats), outcome: 'completed', endedBy: 'resident' } });
  types.push('ended');
  return ['requested', ...types];
}

describe('the records writer thread', () => {
  it('starts with the first write, stops when idle, and a write after that lands through a new thread, in order', async () => {
    const recorder = new ConsultationRecorder(`file:${file}`, { threadIdleStopMs: 300 });
    recorders.push(recorder);
    expect(recorder.threadRunning).toBe(false);
    const id = await newConsultation();
    void recorder.record(id, 'offered', new Date(), system);
    await recorder.flush();
    expect(recorder.threadRunning).toBe(true);
    await expect.poll(() => recorder.threadRunning, { timeout: 10_000 }).toBe(false);
    void recorder.record(id, 'declined', new Date(), system);
    await recorder.flush();
    expect(await eventTypes(id)).toEqual(['requested', 'offered', 'declined']);
  });

  it.runIf(process.platform === 'linux')('runs at a lower priority than the thread that answers sockets (nice 5)', async () => {
    const recorder = await newRecorder();
    void recorder.record(await newConsultation(), 'offered', new Date(), system);
    await recorder.flush();
    // Each thread's nice value is field 19 of its /proc stat line; nothing else in this process sets one.
    const niceOf = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const niceValues = readdirSync('/proc/self/task').map(niceOf);
    expect(niceValues).toContain(5);
    expect(niceOf(String(process.pid))).toBe(0);
  });
});

describe('records while the database cannot be written', () => {
  it('holds every event while another process locks the database and writes them in order once it lets go', async () => {
    const recorder = await newRecorder();
    const [first, second] = [await newConsultation(), await newConsultation()];
    const lock = await lockDatabase(file);
    const { result: expected, stallMs } = await longestStall(async () => {
      const expected = [recordCall(recorder, first, 40), recordCall(recorder, second, 40)];
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      return expected;
    });
    const held = recorder.status();
    expect(held.fault).toBe('locked');
    expect(held.buffered).toBe(2 * 43);
    expect(await eventTypes(first)).toEqual(['requested']);

    const released = performance.now();
    await lock.release();
    await recorder.flush();
    const drainMs = performance.now() - released;
    console.log(`locked 2.5 s: ${held.buffered} events held, longest event-loop stall ${stallMs.toFixed(0)} ms; written ${drainMs.toFixed(0)} ms after the lock was released`);

    expect(recorder.status()).toEqual({ buffered: 0, dropped: 0, fault: null, lastWriteAt: expect.any(Number) });
    expect(await eventTypes(first)).toEqual(expected[0]);
    expect(await eventTypes(second)).toEqual(expected[1]);
    const row = await db.consultation.findUniqueOrThrow({ where: { id: first } });
    expect(row.outcome).toBe('completed');
    expect(row.endedAt).not.toBeNull();
    expect(row.talkMs).toBeGreaterThan(0);
    const chats = await db.consultationEvent.findMany({ where: { consultationId: first, type: 'chat' }, orderBy: { id: 'asc' } });
    expect(chats.map((chat) => JSON.parse(chat.data!).n)).toEqual([...Array(40).keys()]);
  });

  it.skipIf(!canMakeReadOnly())('holds every event while the database file refuses writes', async () => {
    const recorder = await newRecorder();
    const id = await newConsultation();
    const probe = databaseProbe(`file:${file}`);
    expect(probe.filesWritable()).toBe('ok');
    const readOnly = makeReadOnly(file);
    let expected: string[];
    try {
      // What health asks right after a successful write, when a lock probe would only meet our own writer.
      expect(probe.filesWritable()).toBe('read-only');
      // And before the writer has tried (and failed) a write: the lock probe alone would say ok.
      expect(recorder.status().fault).toBeNull();
      expect(await databaseHealth(probe, recorder)).toBe('read-only');
      expected = recordCall(recorder, id, 5);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(recorder.status()).toMatchObject({ fault: 'read-only', buffered: 8 });
    } finally {
      readOnly.restore();
    }
    await recorder.flush();
    expect(await eventTypes(id)).toEqual(expected);
    expect((await db.consultation.findUniqueOrThrow({ where: { id } })).outcome).toBe('completed');
  });

  it('past its limit refuses only events the summary does not need, and says so', async () => {
    const recorder = await newRecorder({ bufferLimit: 5 });
    const id = await newConsultation();
    const lock = await lockDatabase(file);
    try {
      recordCall(recorder, id, 10); // offered, answered, 3 chats fill the buffer; 7 chats are refused; ended is kept
      expect(recorder.status()).toMatchObject({ buffered: 6, dropped: 7 });
    } finally {
      await lock.release();
    }
    await recorder.flush();
    expect(await eventTypes(id)).toEqual(['requested', 'offered', 'answered', 'chat', 'chat', 'chat', 'ended']);
    expect((await db.consultation.findUniqueOrThrow({ where: { id } })).outcome).toBe('completed');
  });

  it('gives up at shutdown after its wait, and what it could not write is in the log', async () => {
    const recorder = await newRecorder();
    const id = await newConsultation();
    const lock = await lockDatabase(file);
    try {
      const ended = recorder.record(id, 'ended', new Date(), system, { update: { endedAt: new Date(), outcome: 'failed', endedBy: 'system' } });
      const started = performance.now();
      await recorder.close(500);
      expect(performance.now() - started).toBeLessThan(1_500);
      await ended; // settled, not left hanging
      expect(recorder.status().buffered).toBe(0);
    } finally {
      await lock.release();
    }
    expect(await eventTypes(id)).toEqual(['requested']);
  });

  it('lets the server start while the database is locked: what a crash left open is read and held, on record once it can', async () => {
    const recorder = await newRecorder();
    const leftOpen = await newConsultation();
    const lock = await lockDatabase(file);
    try {
      const started = performance.now();
      const held = await loadHeldConsultations(db);
      expect(held.map((consultation) => consultation.id)).toContain(leftOpen);
      void recorder.record(leftOpen, 'held', new Date(), system, { data: { reason: 'server_crash' } });
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await lock.release();
    }
    await recorder.flush();
    expect(await eventTypes(leftOpen)).toEqual(['requested', 'held']);
  });
});

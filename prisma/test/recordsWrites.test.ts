import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDeploy } from '../src/migrate.ts';
import { openRecordsConnection, RecordsBatchWriter, type RecordsConnection, type RecordWrite } from '../src/recordsWrites.ts';
import { rebuildAllDerived } from '../src/summary.ts';
import { testDatabases } from './databases.ts';

/**
 * The live writer's incremental rollups (daily, and per operator and per 相談種別) against the bulk
 * rebuild (summary.ts): a few hundred consultations with every kind of event that the derived data reads, written in batches of
 * random size across several days, departments and sites, must leave exactly the summary columns
 * and daily rows that recomputing everything from the events gives.
 */
const databases = testDatabases('records-writes');

afterAll(() => databases.close());

/** Deterministic pseudo-random numbers, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const OPERATORS = ['o1', 'o2', 'o3'];
const CATEGORIES = ['k1', 'k2', null];

/**
 * A consultation's life as the server records it: requested, then some of answered / lost / transferred /
 * joined by a specialist / noted with a category / rated / ended.
 */
function lifeOf(n: number, next: () => number): RecordWrite[] {
  const id = `c${n}`;
  const site = next() < 0.5 ? 's1' : 's2';
  const requestedAt = new Date(Date.UTC(2026, 11, 1 + Math.floor(next() * 3), Math.floor(next() * 24), Math.floor(next() * 60), 0, Math.floor(next() * 1000)));
  const at = (ms: number) => new Date(requestedAt.getTime() + ms);
  const system = { type: 'system' } as const;
  const writes: RecordWrite[] = [
    { kind: 'create', id, siteId: site, deviceId: site === 's1' ? 't1' : 't2', departmentId: next() < 0.5 ? 'd1' : 'd2', requestedAt, actor: { type: 'device', id: 't1' } },
  ];
  const event = (type: string, ms: number, extra: Partial<Extract<RecordWrite, { kind: 'event' }>> = {}) =>
    writes.push({ kind: 'event', consultationId: id, type, at: at(ms), actor: system, ...extra });
  const roll = next();
  if (roll < 0.1) {
    event('refused', 10);
    event('ended', 20, { update: { endedAt: at(20), outcome: next() < 0.5 ? 'no_operator' : 'callback_requested', endedBy: 'resident' } });
  } else if (roll < 0.25) {
    event('cancelled', Math.floor(next() * 90_000), { update: { endedAt: at(90_000), outcome: 'abandoned', endedBy: 'resident' } });
  } else if (roll < 0.3) {
    // Still waiting: no outcome.
  } else {
    const answered = Math.floor(next() * 120_000);
    const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const staff = (id: string) => ({ type: 'staff', id }) as const;
    const operator = pick(OPERATORS);
    event('offered', answered - 5);
    event('answered', answered, { actor: staff(operator), update: { answeredAt: at(answered), operatorId: operator } });
    if (next() < 0.3) {
      event('connection_lost', answered + 1_000);
      event('reconnected', answered + 3_000, { data: { gapMs: Math.floor(next() * 5_000) } });
    }
    if (next() < 0.2) {
      // A transfer: its later answer does not restart the wait; the first operator's part ends with it.
      const other = pick(OPERATORS);
      event('transferred', answered + 50_000, { actor: staff(operator) });
      event('answered', answered + 60_000, { actor: staff(other) });
    } else if (next() < 0.2) {
      // A specialist joins, and the first operator may leave.
      const specialist = pick(OPERATORS);
      event('specialist_joined', answered + 30_000, { actor: staff(specialist) });
      if (next() < 0.5) event('operator_left', answered + 40_000, { actor: staff(operator) });
    }
    for (let notes = Math.floor(next() * 3); notes > 0; notes--) {
      const categoryId = pick(CATEGORIES);
      event('note', answered + 70_000, { actor: staff(operator), data: { categoryId, category: categoryId, text: 'メモ' } });
    }
    const ended = answered + 80_000 + Math.floor(next() * 900_000); // after everything above
    if (next() > 0.1) event('ended', ended, { update: { endedAt: at(ended), outcome: next() < 0.9 ? 'completed' : 'failed', endedBy: 'operator' } });
    if (next() < 0.5) event('rated', ended + 5_000, { data: { score: 1 + Math.floor(next() * 5) } });
  }
  return writes;
}

describe.each(databases.providers)('the records writer on %s', (provider) => {
  let db: RecordsConnection;

  beforeAll(async () => {
    const url = await databases.url(provider);
    await migrateDeploy(url);
    db = await openRecordsConnection(url, { busyTimeoutMs: 1_000 });
    for (const statement of [
      `INSERT INTO "Site" (id, name, kind) VALUES ('s1', '清滝郵便局', 'post_office'), ('s2', '江川出張所', 'branch_office')`,
      `INSERT INTO "Department" (id, code, name, "sortOrder") VALUES ('d1', 'tax', '税務課', 1), ('d2', 'welfare', '福祉課', 2)`,
      `INSERT INTO "Device" (id, "siteId", name) VALUES ('t1', 's1', 'tablet 1'), ('t2', 's2', 'tablet 2')`,
      `INSERT INTO "Staff" (id, username, "displayName", "passwordHash", role)
            VALUES ('o1', 'o1', '一郎', 'x', 'operator'), ('o2', 'o2', '花子', 'x', 'operator'), ('o3', 'o3', '次郎', 'x', 'operator')`,
    ]) {
      await db.run(statement);
    }
  });

  afterAll(() => db?.close());

  const snapshot = async () => ({
    summaries: await db.all('SELECT id, "waitMs", "talkMs", satisfaction, "connectionLosses", "connectionLostMs", "categoryId" FROM "Consultation" ORDER BY id'),
    daily: await db.all('SELECT * FROM "ConsultationDaily" ORDER BY day, "departmentId", "siteId"'),
    breakdown: await db.all('SELECT * FROM "ConsultationDailyBreakdown" ORDER BY day, "departmentId", "siteId", dimension, key'),
  });

  it('keeps the summary columns and daily rows exactly as the rebuild computes them, batch by batch', async () => {
    const next = random(17);
    // Interleave the consultations' lives as a server would (each in its own order), then cut into batches.
    const lives = Array.from({ length: 400 }, (_, n) => lifeOf(n, next));
    const stream: RecordWrite[] = [];
    while (lives.some((life) => life.length > 0)) {
      const life = lives[Math.floor(next() * lives.length)]!;
      const write = life.shift();
      if (write) stream.push(write);
    }
    const writer = new RecordsBatchWriter(db);
    for (let i = 0; i < stream.length; ) {
      const size = 1 + Math.floor(next() * 60);
      expect((await writer.write(stream.slice(i, i + size))).refused).toEqual([]);
      i += size;
    }
    const live = await snapshot();
    expect(live.daily.length).toBeGreaterThan(6);
    // Every kind of row is there: each operator, each category and the uncategorised, transfers counted.
    const keys = new Set((live.breakdown as { dimension: string; key: string }[]).map((row) => `${row.dimension}:${row.key}`));
    expect([...keys].sort()).toEqual(['category:', 'category:k1', 'category:k2', 'operator:o1', 'operator:o2', 'operator:o3']);
    expect((live.breakdown as { transfers: number }[]).some((row) => row.transfers > 0)).toBe(true);
    for (const statement of rebuildAllDerived(provider)) await db.run(statement);
    expect(await snapshot()).toEqual(live);
  });

  it('says when a batch holds the write lock: from its first write to the end of its transaction', async () => {
    const lock: boolean[] = [];
    const writer = new RecordsBatchWriter(db, { onWriteLock: (held) => lock.push(held) });
    const at = new Date('2026-12-02T02:00:00Z');
    await writer.write([{ kind: 'create', id: 'lock1', siteId: 's1', deviceId: 't1', departmentId: 'd1', requestedAt: at, actor: { type: 'system' } }]);
    expect(lock).toEqual([true, false]);
    // A batch of refused writes only never held it.
    await writer.write([{ kind: 'event', consultationId: 'no-such-consultation', type: 'chat', at, actor: { type: 'system' } }]);
    expect(lock).toEqual([true, false]);
  });

  it('refuses an invalid write alone and writes the rest of its batch', async () => {
    const writer = new RecordsBatchWriter(db);
    const at = new Date('2026-12-02T01:00:00Z');
    const { refused } = await writer.write([
      { kind: 'create', id: 'ok1', siteId: 's1', deviceId: 't1', departmentId: 'd1', requestedAt: at, actor: { type: 'device', id: 't1' } },
      { kind: 'event', consultationId: 'no-such-consultation', type: 'chat', at, actor: { type: 'system' } },
      { kind: 'event', consultationId: 'ok1', type: 'cancelled', at, actor: { type: 'system' }, update: { endedAt: at, outcome: 'abandoned', endedBy: 'resident' } },
    ]);
    expect(refused.map(({ write }) => write.kind === 'event' && write.consultationId)).toEqual(['no-such-consultation']);
    expect(await db.all(`SELECT outcome FROM "Consultation" WHERE id = 'ok1'`)).toEqual([{ outcome: 'abandoned' }]);
  });
});

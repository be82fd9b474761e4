import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResponse } from '@madoguchi/protocol';
import { placeCall } from './callFlow.ts';
import { lockDatabase, type HeldLock } from './databaseFaults.ts';
import { startTestServer, type TestServer } from './harness.ts';

/**
 * The real server while another process holds its SQLite file: calls go on and lose nothing from
 * their record, health answers at once, and no token is ever refused because the database could
 * not be asked.
 */
let t: TestServer;
let deviceToken: string;
let staffToken: string;

beforeAll(async () => {
  t = await startTestServer();
  deviceToken = await t.deviceToken('江川出張所');
  staffToken = await t.staffToken('citizen1');
});
afterAll(() => t?.close());

async function health(): Promise<{ body: HealthResponse; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${t.server.url}/api/health`);
  expect(response.status).toBe(200);
  return { body: (await response.json()) as HealthResponse, ms: performance.now() - started };
}

const deviceProfile = () => fetch(`${t.server.url}/api/device/me`, { headers: { authorization: `Bearer ${deviceToken}` } });

/** The connect_error of a socket with this token, or null when it connects. */
async function refusal(token: string): Promise<string | null> {
  try {
    (await t.connect(token)).close();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the server while the database is locked by another process', () => {
  it('reports ok while nothing is wrong', async () => {
    const { body } = await health();
    expect(body).toMatchObject({ status: 'ok', ok: true, database: 'ok', records: { buffered: 0, dropped: 0 } });
  });

  it('keeps a call and its whole record through a lock, and health says degraded within a second', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    let lock: HeldLock | undefined = await lockDatabase(t.databaseFile);
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 5; i++) await call.device.request('chat:send', { consultationId, text: `書類 ${i}` });
      await call.operator.request('chat:send', { consultationId, text: '画面に表示します。' });
      await call.device.request('consultation:end', { consultationId });
      // Readers do not wait for a writer in WAL mode: tokens are still checked, tablets still start.
      expect(await refusal(deviceToken)).toBeNull();
      expect((await deviceProfile()).status).toBe(200);
      let last: HealthResponse | undefined;
      for (let i = 0; i < 8; i++) {
        const { body, ms } = await health();
        latencies.push(ms);
        last = body;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(last).toMatchObject({ status: 'degraded', database: 'locked' });
      expect(last!.records.buffered).toBeGreaterThanOrEqual(7);
      await lock.release();
      lock = undefined;
    } finally {
      await lock?.release();
    }
    console.log(`health during a 3 s lock: slowest ${Math.max(...latencies).toFixed(0)} ms of ${latencies.length} (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);

    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' } });
    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(['requested', 'offered', 'answered']);
    expect(types.filter((type) => type === 'chat')).toHaveLength(6);
    expect(types.at(-1)).toBe('ended');
    const texts = events.filter((event) => event.type === 'chat').map((event) => JSON.parse(event.data!).text);
    expect(texts).toEqual(['書類 0', '書類 1', '書類 2', '書類 3', '書類 4', '画面に表示します。']);
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId } });
    expect(row).toMatchObject({ outcome: 'completed', endedBy: 'resident' });
    expect(row.endedAt).not.toBeNull();
    expect((await health()).body).toMatchObject({ status: 'ok', database: 'ok', records: { buffered: 0, dropped: 0 } });
  });

  it('answers UNAVAILABLE, never UNAUTHORIZED, when the database cannot be read, and the same tokens work afterwards', async () => {
    // A lock that stops readers too: exclusive locking mode, which another process only gets
    // while no connection is open, and which then refuses the server's connection when it reopens.
    await t.db.$disconnect();
    const lock = await lockDatabase(t.databaseFile, { readers: true });
    try {
      expect(await refusal(deviceToken)).toBe('UNAVAILABLE');
      expect(await refusal(staffToken)).toBe('UNAVAILABLE');
      const profile = await deviceProfile();
      expect(profile.status).toBe(503);
      expect(profile.headers.get('retry-after')).toBe('2');
      expect(await profile.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      const departments = await fetch(`${t.server.url}/api/departments`, { headers: { authorization: `Bearer ${staffToken}` } });
      expect(departments.status).toBe(503);
      const { body, ms } = await health();
      expect(body).toMatchObject({ status: 'degraded', database: 'locked' });
      expect(ms).toBeLessThan(1_000);
    } finally {
      await lock.release();
    }
    expect(await refusal(deviceToken)).toBeNull();
    expect(await refusal(staffToken)).toBeNull();
    expect((await deviceProfile()).status).toBe(200);
    expect(await refusal('forged.token.value')).toBe('UNAUTHORIZED');
  });
});

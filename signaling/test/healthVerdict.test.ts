import { describe, expect, it } from 'vitest';
import type { DatabaseProbe, DatabaseState } from '@madoguchi/db';
import { databaseHealth } from '../src/api/health.ts';
import type { RecorderStatus } from '../src/records/ConsultationRecorder.ts';

/** A probe that always meets a lock, and a recorder idle for a while (no recent write to go by). */
function setup(holdsWriteLock: () => boolean) {
  let checks = 0;
  const probe: DatabaseProbe = {
    filesWritable: () => 'ok',
    check: (): DatabaseState => {
      checks += 1;
      return 'locked';
    },
  };
  const status: RecorderStatus = { buffered: 3, dropped: 0, fault: null, lastWriteAt: Date.now() - 60_000 };
  return { probe, recorder: { status: () => status, holdsWriteLock }, checks: () => checks };
}

describe("health's database verdict", () => {
  it('says locked when the lock stays through every check and our writer does not hold it', async () => {
    const { probe, recorder, checks } = setup(() => false);
    expect(await databaseHealth(probe, recorder)).toBe('locked');
    expect(checks()).toBe(3);
  });

  it('says ok, at once, when the lock the probe meets is our own writer’s transaction', async () => {
    const { probe, recorder, checks } = setup(() => true);
    expect(await databaseHealth(probe, recorder)).toBe('ok');
    expect(checks()).toBe(1); // no recheck waited for
  });

  it('says ok when our writer takes the lock between two checks', async () => {
    let calls = 0;
    const { probe, recorder } = setup(() => ++calls >= 2);
    expect(await databaseHealth(probe, recorder)).toBe('ok');
  });
});

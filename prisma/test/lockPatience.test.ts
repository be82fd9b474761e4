import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../generated/client/client.ts';
import { openDatabase } from '../src/db.ts';
import { databaseFault } from '../src/faults.ts';
import { migrateDeploy } from '../src/migrate.ts';
import { tempDir } from './helpers.ts';

/**
 * The server's connection and another writer of the same file (in production the records writer's
 * thread or a maintenance tool; here a second connection in this thread, which can only let go of
 * its lock if the server's connection waits with the event loop free).
 */
const tmp = tempDir();
let file: string;
let db: PrismaClient;
let other: Database.Database;

beforeAll(async () => {
  const url = tmp.url('patience.db');
  await migrateDeploy(url);
  file = url.slice('file:'.length);
  db = openDatabase(url, { busyTimeoutMs: 1_500 });
  other = new Database(file, { timeout: 0 });
  other.exec(`INSERT INTO Department (id, code, name, sortOrder) VALUES ('d1', 'tax', '税務課', 1)`);
});

afterAll(async () => {
  await db?.$disconnect();
  other?.close();
  tmp.cleanup();
});

/** Hold the write lock on the other connection for `ms`, releasing it from a timer. */
function holdWriteLock(ms: number): Promise<void> {
  other.exec('BEGIN IMMEDIATE');
  return new Promise((resolve) =>
    setTimeout(() => {
      other.exec('COMMIT');
      resolve();
    }, ms),
  );
}

describe('the server connection while another connection writes', () => {
  it('waits for the lock between tries, so a write and a transaction land once it is free', async () => {
    const released = holdWriteLock(300);
    const staff = await db.staff.create({ data: { username: 'patient', displayName: '待つ 人', passwordHash: 'x', role: 'operator' } });
    await released;

    const releasedAgain = holdWriteLock(300);
    await db.$transaction([
      db.staff.update({ where: { id: staff.id }, data: { displayName: '待った 人' } }),
      db.staffDepartment.create({ data: { staffId: staff.id, departmentId: 'd1', skill: 'primary' } }),
    ]);
    await releasedAgain;
    expect(await db.staff.findUniqueOrThrow({ where: { id: staff.id }, include: { departments: true } })).toMatchObject({
      displayName: '待った 人',
      departments: [{ departmentId: 'd1', skill: 'primary' }],
    });
  });

  it('holds the write lock from the start of a transaction, so a read then a write never meets a newer commit', async () => {
    await db.$transaction(async (tx) => {
      const before = await tx.department.findUniqueOrThrow({ where: { id: 'd1' } });
      // Without BEGIN IMMEDIATE the other connection could commit here, and the write below would
      // fail at once (SQLITE_BUSY_SNAPSHOT), whatever the patience.
      expect(() => other.exec(`UPDATE Department SET sortOrder = 9 WHERE id = 'd1'`)).toThrow(/locked|busy/i);
      await tx.department.update({ where: { id: 'd1' }, data: { name: `${before.name}・収納` } });
    });
    expect(await db.department.findUniqueOrThrow({ where: { id: 'd1' } })).toMatchObject({ name: '税務課・収納', sortOrder: 1 });
  });

  it('gives up after its patience with a locked fault, which the API answers as "try again" (503)', async () => {
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await db.site.create({ data: { name: '清滝郵便局', kind: 'post_office' } }).catch((caught: unknown) => caught);
      expect(databaseFault(error)).toBe('locked');
      const transactionError = await db.$transaction([db.site.create({ data: { name: '江川出張所', kind: 'branch_office' } })]).catch((caught: unknown) => caught);
      expect(databaseFault(transactionError)).toBe('locked');
    } finally {
      other.exec('ROLLBACK');
    }
    // Nothing was half written, and the connection works again at once.
    expect(await db.site.count()).toBe(0);
    await db.site.create({ data: { name: '清滝郵便局', kind: 'post_office' } });
    expect(await db.site.count()).toBe(1);
  });
});

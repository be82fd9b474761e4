import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrateDeploy,
  migrationChecksum,
  migrationStatus,
  openDatabase,
  demoAccountsFileFor,
  DEFAULT_DATABASE_URL,
  repoRoot,
  readMigrationsList,
  seedDemoCity,
  verifyPassword,
  type PrismaClient,
} from '../src/index.ts';
import { diffSchemaAgainstMigrations, migrateReset } from '../src/migrate.ts';
import { providerFiles } from '../src/paths.ts';
import { testDatabases } from './databases.ts';
import { tempDir } from './helpers.ts';

const databases = testDatabases('db');
afterAll(() => databases.close());

describe('migrations', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('migrateDeploy creates a fresh database with Prisma-compatible bookkeeping', async () => {
    const url = tmp.url('fresh/sub/dir.db'); // folder is created
    await migrateDeploy(url);
    const file = url.slice('file:'.length);
    expect(existsSync(file)).toBe(true);

    const raw = openDatabase(url);
    try {
      const names = async (sql: string) => ((await raw.$queryRawUnsafe(sql)) as Array<{ name: string }>).map((r) => r.name);
      const tables = await names("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
      expect(tables).toEqual(
        expect.arrayContaining(['_prisma_migrations', 'Site', 'Device', 'Department', 'Staff', 'StaffDepartment', 'Consultation', 'ConsultationEvent', 'AuditLog', 'Still']),
      );
      const rows = (await raw.$queryRawUnsafe('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations')) as Array<{
        migration_name: string;
        checksum: string;
        finished_at: string | null;
        rolled_back_at: string | null;
      }>;
      const list = readMigrationsList();
      expect(rows.map((r) => r.migration_name)).toEqual(list.migrationDirectories.map((d) => d.path));
      for (const r of rows) {
        const sql = readFileSync(path.join(list.baseDir, r.migration_name, 'migration.sql'), 'utf8');
        expect(r.checksum).toBe(migrationChecksum(sql));
        expect(r.finished_at).not.toBeNull();
        expect(r.rolled_back_at).toBeNull();
      }
      const indexes = await names("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='Consultation'");
      expect(indexes).toEqual(
        expect.arrayContaining([
          'Consultation_requestedAt_id_idx',
          'Consultation_departmentId_requestedAt_id_idx',
          'Consultation_siteId_requestedAt_id_idx',
          'Consultation_operatorId_requestedAt_id_idx',
        ]),
      );
      const fk = (await raw.$queryRawUnsafe('PRAGMA foreign_keys')) as Array<{ foreign_keys: bigint | number }>;
      expect(Number(fk[0]?.foreign_keys)).toBe(1);
    } finally {
      await raw.$disconnect();
    }

    // second deploy is a no-op, status is clean
    await migrateDeploy(url);
    const status = await migrationStatus(url);
    expect(status.diagnostic?.history).toBeNull();
    expect(status.diagnostic?.failedMigrationNames).toEqual([]);
    expect(status.diagnostic?.editedMigrationNames).toEqual([]);
  });

  it('schema.prisma and prisma/migrations are in sync', async () => {
    expect(await diffSchemaAgainstMigrations()).toBe('');
  });

  it('migration_lock.toml names sqlite', () => {
    expect(readFileSync(path.join(readMigrationsList().baseDir, 'migration_lock.toml'), 'utf8')).toMatch(/^provider = "sqlite"$/m);
  });
});

describe('migrations on PostgreSQL', () => {
  it('deploys postgres/migrations with Prisma\'s bookkeeping, in sync with postgres/schema.prisma, and resets', async () => {
    const url = await databases.url('postgresql');
    const list = readMigrationsList(providerFiles('postgresql').migrationsDir);
    expect(readFileSync(path.join(list.baseDir, 'migration_lock.toml'), 'utf8')).toMatch(/^provider = "postgresql"$/m);
    await migrateDeploy(url);
    const db = openDatabase(url);
    try {
      const rows = await db.$queryRawUnsafe<{ migration_name: string; checksum: string }[]>('SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(list.migrationDirectories.map((d) => d.path));
      for (const r of rows) expect(r.checksum).toBe(migrationChecksum(readFileSync(path.join(list.baseDir, r.migration_name, 'migration.sql'), 'utf8')));
      await db.site.create({ data: { name: '清滝郵便局', kind: 'post_office' } });
    } finally {
      await db.$disconnect();
    }
    const status = await migrationStatus(url);
    expect(status.diagnostic?.history).toBeNull();
    expect(status.diagnostic?.editedMigrationNames).toEqual([]);
    // The history replayed in a shadow database of the same server gives the derived schema exactly.
    expect(await diffSchemaAgainstMigrations({}, url)).toBe('');
    expect(await migrateReset(url)).toEqual(list.migrationDirectories.map((d) => d.path));
    const emptied = openDatabase(url);
    try {
      expect(await emptied.site.count()).toBe(0);
    } finally {
      await emptied.$disconnect();
    }
  });
});

// Seeding hashes 14 passwords with scrypt (128 MiB each): seconds when the machine is idle, but it
// shares two cores with the rest of the run; a slow machine is no failure of the seed.
describe.each(databases.providers)('seedDemoCity on %s', { timeout: 120_000 }, (provider) => {
  const tmp = tempDir();
  let db: PrismaClient;
  const accountsFile = path.join(tmp.dir, 'demo-accounts.txt');

  beforeAll(async () => {
    const url = await databases.url(provider);
    await migrateDeploy(url);
    db = openDatabase(url);
  });
  afterAll(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('seeds the demo city with generated passwords (PostgreSQL: one shared password, 14 hashes fewer)', async () => {
    // The passwords' hashing is the same on both; what PostgreSQL adds is the database.
    const r = await seedDemoCity(db, provider === 'sqlite' ? { accountsFile } : { accountsFile, password: 'demo-pass-123' });
    expect(r.seeded).toBe(true);
    expect(provider === 'sqlite' ? ['generated', 'env'] : ['option']).toContain(r.passwordSource);

    expect(await db.site.count()).toBe(4);
    expect(await db.device.count()).toBe(4);
    expect(await db.department.count()).toBe(6);
    expect(await db.staff.count()).toBe(14);
    expect(await db.staff.count({ where: { role: 'operator' } })).toBe(12);
    expect(await db.staff.count({ where: { role: 'supervisor' } })).toBe(1);
    expect(await db.staff.count({ where: { role: 'admin' } })).toBe(1);

    const sites = await db.site.findMany({ include: { devices: true }, orderBy: { name: 'asc' } });
    expect(sites.map((s) => s.kind).sort()).toEqual(['branch_office', 'community_hall', 'mobile_vehicle', 'post_office']);
    for (const s of sites) expect(s.devices.map((d) => d.name)).toEqual([`${s.name} タブレット1`]);

    const depts = await db.department.findMany({ orderBy: { sortOrder: 'asc' }, include: { staff: { include: { staff: true } } } });
    expect(depts.map((d) => d.code)).toEqual(['citizen', 'tax', 'insurance', 'welfare', 'childcare', 'general']);
    expect(depts.map((d) => d.name)).toEqual(['市民課', '税務課', '保険年金課', '福祉課', '子育て支援課', '総合窓口']);
    for (const d of depts) {
      const primary = d.staff.filter((sd) => sd.skill === 'primary').map((sd) => sd.staff.username).sort();
      const secondary = d.staff.filter((sd) => sd.skill === 'secondary').map((sd) => sd.staff.username).sort();
      expect(primary).toEqual([`${d.code}1`, `${d.code}2`]);
      // The general counter's staff help every other department (secondary skill).
      expect(secondary).toEqual(d.code === 'general' ? [] : ['general1', 'general2']);
    }
    // Every department has its routing, overflowing to the general counter (which does not overflow).
    const routing = await db.departmentRouting.findMany({ include: { department: true } });
    expect(routing).toHaveLength(6);
    const general = depts.find((d) => d.code === 'general')!;
    for (const row of routing) expect(row.overflowToId).toBe(row.department.code === 'general' ? null : general.id);
    const tax1 = await db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    expect(tax1.displayName).toBe('税務 一郎');

    // stored hashes verify against the passwords handed back (a sample: ~0.5 s each)
    for (const a of r.accounts.filter((x) => ['tax1', 'supervisor', 'admin'].includes(x.username))) {
      const s = await db.staff.findUniqueOrThrow({ where: { username: a.username } });
      expect(await verifyPassword(a.password, s.passwordHash)).toBe(true);
    }

    if (r.passwordSource === 'generated') {
      expect(r.accountsFile).toBe(accountsFile);
      expect(statSync(accountsFile).mode & 0o777).toBe(0o600);
      const lines = readFileSync(accountsFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      expect(lines).toHaveLength(14);
      expect(new Set(r.accounts.map((a) => a.password)).size).toBe(14);
      for (const a of r.accounts) expect(lines).toContain(`${a.username} ${a.password}`);
    }
  });

  it('is idempotent: a second seed changes nothing', async () => {
    const before = await db.staff.findMany({ orderBy: { username: 'asc' } });
    const r = await seedDemoCity(db, { accountsFile });
    expect(r.seeded).toBe(false);
    expect(r.accounts).toEqual([]);
    expect(await db.site.count()).toBe(4);
    expect(await db.device.count()).toBe(4);
    expect(await db.department.count()).toBe(6);
    expect(await db.staff.count()).toBe(14);
    expect(await db.staff.findMany({ orderBy: { username: 'asc' } })).toEqual(before);
  });

  it('never brings the demo back into a city that replaced it (renamed and disabled its sites)', async () => {
    await db.site.updateMany({ data: { active: false } });
    await db.site.update({ where: { id: (await db.site.findFirstOrThrow({ where: { name: '清滝郵便局' } })).id }, data: { name: '北部支所', active: true } });
    const r = await seedDemoCity(db, { accountsFile });
    expect(r.seeded).toBe(false);
    expect(await db.site.count()).toBe(4);
    expect(await db.staff.count()).toBe(14);
  });

  it('gives the demo departments their kiosk button text', async () => {
    const citizen = await db.department.findUniqueOrThrow({ where: { code: 'citizen' } });
    expect(citizen).toMatchObject({ kioskText: '住民票・引っ越し・マイナンバーカード', active: true, description: '' });
  });

  it.skipIf(provider === 'postgresql')('uses one shared password when given', async () => {
    const t2 = tempDir();
    try {
      const url = await databases.url(provider);
      await migrateDeploy(url);
      const db2 = openDatabase(url);
      try {
        const r = await seedDemoCity(db2, { password: 'demo-pass-123', accountsFile: path.join(t2.dir, 'none.txt') }); // file only for generated passwords
        expect(r.seeded).toBe(true);
        expect(r.passwordSource).toBe('option');
        expect(r.accountsFile).toBeNull();
        expect(existsSync(path.join(t2.dir, 'none.txt'))).toBe(false);
        const admin = await db2.staff.findUniqueOrThrow({ where: { username: 'admin' } });
        expect(await verifyPassword('demo-pass-123', admin.passwordHash)).toBe(true);
      } finally {
        await db2.$disconnect();
      }
    } finally {
      t2.cleanup();
    }
  });

  it('enforces foreign keys and logs consultation events', async () => {
    const site = await db.site.findFirstOrThrow({ include: { devices: true } });
    const dept = await db.department.findUniqueOrThrow({ where: { code: 'tax' } });
    const op = await db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    const c = await db.consultation.create({
      data: {
        siteId: site.id,
        deviceId: site.devices[0]!.id,
        departmentId: dept.id,
        events: { create: { type: 'requested', actorType: 'device', actorId: site.devices[0]!.id } },
      },
    });
    await db.consultation.update({
      where: { id: c.id },
      data: { operatorId: op.id, answeredAt: new Date(), events: { create: { type: 'answered', actorType: 'staff', actorId: op.id, data: JSON.stringify({ via: 'test' }) } } },
    });
    const events = await db.consultationEvent.findMany({ where: { consultationId: c.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['requested', 'answered']);

    await expect(db.device.create({ data: { siteId: 'no-such-site', name: 'x' } })).rejects.toThrow();
    await db.consultation.delete({ where: { id: c.id } }); // cascades to its events
    expect(await db.consultationEvent.count({ where: { consultationId: c.id } })).toBe(0);
  });
});

describe('demoAccountsFileFor', () => {
  it('keeps the main list for the default database only', () => {
    expect(demoAccountsFileFor(DEFAULT_DATABASE_URL)).toBe(path.join(repoRoot, '.data', 'demo-accounts.txt'));
    expect(demoAccountsFileFor('file:/tmp/x/scratch.db')).toBe('/tmp/x/scratch.demo-accounts.txt');
  });
});

describe('openDatabase', () => {
  it('refuses a missing file unless create is set', () => {
    const tmp = tempDir();
    try {
      expect(() => openDatabase(tmp.url('missing.db'))).toThrow(/does not exist/);
    } finally {
      tmp.cleanup();
    }
  });
});

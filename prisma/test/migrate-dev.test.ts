import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPendingMigrations, migrateDev, migrateReset, migrationStatus, openDatabase } from '../src/index.ts';
import { migrationsDir, schemaPath } from '../src/paths.ts';
import { tempDir } from './helpers.ts';

// Works on copies of schema.prisma and prisma/migrations in a temp folder.
describe('migrateDev (offline wasm engine)', () => {
  const tmp = tempDir();
  const dir = path.join(tmp.dir, 'migrations');
  const schema = path.join(tmp.dir, 'schema.prisma');
  const url = tmp.url('dev.db');
  cpSync(migrationsDir, dir, { recursive: true });
  const original = readFileSync(schemaPath, 'utf8');
  writeFileSync(schema, original);
  afterAll(() => tmp.cleanup());

  const columns = async (table: string) => {
    const db = openDatabase(url);
    try {
      return ((await db.$queryRawUnsafe(`PRAGMA table_info("${table}")`)) as Array<{ name: string }>).map((c) => c.name);
    } finally {
      await db.$disconnect();
    }
  };

  it('on a fresh database applies the history and creates nothing when in sync', async () => {
    const r = await migrateDev('noop', url, { migrationsDir: dir, schemaPath: schema });
    expect(r.created).toBeNull();
    expect(r.appliedBefore).toEqual(readdirSync(migrationsDir).filter((n) => !n.endsWith('.toml')).sort());
  });

  it('writes and applies a new migration for a schema change', async () => {
    writeFileSync(schema, original.replace('  lastSeenAt    DateTime?\n', '  lastSeenAt    DateTime?\n  note          String?\n'));
    const r = await migrateDev('device_note', url, { migrationsDir: dir, schemaPath: schema });
    expect(r.created).toMatch(/^\d{14}_device_note$/);
    const sql = readFileSync(path.join(dir, r.created!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/ALTER TABLE "Device" ADD COLUMN "note" TEXT/);
    expect(await columns('Device')).toContain('note');
    const st = await migrationStatus(url, { migrationsDir: dir });
    expect(st.diagnostic?.history).toBeNull();
  });

  it('refuses a destructive change unless data loss is accepted', async () => {
    const db = openDatabase(url);
    // The generated client does not know the temporary column: raw SQL.
    await db.$executeRawUnsafe(`INSERT INTO "Site" (id, name, kind) VALUES ('s1', 'x', 'post_office')`);
    await db.$executeRawUnsafe(`INSERT INTO "Device" (id, siteId, name, note) VALUES ('d1', 's1', 'x タブレット1', 'hello')`);
    await db.$disconnect();
    writeFileSync(schema, original);
    await expect(migrateDev('drop_note', url, { migrationsDir: dir, schemaPath: schema })).rejects.toThrow(/lose data/);
    const r = await migrateDev('drop_note', url, { migrationsDir: dir, schemaPath: schema, acceptDataLoss: true });
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(await columns('Device')).not.toContain('note');
  });

  it('reset deletes the file and re-applies every migration', async () => {
    const applied = await migrateReset(url, { migrationsDir: dir });
    expect(applied).toHaveLength(readdirSync(dir).filter((n) => !n.endsWith('.toml')).length);
    const db = openDatabase(url);
    expect(await db.site.count()).toBe(0); // the row inserted above is gone
    await db.$disconnect();
    expect(await applyPendingMigrations(url, { migrationsDir: dir })).toEqual([]);
  });
});

/**
 * Offline migrator (Prisma's wasm schema engine + the better-sqlite3 or node-postgres driver adapter).
 *
 *   tsx scripts/migrate.ts deploy                  apply pending migrations
 *   tsx scripts/migrate.ts dev --name <name>       diff schema vs migrations, write
 *        [--create-only] [--accept-data-loss]      migrations/<ts>_<name>/migration.sql, apply
 *   tsx scripts/migrate.ts status                  applied / pending / drift
 *   tsx scripts/migrate.ts diff                    print SQL the schema needs beyond the
 *                                                  migrations (exit 2 when not empty)
 *   tsx scripts/migrate.ts reset                   delete the SQLite file (drop the PostgreSQL
 *                                                  schema), deploy
 *
 * Database: env DATABASE_URL (default file:./.data/madoguchi.db, relative to the repo
 * root) or --url <file:…|postgresql://…>. A postgresql:// URL works on postgres/schema.prisma
 * and postgres/migrations.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import {
  applyPendingMigrations,
  diffSchemaAgainstMigrations,
  emptyDatabase,
  migrateDev,
  migrationStatus,
} from '../src/migrate.ts';
import { databaseProvider, packageDir, providerFiles, resolveDatabaseUrl } from '../src/paths.ts';
import { printableDatabaseUrl } from '../src/postgres.ts';

const USAGE = 'usage: migrate.ts deploy | dev --name <name> [--create-only] [--accept-data-loss] | status | diff | reset   [--url file:…|postgresql://…]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', short: 'n' },
      url: { type: 'string' },
      'create-only': { type: 'boolean', default: false },
      'accept-data-loss': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 1;
  }
  const url = resolveDatabaseUrl(values.url);
  const shownUrl = printableDatabaseUrl(url);
  const provider = databaseProvider(url);
  const migrationsFolder = path.relative(path.dirname(packageDir), providerFiles(provider).migrationsDir);
  const t0 = performance.now();
  const took = () => `${Math.round(performance.now() - t0)} ms`;

  switch (cmd) {
    case 'deploy': {
      const applied = await applyPendingMigrations(url);
      console.log(applied.length ? `Applied ${applied.length} migration(s) to ${shownUrl}:\n${applied.map((n) => `  - ${n}`).join('\n')}` : `No pending migrations (${shownUrl}).`);
      console.log(`done in ${took()}`);
      return 0;
    }
    case 'dev': {
      if (!values.name) {
        console.error('dev needs --name <name>\n' + USAGE);
        return 1;
      }
      const r = await migrateDev(values.name, url, { createOnly: values['create-only'], acceptDataLoss: values['accept-data-loss'] });
      for (const n of r.appliedBefore) console.log(`Applied pending migration ${n}`);
      for (const w of r.warnings) console.warn(`warning: ${w}`);
      if (r.created) console.log(`Created ${migrationsFolder}/${r.created}/migration.sql${values['create-only'] ? ' (not applied: --create-only)' : ' and applied it'}.`);
      else console.log('Already in sync: the schema matches the migrations, no migration created.');
      console.log(`done in ${took()}`);
      return 0;
    }
    case 'status': {
      const s = await migrationStatus(url);
      console.log(`${s.migrations.length} migration(s) in ${migrationsFolder}; database ${printableDatabaseUrl(s.database)}`);
      if (!s.databaseExists) {
        console.log(`The database file does not exist: ${s.migrations.length} migration(s) pending. Run: npm run migrate -w prisma -- deploy`);
        return s.migrations.length ? 1 : 0;
      }
      const d = s.diagnostic!;
      let ok = true;
      if (!d.hasMigrationsTable) console.log('No _prisma_migrations table yet.');
      if (d.failedMigrationNames.length) {
        ok = false;
        console.log(`Failed migrations: ${d.failedMigrationNames.join(', ')}`);
      }
      if (d.editedMigrationNames.length) {
        ok = false;
        console.log(`Edited after being applied (checksum mismatch): ${d.editedMigrationNames.join(', ')}`);
      }
      const h = d.history;
      if (h === null) {
        if (ok) console.log('Database schema is up to date.');
      } else if (h.diagnostic === 'databaseIsBehind') {
        ok = false;
        console.log(`Pending migrations:\n${h.unappliedMigrationNames.map((n) => `  - ${n}`).join('\n')}`);
      } else if (h.diagnostic === 'migrationsDirectoryIsBehind') {
        ok = false;
        console.log(`Applied to the database but missing from ${migrationsFolder}:\n${h.unpersistedMigrationNames.map((n) => `  - ${n}`).join('\n')}`);
      } else {
        ok = false;
        console.log(`Histories diverge after ${h.lastCommonMigrationName ?? '(start)'}: unapplied ${h.unappliedMigrationNames.join(', ') || '-'}; unknown to the folder ${h.unpersistedMigrationNames.join(', ') || '-'}`);
      }
      return ok ? 0 : 1;
    }
    case 'diff': {
      // SQLite replays the history in memory; PostgreSQL in a temporary database on the URL's server.
      const sql = await diffSchemaAgainstMigrations({}, provider === 'postgresql' ? url : undefined);
      if (!sql) {
        console.log(`-- the schema and ${migrationsFolder} are in sync`);
        return 0;
      }
      process.stdout.write(sql);
      return 2;
    }
    case 'reset': {
      console.log(`Emptied ${await emptyDatabase(url)}`);
      const applied = await applyPendingMigrations(url);
      console.log(`Applied ${applied.length} migration(s). done in ${took()}`);
      return 0;
    }
    default:
      console.error(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
      return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);

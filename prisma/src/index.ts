/**
 * @madoguchi/db — database access for Madoguchi (SQLite through Prisma 7's better-sqlite3 driver
 * adapter by default, PostgreSQL through node-postgres; works offline).
 *
 * Needs the generated client: `npm run generate -w prisma` (output prisma/generated/, gitignored).
 */
export * from '../generated/client/client.ts';
export { openDatabase, DEFAULT_BUSY_TIMEOUT_MS, type OpenDatabaseOptions } from './db.ts';
export { databaseFault, databaseProbe, type DatabaseFault, type DatabaseProbe, type DatabaseState } from './faults.ts';
export { hashPassword, verifyPassword, generateReadablePassword } from './password.ts';
export {
  migrateDeploy,
  applyPendingMigrations,
  migrateDev,
  migrateReset,
  migrationStatus,
  emptyDatabase,
  readMigrationsList,
  migrationChecksum,
  type MigrationStatus,
} from './migrate.ts';
export {
  seedDemoCity,
  isDemoCitySeeded,
  demoAccounts,
  DEMO_CITY,
  DEMO_SITES,
  DEMO_DEPARTMENTS,
  DEFAULT_ACCOUNTS_FILE,
  demoAccountsFileFor,
  type DemoAccount,
  type SeedDemoCityOptions,
  type SeedDemoCityResult,
} from './seed.ts';
export { DEFAULT_DATABASE_URL, databaseProvider, resolveDatabaseUrl, sqliteFilePath, repoRoot, type DatabaseProvider } from './paths.ts';
export { rebuildAllDerived, localDay, localDayBounds, RECORDS_UTC_OFFSET_MINUTES } from './summary.ts';
export { seedFormTemplates, japaneseFontBytes, DEMO_FORM_TEMPLATES, JAPANESE_FONT_FILES } from './formTemplates.ts';
export { loadPdfLibrary } from './pdfLibrary.ts';

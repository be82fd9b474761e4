/**
 * The databases a test file runs on, SQLite and PostgreSQL: `describe.each(databases.providers)`,
 * then `await databases.url(provider)` for an empty database of each. SQLite's is a file in a
 * temporary folder; PostgreSQL's a database on a cluster of the file's own, started on first use
 * (postgres.ts). `close()` in afterAll removes both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseProvider } from '../src/paths.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';

export interface TestDatabases {
  readonly providers: readonly DatabaseProvider[];
  /** A new empty database of the provider. */
  url(provider: DatabaseProvider): Promise<string>;
  close(): Promise<void>;
}

export function testDatabases(name: string): TestDatabases {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-db-'));
  let postgres: Promise<TestPostgres> | undefined;
  let created = 0;
  return {
    providers: ['sqlite', 'postgresql'],
    async url(provider) {
      created++;
      if (provider === 'sqlite') return `file:${path.join(dir, `${name}-${created}.db`)}`;
      postgres ??= startTestPostgres();
      return (await postgres).createDatabase(`${name}-${created}`);
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
      if (postgres) await (await postgres).stop();
    },
  };
}

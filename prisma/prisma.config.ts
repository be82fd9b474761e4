/**
 * Prisma CLI configuration for @madoguchi/db.
 *
 * - DATABASE_URL (default `file:./.data/madoguchi.db`); a relative `file:` path is
 *   resolved against the repo root and handed to Prisma as an absolute path.
 * - Offline machines: every Prisma CLI command first tries to download the native
 *   schema engine. When none is installed and PRISMA_SCHEMA_ENGINE_BINARY is unset,
 *   point it at a placeholder so `prisma generate|validate|format` work. Migrations
 *   then go through scripts/migrate.ts (wasm schema engine). Where the native engine
 *   was downloaded, nothing is overridden and `prisma migrate deploy` works as usual.
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { hasNativeSchemaEngine, packageDir, resolveDatabaseUrl } from './src/paths.ts';

if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && !hasNativeSchemaEngine()) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(packageDir, 'scripts', 'no-native-schema-engine.sh');
}

export default defineConfig({
  schema: path.join(packageDir, 'schema.prisma'),
  migrations: {
    path: path.join(packageDir, 'migrations'),
    seed: 'tsx scripts/seed.ts',
  },
  datasource: {
    url: resolveDatabaseUrl(),
  },
});

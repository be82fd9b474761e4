/**
 * Writes prisma/postgres/schema.prisma, the PostgreSQL copy of prisma/schema.prisma.
 *
 *   tsx scripts/derive-postgres-schema.ts            write the derived file
 *
 * One schema.prisma cannot name two providers, so schema.prisma (SQLite) is the only one edited by
 * hand and this script derives the other; test/postgresSchema.test.ts fails when the checked-in copy is
 * stale. The models are portable by rule (see schema.prisma's header), so only the datasource's provider
 * and the generated client's folder differ.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { derivePostgresSchema, postgresSchemaPath } from '../src/postgresSchema.ts';
import { packageDir } from '../src/paths.ts';

writeFileSync(postgresSchemaPath, derivePostgresSchema(), 'utf8');
console.log(`Wrote ${path.relative(packageDir, postgresSchemaPath)}`);

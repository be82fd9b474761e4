import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { derivePostgresSchema, postgresSchemaPath } from '../src/postgresSchema.ts';

describe('postgres/schema.prisma', () => {
  it('is what scripts/derive-postgres-schema.ts derives from schema.prisma (run `npm run derive-postgres-schema -w prisma` after editing it)', () => {
    expect(readFileSync(postgresSchemaPath, 'utf8')).toBe(derivePostgresSchema());
  });

  it('differs from schema.prisma only in the provider and the generated client folder', () => {
    const derived = derivePostgresSchema('generator client {\n  output = "./generated/client"\n}\ndatasource db {\n  provider = "sqlite"\n}\n');
    expect(derived).toContain('output = "../generated/postgres-client"');
    expect(derived).toContain('provider = "postgresql"');
    expect(derived).not.toContain('sqlite');
  });
});

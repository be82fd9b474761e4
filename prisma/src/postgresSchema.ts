/**
 * The PostgreSQL schema, derived from schema.prisma (SQLite, the one edited by hand): see
 * scripts/derive-postgres-schema.ts.
 */
import { readFileSync } from 'node:fs';
import { providerFiles, schemaPath } from './paths.ts';

export const postgresSchemaPath = providerFiles('postgresql').schemaPath;

const HEADER = `// GENERATED from ../schema.prisma by scripts/derive-postgres-schema.ts — do not edit.
// Edit ../schema.prisma, then run: npm run derive-postgres-schema -w prisma
`;

/** Replace exactly one match of `pattern` in `text`, or fail: a schema.prisma that no longer has the line is a script to update. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`));
  if (matches?.length !== 1) throw new Error(`schema.prisma: expected one match of ${pattern}, found ${matches?.length ?? 0}`);
  return text.replace(pattern, replacement);
}

/** The text of postgres/schema.prisma for the given schema.prisma text. */
export function derivePostgresSchema(sqliteSchema: string = readFileSync(schemaPath, 'utf8')): string {
  let schema = replaceOnce(sqliteSchema, /^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"');
  // The derived file lives one folder down; its client is generated beside the SQLite one.
  schema = replaceOnce(schema, /^(\s*output\s*=\s*)"\.\/generated\/client"/m, '$1"../generated/postgres-client"');
  return HEADER + schema;
}

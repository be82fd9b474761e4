/**
 * node-postgres and Prisma's adapter for it, loaded on first use: a server on SQLite never needs them,
 * and loading them costs its process about 4 MB (and the records writer's thread as much again).
 * `import type` elsewhere keeps the types; the modules themselves come through these functions.
 */
import { createRequire } from 'node:module';
import type pgModule from 'pg';
import type { PrismaPg } from '@prisma/adapter-pg';

// Not named `require`: bundlers would take it for the CommonJS one and try to resolve it at build time.
const requireFromHere = createRequire(import.meta.url);

/** node-postgres (its CommonJS module, the same object as `import pg from 'pg'`). */
export function loadPg(): typeof pgModule {
  return requireFromHere('pg') as typeof pgModule;
}

/** Prisma's driver adapter for node-postgres. */
export function loadPrismaPg(): typeof PrismaPg {
  return (requireFromHere('@prisma/adapter-pg') as { PrismaPg: typeof PrismaPg }).PrismaPg;
}

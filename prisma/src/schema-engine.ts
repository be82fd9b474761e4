/**
 * Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm)
 * and connects it to SQLite through the better-sqlite3 driver adapter, or to PostgreSQL
 * through node-postgres (@prisma/adapter-pg).
 *
 * Why by hand: the package's entry does `import * as wasm from "./schema_engine_bg.wasm"`
 * (ESM wasm integration), which Node 20 does not support without a flag. We import
 * the JS glue (`schema_engine_bg.js`), instantiate the .wasm next to it with the glue
 * as its import object, and run the same two init steps the entry would.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type pg from 'pg';
import { loadPg, loadPrismaPg } from './lazyPg.ts';
import { databaseProvider } from './paths.ts';
import { postgresConnection, postgresUrlOfDatabase } from './postgres.ts';

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let gluePromise: Promise<Glue> | undefined;

/**
 * The engine arms 60 s guard timers (seen in evaluateDataLoss) and never clears
 * them — the glue does not even import clearTimeout — so a CLI would hang for a
 * minute after `dev`. Timers stay referenced while any engine is open (the engine
 * may really be waiting on one) and are unref'd once the last engine is closed.
 */
const liveTimers = new Set<ReturnType<typeof setTimeout>>();
let openEngines = 0;

function trackedSetTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(() => {
    liveTimers.delete(t);
    callback();
  }, ms >>> 0);
  if (openEngines > 0) liveTimers.add(t);
  else t.unref();
  return t;
}

function releaseTimersIfIdle(): void {
  if (openEngines > 0) return;
  for (const t of liveTimers) t.unref();
  liveTimers.clear();
}

function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Glue;
    const bytes = readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    // lib "ES2023" has no WebAssembly value type; Node has it at run time.
    const { WebAssembly: wasm } = globalThis as unknown as {
      WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
    };
    const imports: Record<string, unknown> = { ...glue };
    for (const name of Object.keys(imports)) {
      if (name.startsWith('__wbg_setTimeout_')) imports[name] = trackedSetTimeout;
    }
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': imports });
    const exports = instance.exports as { __wbindgen_start: () => void };
    glue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return glue;
  })();
  return gluePromise;
}

const MULTI_STATEMENT = /more than one statement/i;

/**
 * better-sqlite3's `prepare()` refuses multi-statement SQL ("The supplied SQL string
 * contains more than one statement"), and the wasm engine replays whole migration
 * files through queryRaw/executeRaw (e.g. into the shadow database). A parameterless
 * query refused that way is re-run with `exec()` (what the adapter's executeScript does).
 */
function allowMultiStatement<T extends { queryRaw: SqlDriverAdapter['queryRaw']; executeRaw: SqlDriverAdapter['executeRaw'] }>(
  target: T,
  runScript: (sql: string) => Promise<void>,
): T {
  const queryRaw = target.queryRaw.bind(target);
  const executeRaw = target.executeRaw.bind(target);
  const isMulti = (q: SqlQuery, e: unknown) => q.args.length === 0 && e instanceof Error && MULTI_STATEMENT.test(e.message);
  target.queryRaw = async (q) => {
    try {
      return await queryRaw(q);
    } catch (e) {
      if (!isMulti(q, e)) throw e;
      await runScript(q.sql);
      return { columnNames: [], columnTypes: [], rows: [] };
    }
  };
  target.executeRaw = async (q) => {
    try {
      return await executeRaw(q);
    } catch (e) {
      if (!isMulti(q, e)) throw e;
      await runScript(q.sql);
      return 0;
    }
  };
  return target;
}

function patchAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const script = adapter.executeScript.bind(adapter);
  allowMultiStatement(adapter, script);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    const tx: Transaction = await startTransaction(isolationLevel);
    // Same connection: exec() inside the open transaction is what we want.
    return allowMultiStatement(tx, script);
  };
  return adapter;
}

/**
 * An adapter factory fit for the schema engine, for a SQLite (`file:/abs/path.db`) or PostgreSQL URL.
 * Every connection it opens is recorded in `opened` so the caller can close them.
 */
export function migrationAdapterFactory(url: string, opened: SqlDriverAdapter[] = []): SqlMigrationAwareDriverAdapterFactory {
  return databaseProvider(url) === 'postgresql' ? postgresMigrationAdapterFactory(url, opened) : sqliteMigrationAdapterFactory(url, opened);
}

/** better-sqlite3, multi-statement migration files allowed, shadow database in memory. */
function sqliteMigrationAdapterFactory(absoluteUrl: string, opened: SqlDriverAdapter[]): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaBetterSqlite3({ url: absoluteUrl });
  const track = (a: SqlDriverAdapter) => {
    opened.push(a);
    return patchAdapter(a);
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => track(await inner.connect()),
    connectToShadowDb: async () => track(await inner.connectToShadowDb()),
  };
}

/** PostgreSQL's internal one-byte `"char"` type (pg_class.relkind, pg_constraint.contype, …). */
const CHAR_OID = 18;
const TEXT_OID = 25;
type QueryResults = pg.QueryResult | pg.QueryResult[];
const charAsText = (results: QueryResults) => {
  for (const result of [results].flat()) for (const field of result?.fields ?? []) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  return results;
};

/**
 * The engine's introspection reads `"char"` columns, which adapter-pg refuses to describe
 * (UnsupportedNativeDataType); node-postgres hands their values over as text already, so the columns
 * are announced as text. Only the migration connections use this client.
 */
let charAsTextClient: typeof pg.Client | undefined;
function CharAsTextClient(): typeof pg.Client {
  return (charAsTextClient ??= class CharAsTextClient extends loadPg().Client {
    override query(...args: unknown[]): never {
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (error: Error | null, results: QueryResults) => callback(error, results && charAsText(results));
        return (super.query as (...a: unknown[]) => never)(...args);
      }
      const pending = (super.query as (...a: unknown[]) => unknown)(...args);
      return (pending instanceof Promise ? pending.then(charAsText) : pending) as never;
    }
  });
}

/**
 * node-postgres through adapter-pg, with a shadow database of our own: adapter-pg's drops the
 * database before closing the pool that still holds it, and names it beside a connectionString that
 * wins over the name. Ours is created on the main connection, reached by a URL naming it, and
 * dropped once its pool has closed.
 */
function postgresMigrationAdapterFactory(url: string, opened: SqlDriverAdapter[]): SqlMigrationAwareDriverAdapterFactory {
  const factoryFor = (databaseUrl: string) => {
    const { config, schema } = postgresConnection(databaseUrl);
    return new (loadPrismaPg())({ ...config, Client: CharAsTextClient() }, { schema });
  };
  const main = factoryFor(url);
  const track = (a: SqlDriverAdapter) => {
    opened.push(a);
    return a;
  };
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => track(await main.connect()),
    connectToShadowDb: async () => {
      const admin = await main.connect();
      const name = `madoguchi_shadow_${randomUUID().replaceAll('-', '')}`;
      let shadow: SqlDriverAdapter;
      try {
        await admin.executeScript(`CREATE DATABASE "${name}"`);
        shadow = await factoryFor(postgresUrlOfDatabase(url, name)).connect();
      } catch (error) {
        await admin.dispose();
        throw error;
      }
      const closePool = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        try {
          await closePool();
          await admin.executeScript(`DROP DATABASE "${name}"`);
        } finally {
          await admin.dispose();
        }
      };
      return track(shadow);
    },
  };
}

export interface EngineHandle {
  engine: SchemaEngine;
  /** Frees the engine and closes the connections it opened. */
  close(): Promise<void>;
}

/**
 * Start a wasm schema engine on the given SQLite (`file:/abs/path.db`) or PostgreSQL URL.
 * `datamodel` is the schema.prisma text (needed for diff/createMigration).
 */
export async function openSchemaEngine(absoluteUrl: string, datamodel?: { path: string; content: string }): Promise<EngineHandle> {
  const glue = await loadGlue();
  const opened: SqlDriverAdapter[] = [];
  const factory = bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(absoluteUrl, opened));
  const log = (msg: unknown) => {
    if (process.env.DEBUG_SCHEMA_ENGINE) console.error('[schema-engine]', msg);
  };
  openEngines++;
  let engine: SchemaEngine;
  try {
    engine = await glue.SchemaEngine.new(
      { datamodels: datamodel ? [[datamodel.path, datamodel.content]] : undefined },
      log,
      factory,
    );
  } catch (e) {
    openEngines--;
    releaseTimersIfIdle();
    for (const a of opened.splice(0)) await a.dispose().catch(() => undefined);
    throw e;
  }
  let closed = false;
  return {
    engine,
    close: async () => {
      if (closed) return;
      closed = true;
      engine.free();
      for (const a of opened.splice(0)) await a.dispose().catch(() => undefined);
      openEngines--;
      releaseTimersIfIdle();
    },
  };
}

export function schemaEngineVersion(): Promise<string> {
  return loadGlue().then((g) => g.version());
}

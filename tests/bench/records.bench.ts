/**
 * Latency of the session records queries on a year of history (default 1,000,000 consultations).
 *
 *   npx tsx tests/bench/records.bench.ts        (part of `npm run bench`)
 *   RECORDS_BENCH_DB=file:/path/load.db RECORDS_BENCH_COUNT=1000000 npx tsx tests/bench/records.bench.ts
 *
 * The statistics per staff member and per 相談種別 are read from their own rollup the same way.
 * The database is made by prisma/scripts/generate-load.ts when the file is missing (about 4 minutes
 * for a million consultations on 2 cores) and reused afterwards. For each query the script prints
 * p50/p95 over repeated runs and SQLite's EXPLAIN QUERY PLAN (which index serves it). It asserts
 * nothing about time: the figures and the machine line are the result.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Prisma, openDatabase, sqliteFilePath, type PrismaClient } from '@madoguchi/db';
import type { RecordsFilter } from '@madoguchi/protocol';
import { dailyStatement, listStatement, RecordsQuery, type Cursor, type RecordsScope } from '../../signaling/src/records/RecordsQuery.ts';
import { StatsBreakdown } from '../../signaling/src/records/StatsBreakdown.ts';

const COUNT = Number(process.env.RECORDS_BENCH_COUNT ?? 1_000_000);
const URL = process.env.RECORDS_BENCH_DB ?? `file:${os.tmpdir()}/madoguchi-records-bench-${COUNT}.db`;
const REPO = new globalThis.URL('../..', import.meta.url).pathname;

interface Figure {
  name: string;
  p50: number;
  p95: number;
  runs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function measure(name: string, runs: number, work: (i: number) => Promise<unknown>): Promise<Figure> {
  await work(0); // warm the page cache and the statement cache
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const start = performance.now();
    await work(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const figure = { name, p50: percentile(times, 0.5), p95: percentile(times, 0.95), runs };
  console.log(`${name.padEnd(58)} p50 ${figure.p50.toFixed(1).padStart(8)} ms   p95 ${figure.p95.toFixed(1).padStart(8)} ms   (${runs} runs)`);
  return figure;
}

async function explain(db: PrismaClient, name: string, statement: Prisma.Sql): Promise<void> {
  const plan = await db.$queryRaw<{ detail: string }[]>(Prisma.sql`EXPLAIN QUERY PLAN ${statement}`);
  console.log(`  plan of ${name}: ${plan.map((step) => step.detail).join(' | ')}`);
}

async function main() {
  if (!existsSync(sqliteFilePath(URL))) {
    console.log(`generating ${COUNT.toLocaleString()} consultations into ${sqliteFilePath(URL)} …`);
    execFileSync('npx', ['tsx', 'prisma/scripts/generate-load.ts', '--count', String(COUNT), '--url', URL], { cwd: REPO, stdio: 'inherit' });
  }
  const db = openDatabase(URL);
  const records = new RecordsQuery(db);
  const breakdown = new StatsBreakdown(db);
  const total = await db.consultation.count();
  const [range] = await db.$queryRaw<{ first: string; last: string }[]>`SELECT MIN(requestedAt) AS first, MAX(requestedAt) AS last FROM Consultation`;
  const { first, last } = range!;
  console.log(`records benchmark: ${total.toLocaleString()} consultations from ${first} to ${last}`);

  const departments = await db.department.findMany({ orderBy: { sortOrder: 'asc' } });
  const sites = await db.site.findMany({ orderBy: { createdAt: 'asc' } });
  const operator = await db.staff.findFirstOrThrow({ where: { username: 'tax1' } });
  const tax = departments.find((d) => d.code === 'tax')!;
  const lastMs = Date.parse(last);
  const quarter = { from: new Date(lastMs - 91 * 86_400_000).toISOString(), to: new Date(lastMs + 1).toISOString() };
  const all: RecordsScope = { kind: 'all' };
  const figures: Figure[] = [];

  // ── The list: first pages, deep pages, filters, an operator's own records.
  const listCases: { name: string; filter: RecordsFilter; scope: RecordsScope }[] = [
    { name: 'list: no filter', filter: {}, scope: all },
    { name: 'list: department + last 3 months', filter: { departmentId: tax.id, ...quarter }, scope: all },
    { name: 'list: site + outcome abandoned', filter: { siteId: sites[1]!.id, outcome: 'abandoned' }, scope: all },
    { name: 'list: satisfaction = 1 (rare)', filter: { satisfaction: 1 }, scope: all },
    { name: "list: operator tax1's own records (operator scope)", filter: {}, scope: { kind: 'participant', staffId: operator.id } },
    { name: 'list: a new operator without records (operator scope)', filter: {}, scope: { kind: 'participant', staffId: 'new-operator' } },
  ];
  for (const { name, filter, scope } of listCases) {
    figures.push(await measure(`${name}, page 1 (50 rows)`, 30, () => records.list(filter, scope, { limit: 50 })));
    // Keyset paging: 20 pages deep costs what page 1 costs.
    let cursor: Cursor | undefined;
    for (let page = 0; page < 20; page++) cursor = (await records.list(filter, scope, { cursor, limit: 50 })).next ?? cursor;
    figures.push(await measure(`${name}, page 21`, 30, () => records.list(filter, scope, { cursor, limit: 50 })));
    const plan = scope.kind === 'participant' ? await records.participantPlan(scope.staffId) : 'dense';
    await explain(db, `${name} [${plan}]`, listStatement(filter, scope, cursor, 51, plan));
  }

  // ── The detail of random records.
  const ids = await db.$queryRaw<{ id: string }[]>`SELECT id FROM Consultation ORDER BY random() LIMIT 50`;
  figures.push(await measure('detail: one record with its timeline', 50, (i) => records.detail(ids[i % ids.length]!.id, all)));

  // ── The charts: all of them are added up from the daily statistics rows (one query), for a year
  // and for a quarter of one department; then, for comparison, the per-consultation scans the
  // rollup replaces (hour-of-day counts and the wait percentile straight from Consultation).
  const lastDay = new Date(lastMs + 9 * 3_600_000).toISOString().slice(0, 10);
  const dayBefore = (days: number) => new Date(lastMs + 9 * 3_600_000 - days * 86_400_000).toISOString().slice(0, 10);
  for (const [label, filter] of [
    ['12 months, all departments', { from: dayBefore(365), to: lastDay }],
    ['3 months, one department', { from: dayBefore(91), to: lastDay, departmentId: tax.id }],
    ['12 months, one site', { from: dayBefore(365), to: lastDay, siteId: sites[0]!.id }],
  ] as const) {
    figures.push(await measure(`charts: daily rows read (${label})`, 20, () => db.$queryRaw(dailyStatement(filter))));
    await explain(db, `daily rows (${label})`, dailyStatement(filter));
    figures.push(await measure(`charts: every chart, rows added up (${label})`, 20, () => records.stats(filter, { thresholdSeconds: 60 })));
    figures.push(await measure(`per staff member, per 相談種別, callbacks (${label})`, 20, () => breakdown.compute(filter)));
  }
  const yearFrom = new Date(lastMs - 365 * 86_400_000).toISOString().replace('Z', '+00:00');
  const perRow = {
    'hour-of-day counts': Prisma.sql`SELECT CAST(strftime('%H', requestedAt, '+540 minutes') AS INTEGER) AS hour, COUNT(*) FROM Consultation WHERE requestedAt >= ${yearFrom} GROUP BY hour`,
    'wait histogram per department': Prisma.sql`SELECT departmentId, (waitMs + 999) / 1000 AS s, COUNT(*) FROM Consultation WHERE requestedAt >= ${yearFrom} AND waitMs IS NOT NULL GROUP BY departmentId, s`,
  };
  for (const [name, statement] of Object.entries(perRow)) {
    figures.push(await measure(`without the rollup: ${name} scanned per consultation (12 months)`, 5, () => db.$queryRaw(statement)));
  }

  await db.$disconnect();
  const slowest = figures.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  console.log(`slowest p95: ${slowest.name} ${slowest.p95.toFixed(1)} ms`);
  console.log(
    `machine: ${JSON.stringify({
      bench: 'records',
      consultations: total,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      figures: figures.map((f) => ({ name: f.name, p50: Number(f.p50.toFixed(1)), p95: Number(f.p95.toFixed(1)) })),
    })}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

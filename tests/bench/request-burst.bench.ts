/**
 * A burst of consultation requests against the real server process (`npm start`'s, on SQLite):
 * 3,000 connected tablets asking for 福祉課 at 1,500 requests/s, nobody answering.
 *
 *   npx tsx tests/bench/request-burst.bench.ts      (BURST_TABLETS=…, BURST_RATE=… requests/s; 0: all at once)
 *
 * The burst runs twice: on an empty day, and again after 100,000 consultations of the same day,
 * department and site are on record, so that a cost that grows with the day shows. For each it
 * prints the requests acknowledged per second, each tablet's time from its ack to its first queue
 * position, /api/health's answer times during the burst (polled every 50 ms by a process of its own),
 * sockets dropped, and how long the records writer took to put the burst in the database.
 * Targets (issue 17) are printed as met/MISSED; nothing about time is asserted.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { rebuildAllDerived } from '@madoguchi/db';
import type { HealthResponse } from '@madoguchi/protocol';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { watchHealth } from '../e2e/support/healthWatch.ts';
import { startServer, type RunningServer } from '../e2e/support/server.ts';
import { ALWAYS_OPEN } from '../../signaling/src/routing/core/index.ts';
import { cpuMs, rssBytes } from './load/procStat.ts';

const TABLETS = Number(process.env.BURST_TABLETS ?? 3_000);
const RATE = Number(process.env.BURST_RATE ?? 1_500);
/** The requests go out in slices this far apart (at RATE, a few each). */
const SLICE_MS = 10;
const DAY_ON_RECORD = 100_000;

interface Tablet {
  client: ProtocolClient;
  disconnects: number;
  consultationId?: string;
  sentAt?: number;
  ackedAt?: number;
  firstPositionAt?: number;
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (value: number) => `${value.toFixed(0)} ms`;
const target = (met: boolean, what: string) => console.log(`[target] ${what}: ${met ? 'met' : 'MISSED'}`);
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function health(server: RunningServer): Promise<HealthResponse> {
  return (await (await fetch(`${server.url}/api/health`)).json()) as HealthResponse;
}

/** Resolves once the records writer holds nothing; returns how long that took. */
async function recordsDrained(server: RunningServer): Promise<number> {
  const started = performance.now();
  while ((await health(server)).records.buffered > 0) await sleep(20);
  return performance.now() - started;
}

/** Run `task` over `items`, `parallel` at a time. */
async function inParallel<T>(items: T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

async function connectTablet(server: RunningServer, token: string): Promise<Tablet> {
  const client = ProtocolClient.connect(token, server.url);
  const tablet: Tablet = { client, disconnects: 0 };
  client.socket.on('disconnect', () => (tablet.disconnects += 1));
  client.on('consultation:status', ({ consultationId, queuePosition }) => {
    if (queuePosition !== null && consultationId === tablet.consultationId && tablet.firstPositionAt === undefined) {
      tablet.firstPositionAt = performance.now();
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', () => resolve());
    client.socket.once('connect_error', reject);
  });
  return tablet;
}

/** Every tablet asks at once; resolves when every one has its ack and its first queue position. */
async function burst(server: RunningServer, tablets: Tablet[], departmentId: string, label: string): Promise<void> {
  for (const tablet of tablets) Object.assign(tablet, { consultationId: undefined, sentAt: undefined, ackedAt: undefined, firstPositionAt: undefined });
  const disconnectsBefore = tablets.reduce((sum, tablet) => sum + tablet.disconnects, 0);
  const started = Date.now();
  const watch = watchHealth(server.url, { since: started, intervalMs: 50 });
  await sleep(300); // the watcher's first answers come from a quiet server
  const burstStart = performance.now();
  const cpuBefore = cpuMs(server.pid());
  const burstStartAtMs = Date.now() - started;
  const refusals = new Map<string, number>();
  const perSlice = RATE > 0 ? Math.max(1, Math.round((RATE * SLICE_MS) / 1000)) : tablets.length;
  const acks = tablets.map(async (tablet, index) => {
    const due = burstStart + Math.floor(index / perSlice) * SLICE_MS;
    if (due > performance.now()) await sleep(due - performance.now());
    tablet.sentAt = performance.now();
    try {
      const { consultationId, queuePosition } = await tablet.client.request('consultation:request', { departmentId });
      tablet.ackedAt = performance.now();
      tablet.consultationId = consultationId;
      if (queuePosition !== null) tablet.firstPositionAt ??= tablet.ackedAt; // the ack carries it
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    }
  });
  await Promise.all(acks);
  const lastAck = performance.now();
  const deadline = Date.now() + 30_000;
  while (tablets.some((tablet) => tablet.ackedAt !== undefined && tablet.firstPositionAt === undefined) && Date.now() < deadline) await sleep(20);
  const drainMs = await recordsDrained(server);
  const drainedAt = performance.now();
  const serverCpuMs = cpuMs(server.pid()) - cpuBefore;
  const rssAfter = rssBytes(server.pid());
  await sleep(300);
  const during = (await watch.stop()).filter((sample) => sample.atMs >= burstStartAtMs && sample.atMs <= burstStartAtMs + (drainedAt - burstStart));

  const acked = tablets.filter((tablet) => tablet.ackedAt !== undefined);
  const rate = acked.length / ((lastAck - burstStart) / 1000);
  const ackLatencies = acked.map((tablet) => tablet.ackedAt! - tablet.sentAt!);
  const positioned = tablets.filter((tablet) => tablet.firstPositionAt !== undefined);
  const toPosition = positioned.map((tablet) => Math.max(0, tablet.firstPositionAt! - tablet.ackedAt!));
  const healthTimes = during.map((sample) => sample.ms);
  const disconnects = tablets.reduce((sum, tablet) => sum + tablet.disconnects, 0) - disconnectsBefore;
  const writeSeconds = (drainedAt - burstStart) / 1000;

  console.log(`\n${label}`);
  for (const [reason, count] of refusals) console.log(`  ${count} requests failed: ${reason}`);
  console.log(`  sent ${RATE > 0 ? `at ${RATE} requests/s` : 'all at once'}`);
  console.log(`  ${acked.length} requests acknowledged in ${((lastAck - burstStart) / 1000).toFixed(2)} s: ${rate.toFixed(0)} requests/s; ack p50 ${ms(percentile(ackLatencies, 0.5))}, p99 ${ms(percentile(ackLatencies, 0.99))}`);
  const withAck = positioned.filter((tablet) => tablet.firstPositionAt === tablet.ackedAt).length;
  console.log(`  first queue position after the ack: ${positioned.length}/${tablets.length} got one (${withAck} in the ack itself); p50 ${ms(percentile(toPosition, 0.5))}, p99 ${ms(percentile(toPosition, 0.99))}, max ${ms(Math.max(...toPosition))}`);
  console.log(`  /api/health during the burst: ${healthTimes.length} answers, p50 ${ms(percentile(healthTimes, 0.5))}, max ${ms(Math.max(...healthTimes))}`);
  console.log(`    each (sent after the burst began → answer time, database): ${during.map((sample) => `+${((sample.atMs - burstStartAtMs) / 1000).toFixed(2)} s ${ms(sample.ms)} ${sample.database}`).join(', ')}`);
  console.log(`  records: every request in the database ${writeSeconds.toFixed(2)} s after the burst began (${ms(drainMs)} after the last position); ${(writeSeconds * 1e6 / tablets.length).toFixed(0)} µs of wall time per request`);
  console.log(`  sockets dropped: ${disconnects}`);
  console.log(`  server process CPU (all its threads, from /proc): ${(serverCpuMs / 1000).toFixed(2)} s, ${((serverCpuMs * 1000) / tablets.length).toFixed(0)} µs per request; RSS after the burst ${(rssAfter / 1048576).toFixed(0)} MB`);
  target(rate >= 1_000 && refusals.size === 0, `≥ 1,000 requests/s, every one acknowledged (${rate.toFixed(0)}/s, ${acked.length}/${tablets.length})`);
  target(disconnects === 0, `0 disconnects (${disconnects})`);
  target(healthTimes.length > 0 && Math.max(...healthTimes) <= 200, `/api/health ≤ 200 ms during the burst (max ${ms(Math.max(...healthTimes))})`);
  target(positioned.length === tablets.length && Math.max(...toPosition) <= 1_000, `every tablet's first position ≤ 1 s after its ack (max ${ms(Math.max(...toPosition))})`);
}

/** End every request of the burst as the resident would (取り消し), and wait for the records. */
async function cancelAll(server: RunningServer, tablets: Tablet[]): Promise<void> {
  await inParallel(tablets, 100, async (tablet) => {
    if (tablet.consultationId) await tablet.client.request('consultation:cancel', { consultationId: tablet.consultationId });
  });
  await recordsDrained(server);
}

/**
 * 100,000 ended consultations of today for the department and site, written as an import would, with
 * their derived data. Run as `tsx request-burst.bench.ts fill <file> <department> <site> <device>` in a
 * process of its own: ten seconds of synchronous SQLite here would stop this process answering its
 * sockets' pings, and the server would rightly drop them all.
 */
function fillTheDay(file: string, departmentId: string, siteId: string, deviceId: string): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const iso = (at: number) => new Date(at).toISOString().replace('Z', '+00:00');
  const insertConsultation = db.prepare(
    `INSERT INTO Consultation (id, siteId, deviceId, departmentId, requestedAt, endedAt, outcome, endedBy) VALUES (?, ?, ?, ?, ?, ?, 'completed', 'operator')`,
  );
  const insertEvent = db.prepare('INSERT INTO ConsultationEvent (consultationId, type, at, actorType) VALUES (?, ?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < DAY_ON_RECORD; i += 1) {
      const id = randomUUID();
      const requestedAt = now - 1_000 - (i % 3_600) * 10; // the last 36 s: the same local day as the burst
      insertConsultation.run(id, siteId, deviceId, departmentId, iso(requestedAt), iso(requestedAt + 600_000));
      insertEvent.run(id, 'requested', iso(requestedAt), 'device');
      insertEvent.run(id, 'answered', iso(requestedAt + 30_000), 'staff');
      insertEvent.run(id, 'ended', iso(requestedAt + 600_000), 'staff');
    }
  })();
  for (const statement of rebuildAllDerived('sqlite')) db.exec(statement);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function fillTheDayElsewhere(...args: [file: string, departmentId: string, siteId: string, deviceId: string]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'fill', ...args], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`filling the day failed (${code})`);
}

if (process.argv[2] === 'fill') {
  const [file, departmentId, siteId, deviceId] = process.argv.slice(3) as [string, string, string, string];
  fillTheDay(file, departmentId, siteId, deviceId);
  process.exit(0);
}

const server = await startServer({ MEDIA_WORKERS: '1' }, { routing: { wrapUpSeconds: 0, hours: ALWAYS_OPEN as never, closedDates: [], annualClosures: [] } });
const tablets: Tablet[] = [];
let operator: ProtocolClient | undefined;
try {
  const [welfare] = server.query<{ id: string }>("SELECT id FROM Department WHERE code = 'welfare'");
  const [site] = server.query<{ id: string; name: string }>("SELECT id, name FROM Site ORDER BY name LIMIT 1");
  // Logged in and away: the department is staffed, so requests wait instead of being refused.
  operator = ProtocolClient.connect(await server.login('welfare1'), server.url);

  const registering = performance.now();
  const tokens: string[] = [];
  await inParallel(Array.from({ length: TABLETS }, (_, i) => i), 8, async () => {
    tokens.push(await server.registerTablet(site!.name));
  });
  const connecting = performance.now();
  await inParallel(tokens, 50, async (token) => {
    tablets.push(await connectTablet(server, token));
  });
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
  console.log(`${TABLETS} tablets registered in ${((connecting - registering) / 1000).toFixed(1)} s and connected in ${((performance.now() - connecting) / 1000).toFixed(1)} s`);

  await burst(server, tablets, welfare!.id, `burst 1: ${TABLETS} tablets ask for 福祉課 at once, on an empty day`);
  await cancelAll(server, tablets);

  const [device] = server.query<{ id: string }>('SELECT id FROM Device WHERE siteId = ? LIMIT 1', site!.id);
  const filling = performance.now();
  await fillTheDayElsewhere(server.databaseFile, welfare!.id, site!.id, device!.id);
  console.log(`\n${DAY_ON_RECORD.toLocaleString('en')} consultations of today put on record for 福祉課 at ${site!.name} in ${((performance.now() - filling) / 1000).toFixed(1)} s`);
  await burst(server, tablets, welfare!.id, `burst 2: the same, after ${DAY_ON_RECORD.toLocaleString('en')} consultations today`);
  await cancelAll(server, tablets);
} finally {
  for (const tablet of tablets) tablet.client.close();
  operator?.close();
  await server.stop();
}

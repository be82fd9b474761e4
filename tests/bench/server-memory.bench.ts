/**
 * The built server (`npm start`'s command) on the default configuration — as many media workers as
 * cores — and what it costs in memory: start-up to ready, idle RSS of the server process (45 s after ready: V8 gives back the young generation start-up grew only after ~20 s idle), split into
 * file-backed pages — node's binary and the native modules' code — and anonymous memory, with V8's
 * heap and the memory outside it as the server itself reports them) and of each mediasoup worker
 * (separate processes), RSS per idle tablet socket at 500, 1,000 and 2,000 sockets
 * (real device tokens, real socket.io clients), and the heap per waiting consultation while 100 wait
 * (after a full garbage collection, asked for through the inspector).
 *
 *   npx tsx tests/bench/server-memory.bench.ts      (MEMORY_BENCH_SOCKETS=500,1000,2000)
 *
 * Prints figures; asserts nothing about time or size.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { readFileSync } from 'node:fs';
import { SERVER_ARGS, SERVER_ENV, startServer, type RunningServer } from '../e2e/support/server.ts';
import { ALWAYS_OPEN } from '../../signaling/src/routing/core/index.ts';
import { connectClient } from './connectClient.ts';
import { inspect } from './inspectServer.ts';
import { rssBytes } from './load/procStat.ts';

const STEPS = (process.env.MEMORY_BENCH_SOCKETS ?? '500,1000,2000').split(',').map(Number);
const WAITING = 100;
/** Each step stops connecting after this long, and says how far it got. */
const STEP_DEADLINE_MS = 90_000;
/** Quiet time before each reading, so that start-up or connection garbage is collected. */
const SETTLE_MS = 5_000;
/**
 * How long the idle server is watched before its idle RSS is read. V8 grows the young generation
 * during start-up and its memory reducer gives it back only once allocation has stayed low for a
 * while (20–25 s after ready on this machine); before that the reading is start-up's, not idle's.
 */
const IDLE_WATCH_MS = 45_000;
/** A fall of RSS between two readings a second apart that is the collector's, not noise. */
const RELEASE_BYTES = 2 * 1048576;
const IDLE_TARGET_MB = 90;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Run `task` over `items`, `parallel` at a time, until `deadline`; returns how many were done. */
async function inParallel<T>(items: T[], parallel: number, deadline: number, task: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length && performance.now() < deadline) {
      await task(items[next++]!);
      done += 1;
    }
  }));
  return done;
}

/** Resident and anonymous memory of a process, from /proc/<pid>/smaps_rollup (the rest of its RSS is file-backed). */
function residentSplit(pid: number): { rss: number; anonymous: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1]) * 1024;
  return { rss: kB('Rss'), anonymous: kB('Anonymous') };
}

const cores = os.availableParallelism();
const server = await startServer(
  { MEDIA_WORKERS: String(cores), NODE_OPTIONS: '--inspect-port=127.0.0.1:0' },
  { routing: { wrapUpSeconds: 0, hours: ALWAYS_OPEN as never, closedDates: [], annualClosures: [] } },
);
const clients: ProtocolClient[] = [];
let inspector: Awaited<ReturnType<typeof inspect>> | undefined;
try {
  const readyMs = Number(/ready ([\d.]+) s after the process started/.exec(server.output())?.[1]) * 1000;
  const atReady = rssBytes(server.pid()); // startServer() returns once it answered, logged the admin in and set the routing
  const watchStart = performance.now();
  const readings: { afterMs: number; rss: number }[] = [];
  while (performance.now() - watchStart < IDLE_WATCH_MS) {
    await sleep(1_000);
    readings.push({ afterMs: performance.now() - watchStart, rss: rssBytes(server.pid()) });
  }
  const early = readings.find(({ afterMs }) => afterMs >= SETTLE_MS) ?? readings[0]!;
  const release = readings.findLast((reading, i) => i > 0 && readings[i - 1]!.rss - reading.rss >= RELEASE_BYTES);
  const idle = residentSplit(server.pid());
  const workers = await server.sfuWorkers();
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  const env = Object.entries(SERVER_ENV).map(([name, value]) => `${name}=${value} `).join('');
  console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
  console.log(`server: ${env}node ${SERVER_ARGS.join(' ')} (npm start), ${workers.length} media workers`);
  console.log(`start-up to ready: ${(readyMs / 1000).toFixed(2)} s (the server's own banner, from its process start)`);
  console.log(`RSS once ready (after an admin login and a routing change): ${mb(atReady)}`);
  console.log(`RSS ${SETTLE_MS / 1000} s later: ${mb(early.rss)}`);
  const released = release ? `; V8's memory reducer gave back ${mb(readings[readings.indexOf(release) - 1]!.rss - release.rss)} ${(release.afterMs / 1000).toFixed(0)} s after ready` : '; nothing given back meanwhile';
  console.log(`idle RSS ${IDLE_WATCH_MS / 1000} s after ready${released}: server process ${mb(idle.rss)} (target ≤ ${IDLE_TARGET_MB} MB: ${idle.rss <= IDLE_TARGET_MB * 1048576 ? 'met' : 'MISSED'}); media workers ${workers.map(({ pid }) => mb(rssBytes(pid))).join(', ')} (separate processes, not counted)`);
  console.log(`  file-backed ${mb(idle.rss - idle.anonymous)} (node's binary and the native modules' code, shared with other processes that map them), anonymous ${mb(idle.anonymous)}`);
  // What the server itself reports, read after the figures above: the inspector, opened now and kept
  // for the heap per consultation below, costs memory of its own (in every figure from here on).
  inspector = await inspect(server);
  const usage = (await inspector.evaluate(
    '(() => { const m = process.memoryUsage(); return { heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }; })()',
  )) as { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  console.log(`  of the anonymous memory: V8's heap ${mb(usage.heapTotal)} (${mb(usage.heapUsed)} in use), external to it ${mb(usage.external)} (array buffers ${mb(usage.arrayBuffers)}); the rest is malloc's (native modules, V8's compilers, OpenSSL) and thread stacks`);

  // Tablets registered as an admin would (each its own device and token) at the four demo sites.
  const sites = server.query<{ name: string }>('SELECT name FROM Site ORDER BY name').map(({ name }) => name);
  const tokens: string[] = [];
  const wanted = Math.max(...STEPS);
  const registered = performance.now();
  await inParallel(Array.from({ length: wanted }, (_, i) => i), 8, Infinity, async (i) => {
    tokens.push(await server.registerTablet(sites[i % sites.length]!));
  });
  console.log(`${tokens.length} tablets registered in ${((performance.now() - registered) / 1000).toFixed(1)} s`);
  await sleep(SETTLE_MS);
  const before = rssBytes(server.pid());

  for (const step of STEPS) {
    const deadline = performance.now() + STEP_DEADLINE_MS;
    const started = performance.now();
    await inParallel(tokens.slice(clients.length, step), 50, deadline, async (token) => {
      clients.push(await connectClient(server, token));
    });
    const seconds = (performance.now() - started) / 1000;
    await sleep(SETTLE_MS);
    const now = rssBytes(server.pid());
    const note = clients.length < step ? ` (stopped after ${STEP_DEADLINE_MS / 1000} s)` : '';
    console.log(`${clients.length} idle tablet sockets${note}: server RSS ${mb(now)}, ${kb((now - before) / clients.length)} per socket (connected in ${seconds.toFixed(1)} s)`);
  }

  // 100 residents waiting for 福祉課, whose operator is logged in and away: they queue, nobody answers.
  const [welfare] = server.query<{ id: string }>("SELECT id FROM Department WHERE code = 'welfare'");
  const waiting = clients.slice(0, WAITING); // tablets only (fewer with MEMORY_BENCH_SOCKETS below 100)
  clients.push(await connectClient(server, await server.login('welfare1')));
  const heapBefore = await inspector.heapUsed();
  for (const tablet of waiting) await tablet.request('consultation:request', { departmentId: welfare!.id });
  await sleep(1_000); // the records writer has the requests
  const heapAfter = await inspector.heapUsed();
  console.log(`${waiting.length} consultations waiting: server heap ${mb(heapBefore)} → ${mb(heapAfter)}, ${kb((heapAfter - heapBefore) / waiting.length)} per waiting consultation`);
} finally {
  inspector?.close();
  for (const client of clients) client.close();
  await server.stop();
}

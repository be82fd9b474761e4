/**
 * Sockets per signaling node (issue 12): the built server (`npm start`'s command) with idle tablet
 * sockets, alone and then behind socket.io's Redis adapter (REDIS_URL, a real redis-server), and for
 * each step:
 * - the server's heap per socket after a full garbage collection (from one step to the next; RSS
 *   follows the collector more than the sockets), and its RSS;
 * - its CPU while the sockets are idle (the server pings each every 5 s, Gateway.ts), per 1,000 sockets;
 * - a push to every tablet: an operator goes 受付可 or 離席, which changes what every tablet's home
 *   screen shows for 福祉課 (`departments:availability`); from the presence change to the last tablet
 *   told, and the server's CPU for it (above its idle CPU over the same time). The tablets are all
 *   in this one process, so their own handling is in the time.
 *
 *   npx tsx tests/bench/sockets-per-node.bench.ts      (SOCKETS_BENCH_STEPS=1000,2000,4000)
 *
 * Prints figures; asserts nothing about time or size.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { startServer, type RunningServer } from '../e2e/support/server.ts';
import { ALWAYS_OPEN } from '../../signaling/src/routing/core/index.ts';
import { startTestRedis, type TestRedis } from '../../signaling/test/redisServer.ts';
import { connectClient } from './connectClient.ts';
import { inspect } from './inspectServer.ts';
import { cpuMs, rssBytes } from './load/procStat.ts';

const STEPS = (process.env.SOCKETS_BENCH_STEPS ?? '1000,2000,4000').split(',').map(Number);
/** Quiet time before each reading, so that connection garbage is collected. */
const SETTLE_MS = 5_000;
/** The idle CPU is read over this long: four of the server's ping intervals. */
const IDLE_WINDOW_MS = 20_000;
const PUSHES = 8;
/** Between two presence changes: longer than the feed's interval for 4,000 tablets (1.6 s). */
const PUSH_GAP_MS = 3_000;
const PUSH_DEADLINE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

interface Tablet {
  client: ProtocolClient;
  /** When it was last told the departments' availability. */
  toldAt: number;
}

async function measure(label: string, server: RunningServer): Promise<void> {
  const wanted = Math.max(...STEPS);
  const sites = server.query<{ name: string }>('SELECT name FROM Site ORDER BY name').map(({ name }) => name);
  const tokens: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < wanted) tokens.push(await server.registerTablet(sites[next++ % sites.length]!));
    }),
  );
  const tablets: Tablet[] = [];
  const operator = await connectClient(server, await server.login('welfare1'));
  const inspector = await inspect(server);
  try {
    await operator.request('presence:set', { presence: 'away' });
    let previous = { sockets: 0, heap: await inspector.heapUsed() };
    const baselineFrom = cpuMs(server.pid());
    await sleep(IDLE_WINDOW_MS);
    const baselinePerMs = (cpuMs(server.pid()) - baselineFrom) / IDLE_WINDOW_MS;
    console.log(`${label}, no tablet socket: server CPU ${(baselinePerMs * 1000).toFixed(1)} ms/s (its timers, the operator's socket)`);
    for (const step of STEPS) {
      const connecting = performance.now();
      const pending = tokens.slice(tablets.length, step);
      let index = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (index < pending.length) {
            const tablet: Tablet = { client: await connectClient(server, pending[index++]!), toldAt: 0 };
            tablet.client.on('departments:availability', () => (tablet.toldAt = performance.now()));
            tablets.push(tablet);
          }
        }),
      );
      const connectSeconds = (performance.now() - connecting) / 1000;
      await sleep(SETTLE_MS);
      const rss = rssBytes(server.pid());
      const heap = await inspector.heapUsed();
      const perSocket = `${((heap - previous.heap) / (tablets.length - previous.sockets) / 1024).toFixed(1)} KB of heap per socket since ${previous.sockets}`;
      previous = { sockets: tablets.length, heap };

      const idleFrom = cpuMs(server.pid());
      await sleep(IDLE_WINDOW_MS);
      const idlePerMs = (cpuMs(server.pid()) - idleFrom) / IDLE_WINDOW_MS;

      const lastTold: number[] = [];
      let pushCpu = 0;
      let missed = 0;
      for (let push = 0; push < PUSHES; push += 1) {
        await sleep(PUSH_GAP_MS);
        const cpuFrom = cpuMs(server.pid());
        const sent = performance.now();
        await operator.request('presence:set', { presence: push % 2 === 0 ? 'available' : 'away' });
        while (tablets.some((tablet) => tablet.toldAt < sent) && performance.now() - sent < PUSH_DEADLINE_MS) await sleep(2);
        // The server's CPU from the change to the last tablet told, less what it spends idle in that time.
        pushCpu += cpuMs(server.pid()) - cpuFrom - idlePerMs * (performance.now() - sent);
        missed += tablets.filter((tablet) => tablet.toldAt < sent).length;
        lastTold.push(Math.max(...tablets.map((tablet) => tablet.toldAt)) - sent);
      }
      console.log(
        `${label}, ${tablets.length} idle tablet sockets (connected in ${connectSeconds.toFixed(1)} s): server heap ${mb(heap)} (${perSocket}), RSS ${mb(rss)}; ` +
          `idle CPU ${(idlePerMs * 1000).toFixed(1)} ms/s (${(((idlePerMs - baselinePerMs) * 1000 * 1000) / tablets.length).toFixed(1)} ms/s per 1,000 sockets above none); ` +
          `a push to every tablet: the last one told ${median(lastTold).toFixed(0)} ms after the presence change (median of ${PUSHES}; ` +
          `${Math.min(...lastTold).toFixed(0)}–${Math.max(...lastTold).toFixed(0)}), server CPU ${(pushCpu / PUSHES).toFixed(0)} ms per push ` +
          `(${((pushCpu / PUSHES / tablets.length) * 1000).toFixed(0)} µs per tablet, ±10 ms: /proc counts in ticks)${missed ? `; ${missed} tablets not told within ${PUSH_DEADLINE_MS / 1000} s` : ''}`,
      );
    }
  } finally {
    inspector.close();
    operator.close();
    for (const tablet of tablets) tablet.client.close();
  }
}

const routing = { routing: { wrapUpSeconds: 0, hours: ALWAYS_OPEN as never, closedDates: [], annualClosures: [] } };
console.log(`machine: ${os.cpus()[0]?.model.trim() ?? 'unknown cpu'} × ${os.cpus().length} cores, node ${process.version}`);
for (const mode of ['alone', 'behind the Redis adapter'] as const) {
  let redis: TestRedis | undefined;
  let server: RunningServer | undefined;
  try {
    redis = mode === 'alone' ? undefined : await startTestRedis();
    server = await startServer({ MEDIA_WORKERS: '1', NODE_OPTIONS: '--inspect-port=127.0.0.1:0', ...(redis ? { REDIS_URL: redis.url } : {}) }, routing);
    await measure(`${mode}`, server);
  } finally {
    await server?.stop();
    await redis?.stop();
  }
}

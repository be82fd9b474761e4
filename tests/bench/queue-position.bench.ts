/**
 * How soon a waiting tablet knows its place, through the built server on loopback: 20 tablets ask
 * for 福祉課 one after another (a quiet moment between requests), then the resident at the head of
 * the queue leaves, one at a time, and everyone behind moves up.
 *
 *   npx tsx tests/bench/queue-position.bench.ts
 *
 * Prints p50/p95 of request → first queue position (the ack carries it) and of a departure → the
 * new place on each tablet behind (a queue push: immediate on the leading edge, coalesced only in
 * bursts). Asserts nothing about time.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { startServer } from '../e2e/support/server.ts';
import { ALWAYS_OPEN } from '../../signaling/src/routing/core/index.ts';

const TABLETS = 20;
/** Longer than the push interval (200 ms): each change comes after a quiet moment. */
const QUIET_MS = 300;
const TARGET_P50_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const summary = (values: number[]) => `p50 ${percentile(values, 0.5).toFixed(1)} ms, p95 ${percentile(values, 0.95).toFixed(1)} ms (${values.length} samples)`;

interface Tablet {
  client: ProtocolClient;
  consultationId?: string;
  /** The place it was last told, and when. */
  place?: number;
  toldAt?: number;
}

const server = await startServer({ MEDIA_WORKERS: '1' }, { routing: { wrapUpSeconds: 0, hours: ALWAYS_OPEN as never, closedDates: [], annualClosures: [] } });
const tablets: Tablet[] = [];
let operator: ProtocolClient | undefined;
try {
  const [welfare] = server.query<{ id: string }>("SELECT id FROM Department WHERE code = 'welfare'");
  operator = ProtocolClient.connect(await server.login('welfare1'), server.url); // logged in, away: requests wait
  for (let i = 0; i < TABLETS; i += 1) {
    const tablet: Tablet = { client: ProtocolClient.connect(await server.registerTablet('清滝郵便局'), server.url) };
    tablet.client.on('consultation:status', ({ consultationId, queuePosition }) => {
      if (consultationId !== tablet.consultationId || queuePosition === null || queuePosition === tablet.place) return;
      tablet.place = queuePosition;
      tablet.toldAt = performance.now();
    });
    await new Promise<void>((resolve, reject) => tablet.client.socket.once('connect', () => resolve()).once('connect_error', reject));
    tablets.push(tablet);
  }

  const firstPosition: number[] = [];
  for (const tablet of tablets) {
    await sleep(QUIET_MS);
    const sent = performance.now();
    const ack = await tablet.client.request('consultation:request', { departmentId: welfare!.id });
    tablet.consultationId = ack.consultationId;
    if (ack.queuePosition !== null) {
      tablet.place ??= ack.queuePosition;
      tablet.toldAt ??= performance.now();
    }
    if (tablet.toldAt !== undefined) firstPosition.push(tablet.toldAt - sent);
  }

  const moveUp: number[] = [];
  while (tablets.length > 1) {
    await sleep(QUIET_MS);
    const head = tablets.shift()!;
    const left = performance.now();
    await head.client.request('consultation:cancel', { consultationId: head.consultationId! });
    const deadline = performance.now() + 5_000;
    while (tablets.some((tablet, index) => tablet.place !== index + 1) && performance.now() < deadline) await sleep(1);
    for (const tablet of tablets) if (tablet.toldAt! > left) moveUp.push(tablet.toldAt! - left);
    head.client.close();
  }

  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
  console.log(`request → first queue position, ${TABLETS} tablets one after another: ${summary(firstPosition)}`);
  console.log(`the head of the queue leaves → the new place on each tablet behind: ${summary(moveUp)}`);
  const p50 = percentile(firstPosition, 0.5);
  console.log(`[target] first queue position ≤ ${TARGET_P50_MS} ms (p50 ${p50.toFixed(1)} ms): ${p50 <= TARGET_P50_MS ? 'met' : 'MISSED'}`);
} finally {
  for (const tablet of tablets) tablet.client.close();
  operator?.close();
  await server.stop();
}

/**
 * From an operator becoming available to the offer reaching their socket, on loopback, through the
 * real server (socket.io, routing core, SQLite records) with 1,000 tablets waiting for the department.
 *
 *   npx tsx tests/bench/offer-latency.bench.ts
 *
 * "Becoming available" is the operator's decline of the offer in hand: the decline makes them
 * available and the core offers the next resident at once. Measured from sending offer:decline to
 * receiving the next offer:incoming, so it includes the decline's trip to the server. Prints figures;
 * asserts nothing about time.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { issueDeviceToken } from '../../signaling/src/devices.ts';
import { nextEvent, startTestServer } from '../../signaling/test/harness.ts';

const WAITING = 1_000;
const SAMPLES = 500;

const t = await startTestServer();
try {
  const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
  const site = await t.db.site.findFirstOrThrow();
  const operator = await t.connect(await t.staffToken('welfare1')); // logged in, away: requests wait

  const started = performance.now();
  const tablets: ProtocolClient[] = [];
  for (let i = 0; i < WAITING; i += 1) {
    const { token } = await issueDeviceToken(t.db, t.server.tokens, { siteId: site.id, name: `bench ${i}` });
    const tablet = await t.connect(token);
    await tablet.request('consultation:request', { departmentId });
    tablets.push(tablet);
  }
  const queued = performance.now() - started;

  let offer = nextEvent(operator, 'offer:incoming', () => true, 10_000);
  await operator.request('presence:set', { presence: 'available' });
  let current = (await offer).consultationId;
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    offer = nextEvent(operator, 'offer:incoming', () => true, 10_000);
    const sent = performance.now();
    await operator.request('offer:decline', { consultationId: current });
    current = (await offer).consultationId;
    latencies.push(performance.now() - sent);
  }

  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
  console.log(`${WAITING} tablets queued for 福祉課 in ${(queued / 1000).toFixed(1)} s (socket + request + record each)`);
  console.log(
    `operator available → offer on their socket (loopback, ${SAMPLES} samples, queue ${WAITING}→${WAITING - SAMPLES}): ` +
      `p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  p99 ${at(0.99)} ms  max ${latencies.at(-1)!.toFixed(2)} ms`,
  );
  for (const tablet of tablets) tablet.close();
  operator.close();
} finally {
  await t.close();
}

/**
 * Routing decisions per second on a cluster's routing owner (issue 12): the same city and scenarios
 * as routing.bench.ts, with the routing state mirrored to a real Redis (Debian's redis-server, started
 * here on 127.0.0.1) as the owner keeps it — every change phrased as Redis commands
 * (MirroredRoutingStore) and written in order, in batches, through the owner's fenced write
 * (OwnerLease: one Lua call per batch, refused once another node holds the lease).
 *
 *   npx tsx tests/bench/routing-redis.bench.ts
 *
 * The owner answers from memory and does not wait for its writes; what a busy owner can sustain is
 * set by how fast the writes drain. So each figure is the whole run, from the first command to the
 * last batch confirmed by Redis, with the scenario's cycles (each ends in one decision) arriving
 * `perTurn` to a turn of the event loop (1: a quiet owner, each socket message in a turn of its own;
 * 20: a burst, whose changes go in one write). Printed beside it: Redis commands and fenced writes per
 * decision, and the CPU of this process and of redis-server per decision. A script that
 * prints figures; it asserts nothing about time.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { MirroredRoutingStore, RoutingMirrorWriter, type RedisCommand } from '../../signaling/src/cluster/RoutingMirror.ts';
import { OwnerLease } from '../../signaling/src/cluster/OwnerLease.ts';
import { startTestRedis } from '../../signaling/test/redisServer.ts';
import { cpuMs } from './load/procStat.ts';
import { arrivalFindsOperator, DEPARTMENTS, OPERATORS, operatorFreesUp, WAITING } from './routingCity.ts';
import type { RoutingStore } from '../../signaling/src/routing/core/RoutingStore.ts';

type Scenario = (store: RoutingStore) => () => { run: (i: number) => number; decisions: () => number };

const SCENARIOS: { name: string; iterations: number; scenario: Scenario }[] = [
  { name: 'operator frees up, 10,000 waiting', iterations: 20_000, scenario: (store) => operatorFreesUp(false, store) },
  { name: 'resident arrives, 500 operators free', iterations: 20_000, scenario: (store) => () => arrivalFindsOperator(store) },
];
const TURNS = [1, 20];

async function measure(redis: Redis, redisPid: number, city: string, scenario: Scenario, iterations: number, perTurn: number) {
  let owned: () => void = () => {};
  const acquired = new Promise<void>((resolve) => (owned = resolve));
  const lease = new OwnerLease({ redis, name: `routing:${city}`, nodeId: 'bench', ttlMs: 30_000, onAcquired: () => owned(), onLost: () => {} });
  lease.start();
  await acquired;
  try {
    const store = new MirroredRoutingStore(city);
    let commands = 0;
    let batches = 0;
    const writer = new RoutingMirrorWriter(store, (batch: RedisCommand[]) => {
      commands += batch.length;
      batches += 1;
      return lease.fencedWrite(batch);
    });
    const bench = scenario(store)();
    // The city's set-up (10,000 residents waiting, 500 operators) is written first and not counted.
    writer.schedule();
    await writer.flushed();
    /** Runs cycles [from, to), `perTurn` to a turn of the event loop, and waits for their writes. */
    const drive = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        bench.run(i);
        writer.schedule();
        if (i % perTurn === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await writer.flushed();
    };
    const warmUp = 1_000;
    await drive(0, warmUp);
    const before = { decisions: bench.decisions(), commands, batches, cpu: process.cpuUsage(), redisCpuMs: cpuMs(redisPid), at: performance.now() };
    await drive(warmUp, warmUp + iterations);
    const ms = performance.now() - before.at;
    const cpu = process.cpuUsage(before.cpu);
    const decisions = bench.decisions() - before.decisions;
    return {
      decisions,
      ms,
      commandsPerDecision: (commands - before.commands) / decisions,
      batches: batches - before.batches,
      nodeCpuUsPerDecision: (cpu.user + cpu.system) / decisions,
      redisCpuUsPerDecision: ((cpuMs(redisPid) - before.redisCpuMs) * 1000) / decisions,
    };
  } finally {
    await lease.close();
  }
}

const testRedis = await startTestRedis();
const redis = new Redis(testRedis.url);
try {
  const info = await redis.info('server');
  const redisPid = Number(/process_id:(\d+)/.exec(info)![1]);
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}, redis-server ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} on 127.0.0.1`);
  console.log(`routing core: ${WAITING} waiting requests, ${OPERATORS} operators, ${DEPARTMENTS.length} departments; state mirrored to Redis through the owner's fenced writes`);
  let cityNumber = 0;
  for (const { name, iterations, scenario } of SCENARIOS) {
    for (const perTurn of TURNS) {
      const figure = await measure(redis, redisPid, `bench-${cityNumber++}`, scenario, iterations, perTurn);
      console.log(
        `${`${name}, ${perTurn} decision${perTurn === 1 ? '' : 's'} a turn`.padEnd(58)} ${Math.round((figure.decisions / figure.ms) * 1000).toLocaleString('en-US').padStart(8)} decisions/s  ` +
          `${figure.commandsPerDecision.toFixed(1)} Redis commands and ${(figure.batches / figure.decisions).toFixed(2)} fenced writes per decision; ` +
          `CPU per decision: this process ${figure.nodeCpuUsPerDecision.toFixed(0)} µs, redis-server ${figure.redisCpuUsPerDecision.toFixed(0)} µs`,
      );
    }
  }
} finally {
  redis.disconnect();
  await testRedis.stop();
}

import { describe, expect, it } from 'vitest';
import { OwnerLease } from '../src/cluster/OwnerLease.ts';
import { loadRoutingState, MirroredRoutingStore, RoutingMirrorWriter } from '../src/cluster/RoutingMirror.ts';
import type { InMemoryRoutingStore, RoutingStore } from '../src/routing/core/index.ts';
import { useTestRedis } from './redis.ts';
import { Simulation } from './routing/simulation.ts';

const DEPARTMENTS = ['citizen', 'tax', 'welfare', 'general'];

/** What a standby would route from: every record, queue position, operator count, handling mean and armed timer. */
function snapshot(store: RoutingStore) {
  const operators = [...store.operators()].sort((a, b) => a.operatorId.localeCompare(b.operatorId));
  const entries = [...store.entries()].sort((a, b) => a.entryId.localeCompare(b.entryId));
  return {
    operators,
    entries,
    positions: entries.map((entry) => [entry.entryId, store.positionOf(entry.entryId)]),
    available: DEPARTMENTS.map((departmentId) => store.countOperators(departmentId, 'primary', ['available'])),
    handling: DEPARTMENTS.map((departmentId) => store.meanHandlingTime(departmentId)),
    timers: [...store.timers()].sort((a, b) => a.key.localeCompare(b.key)),
  };
}

/**
 * The routing core's state on its owner node mirrored to a real Redis through the owner's fenced
 * writes, while the randomized simulation (every invariant checked at each step) drives the core:
 * at every checkpoint a store loaded from Redis — what a standby taking the city over would route
 * from — answers every routing question as the owner's does.
 */
describe('the routing state mirrored to Redis', () => {
  const testRedis = useTestRedis();

  /** A node that owns the city: its lease, and the core's store mirrored through the lease's fenced write. */
  async function becomeOwner(city: string, nodeId: string, state?: InMemoryRoutingStore) {
    let acquired: () => void = () => {};
    const owned = new Promise<void>((resolve) => (acquired = resolve));
    const lease = new OwnerLease({ redis: testRedis.client, name: `routing:${city}`, nodeId, ttlMs: 5_000, onAcquired: () => acquired(), onLost: () => {} });
    lease.start();
    await owned;
    const store = new MirroredRoutingStore(city, state);
    return { nodeId, lease, store, writer: new RoutingMirrorWriter(store, (commands) => lease.fencedWrite(commands)) };
  }

  it('nodes taking the city over in turn from Redis route exactly as one owner would have, timers included (seed 3)', async () => {
    const city = 'city-take-over';
    const uninterrupted = new Simulation(3);
    let owner = await becomeOwner(city, 'node-a');
    const simulation = new Simulation(3, owner.store);
    try {
      for (let step = 1; step <= 1_500; step++) {
        if (step % 250 === 0) {
          // The owner's last batch is written, then it goes; the other node loads the state and carries on.
          owner.writer.schedule();
          await owner.writer.flushed();
          await owner.lease.close();
          owner = await becomeOwner(city, owner.nodeId === 'node-a' ? 'node-b' : 'node-a', await loadRoutingState(testRedis.client, city));
          simulation.takeOver(owner.store);
        }
        uninterrupted.step();
        simulation.step();
        simulation.check();
        expect(simulation.violations, `step ${step}`).toEqual([]);
        expect(simulation.log.length, `events by step ${step}`).toBe(uninterrupted.log.length);
        expect(simulation.log.at(-1), `step ${step}`).toBe(uninterrupted.log.at(-1));
      }
      expect(simulation.log).toEqual(uninterrupted.log);
    } finally {
      await owner.lease.close();
    }
  });

  it.each([1, 2])('a store loaded from Redis equals the owner’s through 2000 random steps (seed %i)', async (seed) => {
    const city = `city-${seed}`;
    const { lease, store, writer } = await becomeOwner(city, 'node-a');
    try {
      const simulation = new Simulation(seed, store);
      for (let step = 1; step <= 2_000; step++) {
        simulation.step();
        simulation.check();
        expect(simulation.violations, `step ${step}`).toEqual([]);
        if (step % 200 !== 0) continue;
        writer.schedule();
        await writer.flushed();
        const standby = await loadRoutingState(testRedis.client, city);
        expect(snapshot(standby), `step ${step}`).toEqual(snapshot(store));
        // It goes on numbering where the owner left off.
        expect(standby.nextSeq()).toBe(Number(await testRedis.client.get(`madoguchi:routing:${city}:seq`)) + 1);
      }
      expect(snapshot(store).entries.length + snapshot(store).operators.length).toBeGreaterThan(0);
    } finally {
      await lease.close();
    }
  });
});

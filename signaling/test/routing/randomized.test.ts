import { describe, expect, it } from 'vitest';
import { InMemoryRoutingStore } from '../../src/routing/core/index.ts';
import { run, Simulation } from './simulation.ts';

describe('RoutingCore under random load', () => {
  it.each([1, 2, 3, 4, 5])('keeps every invariant through 4000 random steps (seed %i)', (seed) => {
    const simulation = run(seed, 4_000);
    // The run exercised the rules it claims to (not just arrivals and timeouts).
    const seen = new Set([...simulation.counts.keys()].map((key) => key.split(':')[0]));
    for (const command of ['request', 'reserved', 'accept', 'decline', 'endCall', 'cancel', 'transfer', 'invite', 'leaveCall', 'disconnect', 'advance']) {
      expect(seen.has(command), command).toBe(true);
    }
    const outcomes = [...simulation.outcomes.values()].flat();
    expect(new Set(outcomes)).toEqual(new Set(['completed', 'abandoned', 'no_operator', 'callback_requested', 'failed']));
  });

  // A standby node taking a city over builds a new core on the state the dead owner's core left.
  it.each([1, 2, 3])('a new core over the store of a stopped one routes on exactly as the first would have, timers included (seed %i)', (seed) => {
    const owner = new Simulation(seed);
    const store = new InMemoryRoutingStore();
    const successor = new Simulation(seed, store);
    for (let step = 1; step <= 3_000; step += 1) {
      if (step % 150 === 0) successor.takeOver(store);
      owner.step();
      successor.step();
      successor.check();
      expect(successor.violations, `step ${step}`).toEqual([]);
      // The first difference, with its step, rather than two long logs at the end.
      expect(successor.log.length, `events by step ${step}`).toBe(owner.log.length);
      expect(successor.log.at(-1), `step ${step}`).toBe(owner.log.at(-1));
    }
    expect(successor.log).toEqual(owner.log);
    expect(successor.counts.get('advance')).toBeGreaterThan(100);
  });
});

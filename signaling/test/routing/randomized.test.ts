import { describe, expect, it } from 'vitest';
import { run } from './simulation.ts';

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
});

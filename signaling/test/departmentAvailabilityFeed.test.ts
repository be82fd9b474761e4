import { describe, expect, it } from 'vitest';
import { DepartmentAvailabilityFeed } from '../src/consultations/DepartmentAvailabilityFeed.ts';
import { FakeClock } from './routing/support.ts';

/** A feed over one department whose waiting count the test moves, with `tablets` connected. */
function feed(tablets: number) {
  const clock = new FakeClock(0);
  let waiting = 0;
  const pushes: { at: number; waiting: number }[] = [];
  const availability = new DepartmentAvailabilityFeed({
    clock,
    departmentIds: () => ['welfare'],
    outlook: () => ({ refusal: null, waiting, servingOperators: 1, estimatedWaitMs: waiting * 60_000 }),
    broadcast: (payload) => pushes.push({ at: clock.now().getTime(), waiting: payload.departments[0]!.waiting }),
    audience: () => tablets,
  });
  /** One request a millisecond for `ms`, each changing the figure. */
  const burst = (ms: number) => {
    for (let at = 0; at < ms; at += 1) {
      waiting += 1;
      availability.changed();
      clock.advance(1);
    }
  };
  return { clock, pushes, availability, burst, waiting: () => waiting };
}

describe('DepartmentAvailabilityFeed', () => {
  it('pushes a change at once and a burst every 200 ms to a few tablets', () => {
    const { clock, pushes, availability, burst, waiting } = feed(40);
    burst(1_000);
    clock.advance(1_000);
    expect(pushes.map(({ at }) => at)).toEqual([0, 200, 400, 600, 800, 1_000]);
    expect(pushes.at(-1)!.waiting).toBe(waiting()); // the last figure always goes out
    availability.close();
  });

  it('spaces a burst by 0.4 ms per tablet when many are connected: 1.2 s for 3,000', () => {
    const { clock, pushes, availability, burst, waiting } = feed(3_000);
    burst(3_000);
    clock.advance(2_000);
    expect(pushes.map(({ at }) => at)).toEqual([0, 1_200, 2_400, 3_600]);
    expect(pushes.at(-1)!.waiting).toBe(waiting());
    availability.close();
  });

  it('pushes nothing when the figures did not change', () => {
    const { clock, pushes, availability } = feed(40);
    availability.changed();
    clock.advance(1_000);
    expect(pushes).toEqual([]);
    availability.close();
    expect(clock.pending).toBe(0);
  });
});

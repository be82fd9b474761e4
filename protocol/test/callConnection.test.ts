import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/client/CallConnection.ts';

describe('recovery backoff', () => {
  it('tries at once, then doubles up to the cap, with ±30 % jitter so a fleet of tablets does not retry in step', () => {
    const timings = { backoffBaseMs: 500, backoffMaxMs: 10_000 };
    expect(backoffDelay(0, timings)).toBe(0);
    expect([1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, timings, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffDelay(3, timings, () => 0)).toBe(1400);
    expect(backoffDelay(3, timings, () => 1)).toBe(2600);
  });
});

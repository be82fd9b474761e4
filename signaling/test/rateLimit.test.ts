import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/gateway/RateLimit.ts';

describe('TokenBucket', () => {
  it('allows a burst, refuses past it, forgives at the sustained rate, and calls a client abusive only past a second burst', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, () => now);
    const takes = (count: number) => Array.from({ length: count }, () => bucket.take());

    expect(takes(5)).toEqual([true, true, true, true, true]);
    expect(bucket.take()).toBe(false);
    expect(bucket.abusive).toBe(false);
    now += 200; // two tokens back, less the one the refusal cost
    expect(takes(2)).toEqual([true, false]);

    // Refusals cost a token too: a client that keeps on while refused owes more and more.
    expect(takes(5).every((allowed) => !allowed)).toBe(true);
    expect(bucket.abusive).toBe(true);

    // A client that stops is forgiven: the debt is paid back at the sustained rate, up to a full burst.
    now += 10_000;
    expect(bucket.abusive).toBe(true); // judged at the next attempt, not by the clock alone
    expect(takes(5)).toEqual([true, true, true, true, true]);
    expect(bucket.abusive).toBe(false);
  });
});

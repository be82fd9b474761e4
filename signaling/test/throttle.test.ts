import { describe, expect, it } from 'vitest';
import { Throttle } from '../src/throttle.ts';
import { FakeClock } from './routing/support.ts';

function throttled(intervalMs = 200) {
  const clock = new FakeClock(0);
  const runs: number[] = [];
  const throttle = new Throttle(clock, intervalMs, () => runs.push(clock.now().getTime()));
  return { clock, runs, throttle };
}

describe('Throttle (leading and trailing edge)', () => {
  it('runs the first trigger at once (on the next turn), not after the interval', () => {
    const { clock, runs, throttle } = throttled();
    throttle.trigger();
    expect(runs).toEqual([]); // not inside trigger(): the caller finishes first
    clock.advance(0);
    expect(runs).toEqual([0]);
  });

  it('coalesces a burst: one run at its start, one at the end of each interval while it lasts', () => {
    const { clock, runs, throttle } = throttled();
    for (let at = 0; at <= 450; at += 10) {
      throttle.trigger();
      throttle.trigger();
      clock.advance(10);
    }
    clock.advance(1_000);
    expect(runs).toEqual([0, 200, 400, 600]);
  });

  it('runs a trigger during an interval once at its end, and a trigger after a quiet interval at once again', () => {
    const { clock, runs, throttle } = throttled();
    throttle.trigger();
    clock.advance(50);
    throttle.trigger();
    throttle.trigger();
    clock.advance(150);
    expect(runs).toEqual([0, 200]);
    clock.advance(200); // the interval after the trailing run passes quietly
    expect(runs).toEqual([0, 200]);
    clock.advance(300);
    throttle.trigger();
    clock.advance(0);
    expect(runs).toEqual([0, 200, 700]);
    expect(clock.pending).toBe(1); // the interval that coalesces what comes next
    clock.advance(200);
    expect(clock.pending).toBe(0);
  });

  it('coalesces a trigger made by the run itself into the next interval', () => {
    const clock = new FakeClock(0);
    const runs: number[] = [];
    const throttle = new Throttle(clock, 200, () => {
      runs.push(clock.now().getTime());
      if (runs.length === 1) throttle.trigger();
    });
    throttle.trigger();
    clock.advance(1_000);
    expect(runs).toEqual([0, 200]);
  });

  it('runs nothing after close, not even a trigger already waiting', () => {
    const { clock, runs, throttle } = throttled();
    throttle.trigger();
    clock.advance(0);
    throttle.trigger();
    throttle.close();
    throttle.trigger();
    clock.advance(1_000);
    expect(runs).toEqual([0]);
    expect(clock.pending).toBe(0);
  });

  it('reads an interval given as a function each time an interval opens', () => {
    const clock = new FakeClock(0);
    const runs: number[] = [];
    let intervalMs = 200;
    const throttle = new Throttle(clock, () => intervalMs, () => runs.push(clock.now().getTime()));
    for (let at = 0; at < 1_000; at += 10) {
      if (at === 300) intervalMs = 500;
      throttle.trigger();
      clock.advance(10);
    }
    clock.advance(2_000);
    // 0 and 200 open 200 ms intervals; the run at 400 opens one of 500 ms, and so on.
    expect(runs).toEqual([0, 200, 400, 900, 1_400]);
  });
});

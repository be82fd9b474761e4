import { describe, expect, it } from 'vitest';
import { findKnee, rampTargets } from './knee.ts';

const step = (sessions: number, workerCpuPercent: number, lossPercent = 0) => ({ sessions, workerCpuPercent, lossPercent });

describe('findKnee', () => {
  it('is the last step within both limits before the first that breaks one', () => {
    expect(findKnee([step(5, 20), step(10, 45), step(15, 70), step(20, 90)])).toEqual({ sessions: 15, reached: true });
    expect(findKnee([step(5, 20), step(10, 45, 1.5), step(15, 70)])).toEqual({ sessions: 5, reached: true });
  });

  it('ignores a later step that passes again, and orders steps by sessions', () => {
    expect(findKnee([step(20, 84), step(10, 40), step(15, 86)])).toEqual({ sessions: 10, reached: true });
  });

  it('says when the ramp ended before any limit was met, and when not even the first step was within them', () => {
    expect(findKnee([step(2, 10), step(4, 20)])).toEqual({ sessions: 4, reached: false });
    expect(findKnee([step(2, 90)])).toEqual({ sessions: 0, reached: true });
  });
});

describe('rampTargets', () => {
  it('places steps at fractions of the knee predicted from the first step, each above the last', () => {
    // 2 sessions cost 8.5 %: 4.25 % each, so the predicted knee is 20 sessions.
    expect(rampTargets(2, 8.5, [0.5, 0.8, 1, 1.2])).toEqual([10, 16, 20, 24]);
    // 20 % each: knee 4.25; half of it is no more than the first step, so that target is dropped.
    expect(rampTargets(2, 40, [0.5, 1, 1.5])).toEqual([4, 6]);
  });
});

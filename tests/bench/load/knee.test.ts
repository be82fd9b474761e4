import { describe, expect, it } from 'vitest';
import { findKnee, Ramp } from './knee.ts';

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

describe('Ramp', () => {
  it('walks fractions of the knee predicted from the last healthy step, each above the last', () => {
    const ramp = new Ramp([0.4, 0.65, 0.8, 0.9, 1, 1.1]);
    // 4 sessions cost 7.3 %: the predicted knee is 46.6 sessions, and 0.4 of it is 19.
    expect(ramp.next(step(4, 7.3))).toBe(19);
    // 19 cost 39.7 %: predicted again, 40.7; 0.65 of it is 26.
    expect(ramp.next(step(19, 39.7))).toBe(26);
    // 26 cost 60 %: 36.8; 0.8 of it is 29.
    expect(ramp.next(step(26, 60))).toBe(29);
    // 29 cost 80 %: 30.8; 0.9 of it (28) and 1.0 of it (31 > 29): the first above the step.
    expect(ramp.next(step(29, 80))).toBe(31);
  });

  it('goes 10 % further after an unhealthy step, and ends when the fractions are spent', () => {
    const ramp = new Ramp([0.5, 1]);
    expect(ramp.next(step(10, 90))).toBe(11);
    expect(ramp.next(step(2, 8.5))).toBe(10);
    expect(ramp.next(step(10, 42.5))).toBe(20);
    expect(ramp.next(step(20, 60))).toBeUndefined();
  });
});

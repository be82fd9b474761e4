import { describe, expect, it } from 'vitest';
import { SendStallWatch } from '../src/client/sendStall.ts';

/** Readings once a second: [captured, encoded] so far, or null for no video sent. */
function run(watch: SendStallWatch, readings: Array<[number, number] | null>): boolean[] {
  return readings.map((reading, second) => watch.observe(second * 1_000, reading && { captured: reading[0], encoded: reading[1] }));
}

describe('SendStallWatch', () => {
  it('fires once the encoders have turned out nothing for the whole stall while the cameras deliver', () => {
    const verdicts = run(new SendStallWatch(3_000), [
      [30, 30],
      [60, 60],
      [90, 61], // the encoders stop here
      [120, 61],
      [150, 61],
      [180, 61],
    ]);
    expect(verdicts).toEqual([false, false, false, false, false, true]);
  });

  it('does not fire while the encoders turn out anything at all: a weak link sends few frames, not none', () => {
    const readings: Array<[number, number]> = Array.from({ length: 20 }, (_, second) => [30 * second, 2 * second]);
    expect(run(new SendStallWatch(3_000), readings)).not.toContain(true);
  });

  it('does not fire for a camera that delivers nothing: a new connection would not help it', () => {
    const readings: Array<[number, number]> = Array.from({ length: 20 }, () => [100, 100]);
    expect(run(new SendStallWatch(3_000), readings)).not.toContain(true);
  });

  it('starts again when no video is sent, the senders change, or the link went down', () => {
    const watch = new SendStallWatch(3_000);
    expect(run(watch, [[30, 30], [60, 30], [90, 30], null, [120, 30], [150, 30], [180, 30]])).not.toContain(true);
    // Counters that went back: another session's senders.
    expect(run(new SendStallWatch(3_000), [[300, 300], [330, 300], [360, 300], [30, 0], [60, 0], [90, 0]])).not.toContain(true);
    const reset = new SendStallWatch(2_000);
    expect(reset.observe(0, { captured: 30, encoded: 30 })).toBe(false);
    expect(reset.observe(1_000, { captured: 60, encoded: 30 })).toBe(false);
    reset.reset();
    expect(reset.observe(2_000, { captured: 90, encoded: 30 })).toBe(false);
    expect(reset.observe(3_000, { captured: 120, encoded: 30 })).toBe(false);
    expect(reset.observe(5_000, { captured: 180, encoded: 30 })).toBe(true);
  });
});

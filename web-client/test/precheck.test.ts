import { describe, expect, it } from 'vitest';
import { levelToMeter, MIC_HEARD_PERCENT, MIC_LISTEN_MS, micVerdict, rms } from '../src/precheck/level.ts';

describe('microphone meter', () => {
  it('computes the RMS of samples', () => {
    expect(rms([])).toBe(0);
    expect(rms([0, 0, 0])).toBe(0);
    expect(rms([0.5, -0.5, 0.5, -0.5])).toBeCloseTo(0.5);
  });

  it('maps the level logarithmically onto 0…100 (-60 dBFS … 0 dBFS), clamped', () => {
    expect(levelToMeter(0)).toBe(0);
    expect(levelToMeter(Number.NaN)).toBe(0);
    expect(levelToMeter(0.0001)).toBe(0); // -80 dBFS: below the floor
    expect(levelToMeter(0.001)).toBe(0); // -60 dBFS
    expect(levelToMeter(0.01)).toBe(33); // -40 dBFS: a quiet voice
    expect(levelToMeter(0.1)).toBe(67); // -20 dBFS: a normal voice close by
    expect(levelToMeter(1)).toBe(100);
    expect(levelToMeter(2)).toBe(100);
  });

  it('says OK as soon as something was heard, and quiet only after listening long enough', () => {
    expect(micVerdict(MIC_HEARD_PERCENT, 100)).toBe('ok');
    expect(micVerdict(MIC_HEARD_PERCENT - 1, MIC_LISTEN_MS - 1)).toBe('listening');
    expect(micVerdict(MIC_HEARD_PERCENT - 1, MIC_LISTEN_MS)).toBe('quiet');
    expect(micVerdict(80, MIC_LISTEN_MS * 10)).toBe('ok');
  });
});

import { describe, expect, it } from 'vitest';
import { MediaQualityLog } from '../src/records/MediaQuality.ts';

describe('media quality of a consultation', () => {
  it('folds the SFU samples of each stream into averages and worst values', () => {
    const log = new MediaQualityLog();
    expect(log.empty).toBe(true);
    const document = { role: 'resident', source: 'document', kind: 'video' as const };
    log.add([
      { ...document, bitrate: 2_000_000, fractionLost: 0, score: 10, roundTripTime: 10 },
      { role: 'resident', source: 'mic', kind: 'audio', bitrate: 40_000, fractionLost: 0.01, score: 9, roundTripTime: null },
    ]);
    log.add([{ ...document, bitrate: 1_000_000, fractionLost: 0.125, score: 7, roundTripTime: 30 }]);
    expect(log.summary()).toEqual([
      { ...document, samples: 2, averageKbps: 1500, minKbps: 1000, maxLossPercent: 12.5, minScore: 7, averageRttMs: 20 },
      { role: 'resident', source: 'mic', kind: 'audio', samples: 1, averageKbps: 40, minKbps: 40, maxLossPercent: 1, minScore: 9, averageRttMs: null },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { QualityMeter, qualityOf, type StatsEntry } from '../src/media/connectionQuality.ts';

const pair = (rtt: number): StatsEntry[] => [
  { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
  { id: 'CP1', type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: rtt },
  { id: 'CP2', type: 'candidate-pair', state: 'failed', currentRoundTripTime: 5 }, // not the one in use
];
const inbound = (lost: number, received: number): StatsEntry => ({ id: 'IN1', type: 'inbound-rtp', packetsLost: lost, packetsReceived: received });

describe('connection quality', () => {
  it('has three levels from round-trip time and loss, the worse deciding', () => {
    expect(qualityOf(null, null)).toBeNull();
    expect(qualityOf(0.03, 0)).toBe('good');
    expect(qualityOf(0.25, 0)).toBe('fair');
    expect(qualityOf(0.03, 0.05)).toBe('fair');
    expect(qualityOf(0.6, 0)).toBe('poor');
    expect(qualityOf(0.03, 0.2)).toBe('poor');
  });

  it('reads the selected pair’s RTT, what the other side lost of ours, and our receive loss since the last sample', () => {
    const meter = new QualityMeter();
    expect(meter.update([pair(0.02), [inbound(0, 1000)]])).toBe('good');
    // 30 lost of the next 330 packets: 9 % since the last sample, although only 3 % overall.
    expect(meter.update([pair(0.02), [inbound(30, 1300)]])).toBe('poor');
    expect(meter.update([pair(0.02), [inbound(30, 1600)]])).toBe('good');
    expect(meter.update([pair(0.02), [{ id: 'R1', type: 'remote-inbound-rtp', fractionLost: 0.05 }]])).toBe('fair');
    expect(new QualityMeter().update([[]])).toBeNull();
  });
});

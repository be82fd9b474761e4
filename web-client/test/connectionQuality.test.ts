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

  it('reads the uplink: the browser’s estimate of what it may send, and whether each camera’s frames get out', () => {
    const sendPair = (availableOutgoingBitrate: number): StatsEntry[] => [
      { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
      { id: 'CP1', type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.01, availableOutgoingBitrate },
    ];
    let now = 0;
    const face = (framesSent: number[], limited = false) => {
      now += 2000; // a sample every 2 s
      return {
        source: 'face',
        entries: framesSent.map((frames, layer) => ({
          id: `OUT${layer}`,
          type: 'outbound-rtp',
          timestamp: now,
          framesSent: frames,
          qualityLimitationReason: limited ? 'bandwidth' : 'none',
        })),
      };
    };
    // Its first samples judge only round trip and loss: the send estimate is still ramping up.
    const starting = new QualityMeter({ uplinkWarmupSamples: 1 });
    expect(starting.update([sendPair(200_000)], [])).toBe('good');
    expect(starting.update([sendPair(200_000)], [])).toBe('poor');

    const meter = new QualityMeter({ uplinkWarmupSamples: 0 });
    expect(meter.update([sendPair(2_500_000)], [face([100, 100, 100])])).toBe('good');
    expect(meter.update([sendPair(2_500_000)], [face([160, 160, 160])])).toBe('good');
    // A capped uplink: a low estimate, the top layers held back by bandwidth — round trip and loss still fine.
    expect(meter.update([sendPair(600_000)], [face([220, 220, 160], true)])).toBe('fair');
    expect(meter.update([sendPair(250_000)], [face([280, 220, 160], true)])).toBe('poor');
    // Two frames in two seconds: a face nobody can follow.
    expect(meter.update([sendPair(600_000)], [face([282, 220, 160], true)])).toBe('poor');
    // No frame of the face got out since the last sample: frozen at the operator, whatever the estimate says.
    expect(meter.update([sendPair(2_500_000)], [face([282, 220, 160])])).toBe('poor');
    // The document camera may go slow (it keeps its resolution on purpose); only a stop is poor.
    const slowDocument = new QualityMeter({ uplinkWarmupSamples: 0 });
    const documentAt = (framesSent: number, timestamp: number) => [{ source: 'document', entries: [{ id: 'D', type: 'outbound-rtp', timestamp, framesSent }] }];
    expect(slowDocument.update([sendPair(2_500_000)], documentAt(10, 0))).toBe('good');
    expect(slowDocument.update([sendPair(2_500_000)], documentAt(12, 2000))).toBe('good');
    expect(slowDocument.update([sendPair(2_500_000)], documentAt(12, 4000))).toBe('poor');
    // Turned off, then on again (a new sender counting from zero): no verdict on its first sample.
    expect(meter.update([sendPair(2_500_000)], [])).toBe('good');
    expect(meter.update([sendPair(2_500_000)], [face([10, 10, 10])])).toBe('good');
  });
});

import { describe, expect, it } from 'vitest';
import { ReceiveStats } from './receiveStats.ts';

describe('ReceiveStats', () => {
  it('counts packets, bytes, frames and the packets missing between the first and the highest', () => {
    const stats = new ReceiveStats(90_000);
    for (const [seq, marker] of [[10, false], [11, true], [13, true], [14, false]] as const) stats.onPacket(seq, 0, marker, 0, 100);
    expect({ received: stats.received, bytes: stats.bytes, frames: stats.frames, expected: stats.expected, lost: stats.lost }).toEqual({
      received: 4,
      bytes: 400,
      frames: 2,
      expected: 5,
      lost: 1,
    });
  });

  it('follows the sequence number across its wrap, and a late packet fills its gap', () => {
    const stats = new ReceiveStats(48_000);
    for (const seq of [65534, 65535, 1, 0]) stats.onPacket(seq, 0, false, 0, 1);
    expect([stats.expected, stats.lost]).toEqual([4, 0]);
  });

  it('has no jitter when packets arrive exactly on their timestamps, and RFC 3550 jitter when they do not', () => {
    const steady = new ReceiveStats(90_000);
    for (let i = 0; i < 10; i++) steady.onPacket(i, i * 3000, true, 1000 + (i * 1000) / 30, 1);
    expect(steady.jitterMs).toBeCloseTo(0, 6);

    const shaky = new ReceiveStats(90_000);
    shaky.onPacket(0, 0, true, 1000, 1);
    shaky.onPacket(1, 3000, true, 1000 + 1000 / 30 + 16, 1); // 16 ms late: J = 16 / 16 = 1 ms
    expect(shaky.jitterMs).toBeCloseTo(1, 6);
  });
});

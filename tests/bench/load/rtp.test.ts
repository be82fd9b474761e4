import { describe, expect, it } from 'vitest';
import { isRtcp, packetizeVp8, readFeedback, readRtpHeader, senderReport, writeRtpHeader, writeVp8Descriptor } from './rtp.ts';

describe('packetizeVp8', () => {
  it('splits a frame into payloads that fit beside the descriptor and join back into the frame', () => {
    const frame = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const { payloads, keyframe } = packetizeVp8(frame, true, 1000);
    expect(keyframe).toBe(true);
    expect(payloads).toHaveLength(3);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(996);
    expect(Buffer.concat(payloads)).toEqual(frame);
  });

  it('keeps a small frame in one packet', () => {
    expect(packetizeVp8(Buffer.alloc(10), false).payloads).toHaveLength(1);
  });
});

describe('RTP header and VP8 descriptor', () => {
  it('reads back what was written', () => {
    const packet = Buffer.alloc(20);
    writeRtpHeader(packet, { payloadType: 96, marker: true, sequenceNumber: 70_000, timestamp: 2 ** 32 + 5, ssrc: 0xfeedface });
    expect(readRtpHeader(packet)).toEqual({ ssrc: 0xfeedface, sequenceNumber: 70_000 & 0xffff, timestamp: 5, marker: true });
    expect(packet[1]! & 0x7f).toBe(96);
    expect(isRtcp(packet)).toBe(false);
  });

  it('marks the start of a frame and carries a 15-bit picture ID', () => {
    const packet = Buffer.alloc(4);
    writeVp8Descriptor(packet, 0, true, 0x8123);
    expect([...packet]).toEqual([0x90, 0x80, 0x81, 0x23]);
    writeVp8Descriptor(packet, 0, false, 1);
    expect([...packet]).toEqual([0x80, 0x80, 0x80, 0x01]);
  });
});

describe('RTCP', () => {
  it('builds a sender report with NTP time, RTP time and counts', () => {
    const report = senderReport(42, Date.UTC(2026, 0, 1, 0, 0, 0, 500), 90_000, 10, 12_000);
    expect(isRtcp(report)).toBe(true);
    expect(report.readUInt16BE(2)).toBe(6);
    expect(report.readUInt32BE(4)).toBe(42);
    expect(report.readUInt32BE(8)).toBe(Date.UTC(2026, 0, 1) / 1000 + 2_208_988_800);
    expect(report.readUInt32BE(12)).toBe(2 ** 31); // half a second
    expect([report.readUInt32BE(16), report.readUInt32BE(20), report.readUInt32BE(24)]).toEqual([90_000, 10, 12_000]);
  });

  it('finds NACKs (with their bitmask), PLIs and FIRs in a compound packet and skips the rest', () => {
    const receiverReport = Buffer.from('80c9000100000001', 'hex');
    const nack = Buffer.from('81cd0003000000010000abcd00640005', 'hex'); // pid 100, bits 0 and 2: 101, 103
    const pli = Buffer.from('81ce0002000000010000beef', 'hex');
    const fir = Buffer.from('84ce000400000001000000000000cafe01000000', 'hex');
    expect(readFeedback(Buffer.concat([receiverReport, nack, pli, fir]))).toEqual([
      { kind: 'nack', mediaSsrc: 0xabcd, lost: [100, 101, 103] },
      { kind: 'pli', mediaSsrc: 0xbeef, lost: [] },
      { kind: 'fir', mediaSsrc: 0xcafe, lost: [] },
    ]);
  });

  it('stops at a packet whose length runs past the end', () => {
    expect(readFeedback(Buffer.from('81ce0009000000010000beef', 'hex'))).toEqual([]);
  });
});

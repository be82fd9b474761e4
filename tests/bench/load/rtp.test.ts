import { describe, expect, it } from 'vitest';
import { isRtcp, packetizeVp8, writeRtpHeader } from './rtp.ts';

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

describe('RTP header', () => {
  it('writes version 2, marker, payload type, sequence number, timestamp and SSRC, each wrapped to its width', () => {
    const packet = Buffer.alloc(12);
    writeRtpHeader(packet, { payloadType: 96, marker: true, sequenceNumber: 70_000, timestamp: 2 ** 32 + 5, ssrc: 0xfeedface });
    expect(packet.toString('hex')).toBe(`80e0${(70_000 & 0xffff).toString(16).padStart(4, '0')}00000005feedface`);
    expect(isRtcp(packet)).toBe(false);
  });

  it('tells RTCP (packet types 192–223) from RTP on the same port', () => {
    expect(isRtcp(Buffer.from('80c8000600000001', 'hex'))).toBe(true); // sender report
    expect(isRtcp(Buffer.from('81cd000300000001', 'hex'))).toBe(true); // NACK
    expect(isRtcp(Buffer.from('80600001', 'hex'))).toBe(false); // RTP, payload type 96
  });
});

import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bindingRequest, demultiplex, isBindingSuccess } from './stun.ts';

/** The attributes of a STUN message, by type, with their offsets. */
function attributes(message: Buffer): Map<number, { value: Buffer; offset: number }> {
  const found = new Map<number, { value: Buffer; offset: number }>();
  for (let offset = 20; offset + 4 <= message.length; ) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    found.set(type, { value: message.subarray(offset + 4, offset + 4 + length), offset });
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return found;
}

describe('bindingRequest', () => {
  const { transactionId, packet } = bindingRequest('server:bot', 'server-password', 2_130_706_431, Buffer.alloc(8, 9));
  const found = attributes(packet);

  it('is a Binding request nominating the pair as the controlling agent', () => {
    expect(packet.readUInt16BE(0)).toBe(0x0001);
    expect(packet.readUInt16BE(2)).toBe(packet.length - 20);
    expect(packet.subarray(8, 20)).toEqual(transactionId);
    expect(found.get(0x0006)?.value.toString()).toBe('server:bot');
    expect(found.get(0x0024)?.value.readUInt32BE(0)).toBe(2_130_706_431);
    expect(found.get(0x802a)?.value).toEqual(Buffer.alloc(8, 9));
    expect(found.has(0x0025)).toBe(true); // USE-CANDIDATE
  });

  it('carries MESSAGE-INTEGRITY keyed with the server password and a FINGERPRINT over the rest', () => {
    const integrity = found.get(0x0008)!;
    const signed = Buffer.from(packet.subarray(0, integrity.offset));
    signed.writeUInt16BE(integrity.offset + 24 - 20, 2);
    expect(integrity.value).toEqual(createHmac('sha1', 'server-password').update(signed).digest());
    const fingerprint = found.get(0x8028)!;
    expect(fingerprint.value.readUInt32BE(0)).toBe((crc32(packet.subarray(0, fingerprint.offset)) ^ 0x5354554e) >>> 0);
  });

  it('recognises its own success response only', () => {
    const response = Buffer.alloc(20);
    response.writeUInt16BE(0x0101, 0);
    response.writeUInt32BE(0x2112a442, 4);
    transactionId.copy(response, 8);
    expect(isBindingSuccess(response, transactionId)).toBe(true);
    expect(isBindingSuccess(response, Buffer.alloc(12))).toBe(false);
  });
});

describe('demultiplex', () => {
  it('tells STUN, DTLS and RTP/RTCP apart by the first byte (RFC 7983)', () => {
    expect([0x00, 0x16, 0x80, 0xbf, 0x40].map((first) => demultiplex(Buffer.from([first, 0])))).toEqual(['stun', 'dtls', 'rtp', 'rtp', 'other']);
  });
});

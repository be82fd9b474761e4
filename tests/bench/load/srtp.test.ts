import { createDecipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveSessionKeys, SrtcpReceiver, SrtpSender, splitDtlsSrtpKeys } from './srtp.ts';

const hex = (value: string) => Buffer.from(value.replace(/\s/g, ''), 'hex');
// RFC 3711 Appendix B.3: key derivation test vectors.
const RFC_MASTER = { key: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), salt: hex('0EC675AD498AFEEBB6960B3AABE6') };

function rtpPacket(sequenceNumber: number, ssrc: number, payload: Buffer): Buffer {
  const packet = Buffer.alloc(12 + payload.length + 10);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(sequenceNumber, 2);
  packet.writeUInt32BE(0x01020304, 4);
  packet.writeUInt32BE(ssrc, 8);
  payload.copy(packet, 12);
  return packet;
}

describe('SRTP key derivation', () => {
  it('derives the session keys of RFC 3711 B.3', () => {
    const keys = deriveSessionKeys(RFC_MASTER, false);
    expect(keys.cipher).toEqual(hex('C61E7A93744F39EE10734AFE3FF7A087'));
    expect(keys.salt).toEqual(hex('30CBBC08863D8C85D49DB34A9AE1'));
    expect(keys.auth).toEqual(hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'));
  });

  it('splits DTLS-SRTP keying material as client key, server key, client salt, server salt', () => {
    const material = Buffer.from(Array.from({ length: 60 }, (_, i) => i));
    const { client, server } = splitDtlsSrtpKeys(material);
    expect([client.key[0], server.key[0], client.salt[0], server.salt[0], server.salt.at(-1)]).toEqual([0, 16, 32, 46, 59]);
    expect(() => splitDtlsSrtpKeys(material.subarray(0, 59))).toThrow(/60/);
  });
});

describe('SrtpSender.protectRtp', () => {
  it('encrypts the payload with AES-CM at the packet index and appends the HMAC-SHA1-80 tag over header, payload and ROC', () => {
    const payload = Buffer.from('a VP8 frame, or a part of one');
    const ssrc = 0xdeadbeef;
    const packet = rtpPacket(4660, ssrc, payload);
    const srtp = new SrtpSender(RFC_MASTER).protectRtp(packet, 12 + payload.length, 12);

    const keys = deriveSessionKeys(RFC_MASTER, false);
    expect(srtp.length).toBe(12 + payload.length + 10);
    expect(srtp.subarray(0, 12)).toEqual(rtpPacket(4660, ssrc, Buffer.alloc(0)).subarray(0, 12));
    const expectedTag = createHmac('sha1', keys.auth)
      .update(srtp.subarray(0, 12 + payload.length))
      .update(Buffer.alloc(4)) // ROC 0
      .digest()
      .subarray(0, 10);
    expect(srtp.subarray(12 + payload.length)).toEqual(expectedTag);
    // IV = salt · 2^16 XOR SSRC · 2^64 XOR index · 2^16 (RFC 3711 §4.1.1).
    const iv = Buffer.alloc(16);
    keys.salt.copy(iv);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ 4660, 12);
    const decrypted = createDecipheriv('aes-128-ctr', keys.cipher, iv).update(srtp.subarray(12, 12 + payload.length));
    expect(decrypted).toEqual(payload);
  });

  it('counts a rollover when the sequence number wraps, and authenticates with it', () => {
    const sender = new SrtpSender(RFC_MASTER);
    const payload = Buffer.from([1, 2, 3]);
    sender.protectRtp(rtpPacket(65535, 7, payload), 15, 12);
    const srtp = sender.protectRtp(rtpPacket(0, 7, payload), 15, 12);
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(1);
    const expectedTag = createHmac('sha1', deriveSessionKeys(RFC_MASTER, false).auth).update(srtp.subarray(0, 15)).update(roc).digest().subarray(0, 10);
    expect(srtp.subarray(15)).toEqual(expectedTag);
  });
});

describe('SRTCP', () => {
  const rtcp = Buffer.from('80c80006000000070102030405060708090a0b0c0d0e0f101112131415161718', 'hex').subarray(0, 28);

  it('opens what the other side protected with the same key, keeping header and sender SSRC in the clear', () => {
    const srtcp = new SrtpSender(RFC_MASTER).protectRtcp(rtcp);
    expect(srtcp.subarray(0, 8)).toEqual(rtcp.subarray(0, 8));
    expect(srtcp.subarray(8, 28)).not.toEqual(rtcp.subarray(8));
    expect(srtcp.readUInt32BE(28) >>> 31).toBe(1); // E flag: encrypted
    expect(new SrtcpReceiver(RFC_MASTER).unprotectRtcp(srtcp)).toEqual(rtcp);
  });

  it('refuses a packet whose tag does not match', () => {
    const srtcp = new SrtpSender(RFC_MASTER).protectRtcp(rtcp);
    srtcp[10]! ^= 1;
    expect(new SrtcpReceiver(RFC_MASTER).unprotectRtcp(srtcp)).toBeNull();
    expect(new SrtcpReceiver({ key: Buffer.alloc(16), salt: Buffer.alloc(14) }).unprotectRtcp(new SrtpSender(RFC_MASTER).protectRtcp(rtcp))).toBeNull();
  });
});

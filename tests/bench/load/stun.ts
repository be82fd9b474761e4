import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The one STUN exchange an ICE client needs against mediasoup, which is ICE-lite (RFC 8445 §2.5):
 * the controlling side sends Binding requests with USE-CANDIDATE, authenticated with the server's
 * password (short-term credentials, RFC 8489 §9.1), and the server answers and nominates that pair.
 */

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTRIBUTE = { username: 0x0006, messageIntegrity: 0x0008, fingerprint: 0x8028, priority: 0x0024, useCandidate: 0x0025, iceControlling: 0x802a } as const;
const FINGERPRINT_XOR = 0x5354554e;

export interface BindingRequest {
  transactionId: Buffer;
  packet: Buffer;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** A Binding request as a controlling agent nominating this pair: `username` is "remoteUfrag:localUfrag". */
export function bindingRequest(username: string, remotePassword: string, priority: number, tieBreaker: Buffer): BindingRequest {
  const transactionId = randomBytes(12);
  const priorityValue = Buffer.alloc(4);
  priorityValue.writeUInt32BE(priority >>> 0);
  const body = Buffer.concat([
    attribute(ATTRIBUTE.username, Buffer.from(username)),
    attribute(ATTRIBUTE.priority, priorityValue),
    attribute(ATTRIBUTE.iceControlling, tieBreaker),
    attribute(ATTRIBUTE.useCandidate, Buffer.alloc(0)),
  ]);
  const header = (length: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(BINDING_REQUEST, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC_COOKIE, 4);
    transactionId.copy(h, 8);
    return h;
  };
  // MESSAGE-INTEGRITY covers the message with its length already counting the integrity attribute.
  const integrity = createHmac('sha1', remotePassword).update(Buffer.concat([header(body.length + 24), body])).digest();
  const withIntegrity = Buffer.concat([body, attribute(ATTRIBUTE.messageIntegrity, integrity)]);
  // FINGERPRINT likewise, with the length counting the fingerprint attribute.
  const signed = Buffer.concat([header(withIntegrity.length + 8), withIntegrity]);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(signed) ^ FINGERPRINT_XOR) >>> 0);
  return { transactionId, packet: Buffer.concat([signed, attribute(ATTRIBUTE.fingerprint, fingerprint)]) };
}

/** Whether `packet` is the Binding success response to the transaction. */
export function isBindingSuccess(packet: Buffer, transactionId: Buffer): boolean {
  return (
    packet.length >= 20 &&
    packet.readUInt16BE(0) === BINDING_SUCCESS &&
    packet.readUInt32BE(4) === MAGIC_COOKIE &&
    packet.subarray(8, 20).equals(transactionId)
  );
}

/** STUN, DTLS or RTP/RTCP on one port, by the first byte (RFC 7983 §7). */
export function demultiplex(packet: Buffer): 'stun' | 'dtls' | 'rtp' | 'other' {
  const first = packet[0]!;
  if (first <= 3) return 'stun';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 128 && first <= 191) return 'rtp';
  return 'other';
}

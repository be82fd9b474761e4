import { createCipheriv, createHmac } from 'node:crypto';

/**
 * SRTP and SRTCP with the AES_CM_128_HMAC_SHA1_80 profile (RFC 3711), the one every browser and
 * mediasoup offer, in TypeScript: the judge of the media pump's SRTP in mediaPump.test.ts
 * — it checks what the pump protects and makes the feedback the pump must open — itself checked
 * against RFC 3711's vectors in srtp.test.ts.
 */

const MASTER_KEY_BYTES = 16;
const MASTER_SALT_BYTES = 14;
const AUTH_TAG_BYTES = 10;
const SRTCP_INDEX_BYTES = 4;

/** Key derivation labels (RFC 3711 §4.3.2). */
const enum Label {
  RtpCipher = 0,
  RtpAuth = 1,
  RtpSalt = 2,
  RtcpCipher = 3,
  RtcpAuth = 4,
  RtcpSalt = 5,
}

export interface SessionKeys {
  cipher: Buffer;
  auth: Buffer;
  salt: Buffer;
}

/** The keys a DTLS-SRTP handshake exports, for one direction. */
export interface SrtpMasterKey {
  key: Buffer;
  salt: Buffer;
}

/**
 * Split the 60 bytes exported with the label "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2): client key,
 * server key, client salt, server salt. The DTLS client sends with the client's.
 */
export function splitDtlsSrtpKeys(material: Buffer): { client: SrtpMasterKey; server: SrtpMasterKey } {
  const k = MASTER_KEY_BYTES;
  const s = MASTER_SALT_BYTES;
  if (material.length < 2 * (k + s)) throw new Error(`DTLS-SRTP keying material is ${material.length} bytes, not ${2 * (k + s)}`);
  return {
    client: { key: material.subarray(0, k), salt: material.subarray(2 * k, 2 * k + s) },
    server: { key: material.subarray(k, 2 * k), salt: material.subarray(2 * k + s, 2 * k + 2 * s) },
  };
}

function derive(master: SrtpMasterKey, label: Label, length: number): Buffer {
  const iv = Buffer.alloc(16);
  master.salt.copy(iv, 0);
  iv[7]! ^= label;
  return createCipheriv('aes-128-ctr', master.key, iv).update(Buffer.alloc(length));
}

/** The session keys of one master key (RFC 3711 §4.3, key derivation rate 0). */
export function deriveSessionKeys(master: SrtpMasterKey, rtcp: boolean): SessionKeys {
  const offset = rtcp ? Label.RtcpCipher : Label.RtpCipher;
  return {
    cipher: derive(master, offset, MASTER_KEY_BYTES),
    auth: derive(master, offset + 1, 20),
    salt: derive(master, offset + 2, MASTER_SALT_BYTES),
  };
}

/** Write the AES counter-mode IV of one packet into `iv`: the session salt XOR the SSRC XOR the packet index. */
function writePacketIv(iv: Buffer, salt: Buffer, ssrc: number, indexHigh: number, indexLow: number): Buffer {
  salt.copy(iv, 0);
  iv[14] = 0;
  iv[15] = 0;
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ indexHigh, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ indexLow) >>> 0, 10);
  return iv;
}

function packetIv(salt: Buffer, ssrc: number, indexHigh: number, indexLow: number): Buffer {
  return writePacketIv(Buffer.alloc(16), salt, ssrc, indexHigh, indexLow);
}

function tag(auth: Buffer, ...parts: Buffer[]): Buffer {
  const hmac = createHmac('sha1', auth);
  for (const part of parts) hmac.update(part);
  return hmac.digest().subarray(0, AUTH_TAG_BYTES);
}

/** Bytes an SRTP packet has beyond its RTP packet (the authentication tag). */
export const SRTP_OVERHEAD = AUTH_TAG_BYTES;

/** Protects the RTP and RTCP one endpoint sends. */
export class SrtpSender {
  readonly #rtp: SessionKeys;
  readonly #rtcp: SessionKeys;
  /** Rollover counter per SSRC: how many times its 16-bit sequence number wrapped. */
  readonly #rollovers = new Map<number, { roc: number; lastSeq: number }>();
  #rtcpIndex = 0;
  /** Scratch buffers reused for every packet. */
  readonly #iv = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(master: SrtpMasterKey) {
    this.#rtp = deriveSessionKeys(master, false);
    this.#rtcp = deriveSessionKeys(master, true);
  }

  /**
   * Encrypt in place the payload of the RTP packet in `packet[0, rtpLength)` and write its tag after
   * it; `packet` must have SRTP_OVERHEAD spare bytes. Returns the SRTP packet (a view of `packet`).
   */
  protectRtp(packet: Buffer, rtpLength: number, headerLength: number): Buffer {
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let state = this.#rollovers.get(ssrc);
    if (!state) this.#rollovers.set(ssrc, (state = { roc: 0, lastSeq: seq }));
    else if (seq < state.lastSeq && state.lastSeq - seq > 0x8000) state.roc = (state.roc + 1) >>> 0;
    state.lastSeq = seq;
    const iv = writePacketIv(this.#iv, this.#rtp.salt, ssrc, state.roc >>> 16, ((state.roc & 0xffff) * 0x10000 + seq) >>> 0);
    const payload = packet.subarray(headerLength, rtpLength);
    createCipheriv('aes-128-ctr', this.#rtp.cipher, iv).update(payload).copy(payload);
    this.#roc.writeUInt32BE(state.roc);
    const hmac = createHmac('sha1', this.#rtp.auth).update(packet.subarray(0, rtpLength)).update(this.#roc).digest();
    hmac.copy(packet, rtpLength, 0, AUTH_TAG_BYTES);
    return packet.subarray(0, rtpLength + AUTH_TAG_BYTES);
  }

  /** An SRTCP packet of a compound RTCP packet (header and sender SSRC in the clear, the rest encrypted). */
  protectRtcp(rtcp: Buffer): Buffer {
    const index = (this.#rtcpIndex = (this.#rtcpIndex + 1) & 0x7fffffff);
    const out = Buffer.alloc(rtcp.length + SRTCP_INDEX_BYTES + AUTH_TAG_BYTES);
    rtcp.copy(out, 0, 0, 8);
    const iv = packetIv(this.#rtcp.salt, rtcp.readUInt32BE(4), 0, index);
    createCipheriv('aes-128-ctr', this.#rtcp.cipher, iv).update(rtcp.subarray(8)).copy(out, 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, rtcp.length);
    const authenticated = out.subarray(0, rtcp.length + SRTCP_INDEX_BYTES);
    tag(this.#rtcp.auth, authenticated).copy(out, authenticated.length);
    return out;
  }
}

/** Opens the SRTCP the other endpoint sends (its RTP is counted, not opened). */
export class SrtcpReceiver {
  readonly #rtcp: SessionKeys;

  constructor(master: SrtpMasterKey) {
    this.#rtcp = deriveSessionKeys(master, true);
  }

  /** The RTCP packet inside, or null when its tag does not authenticate it. */
  unprotectRtcp(srtcp: Buffer): Buffer | null {
    if (srtcp.length < 8 + SRTCP_INDEX_BYTES + AUTH_TAG_BYTES) return null;
    const authenticated = srtcp.subarray(0, srtcp.length - AUTH_TAG_BYTES);
    if (!tag(this.#rtcp.auth, authenticated).equals(srtcp.subarray(authenticated.length))) return null;
    const word = srtcp.readUInt32BE(authenticated.length - SRTCP_INDEX_BYTES);
    const body = srtcp.subarray(8, authenticated.length - SRTCP_INDEX_BYTES);
    const rtcp = Buffer.alloc(8 + body.length);
    srtcp.copy(rtcp, 0, 0, 8);
    if (word & 0x80000000) {
      const iv = packetIv(this.#rtcp.salt, srtcp.readUInt32BE(4), 0, word & 0x7fffffff);
      createCipheriv('aes-128-ctr', this.#rtcp.cipher, iv).update(body).copy(rtcp, 8);
    } else {
      body.copy(rtcp, 8);
    }
    return rtcp;
  }
}

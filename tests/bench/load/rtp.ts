/**
 * RTP as a load bot needs it: packets built from pre-encoded frames (VP8, Opus), and RTCP built
 * and read in the few forms that matter (sender reports out; NACK, PLI and FIR in).
 */

export const RTP_HEADER_BYTES = 12;
/** VP8 payload descriptor as Chromium sends it: X, I with a 15-bit picture ID (RFC 7741 §4.2). */
export const VP8_DESCRIPTOR_BYTES = 4;
/** Payload bytes per packet, as browsers keep RTP packets under ~1200 bytes. */
export const MAX_PAYLOAD_BYTES = 1_150;

/** One frame as the payloads of its packets, ready to be sent again and again. */
export interface PacketizedFrame {
  /** Payload of each packet, without the per-frame VP8 descriptor (written at send time). */
  payloads: Buffer[];
  keyframe: boolean;
}

/** Split a VP8 frame into packet payloads; each packet gets its descriptor when sent. */
export function packetizeVp8(frame: Buffer, keyframe: boolean, maxPayload = MAX_PAYLOAD_BYTES): PacketizedFrame {
  const chunk = maxPayload - VP8_DESCRIPTOR_BYTES;
  const count = Math.max(1, Math.ceil(frame.length / chunk));
  // Even sizes, so the last packet is not a sliver.
  const size = Math.ceil(frame.length / count);
  const payloads: Buffer[] = [];
  for (let i = 0; i < count; i++) payloads.push(frame.subarray(i * size, Math.min(frame.length, (i + 1) * size)));
  return { payloads, keyframe };
}

export interface RtpHeaderFields {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** Write a 12-byte RTP header (version 2, no padding, extension or CSRCs) at the start of `packet`. */
export function writeRtpHeader(packet: Buffer, { payloadType, marker, sequenceNumber, timestamp, ssrc }: RtpHeaderFields): void {
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | payloadType;
  packet.writeUInt16BE(sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
}

/** Write a VP8 payload descriptor: S on a frame's first packet, picture ID with the M bit (15 bits). */
export function writeVp8Descriptor(packet: Buffer, offset: number, startOfFrame: boolean, pictureId: number): void {
  packet[offset] = 0x80 | (startOfFrame ? 0x10 : 0);
  packet[offset + 1] = 0x80;
  packet.writeUInt16BE(0x8000 | (pictureId & 0x7fff), offset + 2);
}

/** What the header of a received RTP packet tells, read without decrypting it. */
export interface RtpHeaderView {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

/** RTP or RTCP on a demultiplexed port (RFC 5761 §4): RTCP packet types 192–223 sit in the second byte. */
export function isRtcp(packet: Buffer): boolean {
  const type = packet[1]!;
  return type >= 192 && type <= 223;
}

export function readRtpHeader(packet: Buffer): RtpHeaderView {
  return {
    ssrc: packet.readUInt32BE(8),
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    marker: (packet[1]! & 0x80) !== 0,
  };
}

/** Seconds between 1900 and 1970, for NTP timestamps. */
const NTP_EPOCH_OFFSET = 2_208_988_800;

/** An RTCP sender report without report blocks (RFC 3550 §6.4.1). mediasoup needs them to switch simulcast layers. */
export function senderReport(ssrc: number, wallClockMs: number, rtpTimestamp: number, packets: number, octets: number): Buffer {
  const report = Buffer.alloc(28);
  report[0] = 0x80;
  report[1] = 200;
  report.writeUInt16BE(6, 2); // length in 32-bit words minus one
  report.writeUInt32BE(ssrc >>> 0, 4);
  const seconds = Math.floor(wallClockMs / 1000);
  report.writeUInt32BE((seconds + NTP_EPOCH_OFFSET) >>> 0, 8);
  report.writeUInt32BE(Math.floor(((wallClockMs % 1000) / 1000) * 2 ** 32) >>> 0, 12);
  report.writeUInt32BE(rtpTimestamp >>> 0, 16);
  report.writeUInt32BE(packets >>> 0, 20);
  report.writeUInt32BE(octets >>> 0, 24);
  return report;
}

/** Feedback the SFU sends a sender about one of its streams. */
export interface Feedback {
  kind: 'nack' | 'pli' | 'fir';
  mediaSsrc: number;
  /** NACK: the sequence numbers asked for again. */
  lost: number[];
}

/** The NACKs, PLIs and FIRs in a compound RTCP packet; other packet types are skipped. */
export function readFeedback(rtcp: Buffer): Feedback[] {
  const found: Feedback[] = [];
  let offset = 0;
  while (offset + 4 <= rtcp.length) {
    const format = rtcp[offset]! & 0x1f;
    const type = rtcp[offset + 1]!;
    const end = offset + (rtcp.readUInt16BE(offset + 2) + 1) * 4;
    if (end > rtcp.length) break;
    if (type === 205 && format === 1) {
      // Generic NACK: pairs of packet ID and a bitmask of the 16 following.
      const lost: number[] = [];
      for (let at = offset + 12; at + 4 <= end; at += 4) {
        const pid = rtcp.readUInt16BE(at);
        const mask = rtcp.readUInt16BE(at + 2);
        lost.push(pid);
        for (let bit = 0; bit < 16; bit++) if (mask & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
      }
      found.push({ kind: 'nack', mediaSsrc: rtcp.readUInt32BE(offset + 8), lost });
    } else if (type === 206 && format === 1) {
      found.push({ kind: 'pli', mediaSsrc: rtcp.readUInt32BE(offset + 8), lost: [] });
    } else if (type === 206 && format === 4) {
      // FIR names the stream in its FCI entries, not in the media SSRC field.
      for (let at = offset + 12; at + 8 <= end; at += 8) found.push({ kind: 'fir', mediaSsrc: rtcp.readUInt32BE(at), lost: [] });
    }
    offset = end;
  }
  return found;
}

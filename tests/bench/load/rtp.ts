/**
 * RTP as the load bots' TypeScript side needs it: pre-encoded VP8 frames split into the payloads the
 * media pump sends (it writes headers and descriptors itself, pump/media-pump.c), and the header
 * and demultiplexing rules its tests use.
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

/** RTP or RTCP on a demultiplexed port (RFC 5761 §4): RTCP packet types 192–223 sit in the second byte. */
export function isRtcp(packet: Buffer): boolean {
  const type = packet[1]!;
  return type >= 192 && type <= 223;
}

import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clip } from './clips.ts';
import { MediaPump, receiverKey, type PumpSocket } from './MediaPump.ts';
import { isRtcp, RTP_HEADER_BYTES, VP8_DESCRIPTOR_BYTES, writeRtpHeader } from './rtp.ts';
import { SrtcpReceiver, SrtpSender, splitDtlsSrtpKeys, SRTP_OVERHEAD, type SrtpMasterKey } from './srtp.ts';

/**
 * The media pump (pump/media-pump.c) against a UDP socket standing for the SFU, with the
 * TypeScript SRTP (checked against RFC 3711's vectors in srtp.test.ts) as the judge of what it
 * protects and the maker of the feedback it must open.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FRAME_MS = 20;
const SSRC = 0x11223344;

/** A VP8 clip of `count` frames (≤ 31), each of `packets(i)` payloads filled with frame × 8 + packet. */
function testClip(count: number, packets: (frame: number) => number): Clip {
  return {
    kind: 'video',
    clockRate: 90_000,
    frameIntervalMs: FRAME_MS,
    frames: Array.from({ length: count }, (_, frame) => ({
      keyframe: frame === 0,
      payloads: Array.from({ length: packets(frame) }, (_, packet) => Buffer.alloc(100 + packet, frame * 8 + packet)),
    })),
  };
}

/**
 * Opens the SRTP packets of one sender, given in sending order. AES-CM is its own inverse, so
 * protecting a received packet again decrypts it; protecting the result with a second sender in
 * step must give the received packet back, tag included, if it is authentic.
 */
class SrtpOpener {
  readonly #decrypt: SrtpSender;
  readonly #verify: SrtpSender;

  constructor(master: SrtpMasterKey) {
    this.#decrypt = new SrtpSender(master);
    this.#verify = new SrtpSender(master);
  }

  open(packet: Buffer): { rtp: Buffer; authentic: boolean } {
    const rtpLength = packet.length - SRTP_OVERHEAD;
    const plain = Buffer.from(packet);
    this.#decrypt.protectRtp(plain, rtpLength, RTP_HEADER_BYTES);
    const again = Buffer.from(plain);
    this.#verify.protectRtp(again, rtpLength, RTP_HEADER_BYTES);
    return { rtp: plain.subarray(0, rtpLength), authentic: again.equals(packet) };
  }
}

/** Which frame and packet of a testClip an opened RTP packet carries (its payload's fill byte). */
const fillOf = (rtp: Buffer) => rtp[RTP_HEADER_BYTES + VP8_DESCRIPTOR_BYTES]!;

describe('media pump', () => {
  let pump: MediaPump;
  let sfu: Socket;
  let sfuPort: number;
  const arrivals: { packet: Buffer; from: RemoteInfo; at: number }[] = [];

  beforeAll(async () => {
    pump = MediaPump.start(); // built with gcc on first use (npm run setup installs gcc and libssl-dev)
    sfu = createSocket('udp4');
    sfu.on('message', (packet, from) => arrivals.push({ packet, from, at: performance.now() }));
    await new Promise<void>((resolve) => sfu.bind(0, '127.0.0.1', resolve));
    sfuPort = sfu.address().port;
  }, 60_000);

  afterAll(() => {
    pump?.close();
    sfu?.close();
  });

  /** A pump socket and the port the SFU sees it from (learned from a first datagram, as ICE would). */
  async function openSocket(): Promise<{ socket: PumpSocket; from: RemoteInfo }> {
    const socket = await pump.open('127.0.0.1', sfuPort);
    const marker = randomBytes(8);
    socket.send(Buffer.concat([Buffer.from([0, 1, 0, 0]), marker]));
    for (let i = 0; i < 100; i++) {
      const arrival = arrivals.find(({ packet }) => packet.subarray(4).equals(marker));
      if (arrival) return { socket, from: arrival.from };
      await sleep(10);
    }
    throw new Error('the pump socket sent nothing');
  }

  it('passes STUN and DTLS datagrams both ways as they are', async () => {
    const { socket, from } = await openSocket();
    const dtls = Buffer.from([0x16, 0xfe, 0xfd, 1, 2, 3, 4]);
    const back = new Promise<Buffer>((resolve) => (socket.onPacket = resolve));
    sfu.send(dtls, from.port, from.address);
    expect(await back).toEqual(dtls);
    socket.close();
  });

  it('sends a clip as authentic SRTP under the keys DTLS gave it: paced frames, RTP headers, VP8 descriptors, a marker on each last packet', async () => {
    const { socket, from } = await openSocket();
    const material = randomBytes(60);
    socket.setKeys(material);
    const clip = testClip(3, (frame) => [3, 1, 2][frame]!);
    const start = arrivals.length;
    const stream = socket.sendClip(clip, SSRC, 96, 0);
    await sleep(10 * FRAME_MS);
    const packets = arrivals.slice(start).filter(({ packet, from: sender }) => sender.port === from.port && !isRtcp(packet)).map(({ packet }) => packet);
    expect(packets.length).toBeGreaterThanOrEqual(12);

    const opener = new SrtpOpener(splitDtlsSrtpKeys(material).client);
    const first = opener.open(packets[0]!).rtp;
    const firstPictureId = first.readUInt16BE(RTP_HEADER_BYTES + 2) & 0x7fff;
    let index = 0;
    for (let frameNumber = 0; index < packets.length; frameNumber++) {
      const frame = frameNumber % 3;
      const count = clip.frames[frame]!.payloads.length;
      for (let packet = 0; packet < count && index < packets.length; packet++, index++) {
        const { rtp, authentic } = index === 0 ? { rtp: first, authentic: true } : opener.open(packets[index]!);
        expect(authentic).toBe(true);
        expect(rtp.readUInt16BE(2)).toBe((first.readUInt16BE(2) + index) & 0xffff);
        expect(rtp.readUInt32BE(4)).toBe((first.readUInt32BE(4) + frameNumber * 1800) >>> 0); // 90 kHz × 20 ms
        expect(rtp.readUInt32BE(8)).toBe(SSRC);
        expect(rtp[1]! & 0x7f).toBe(96);
        expect((rtp[1]! & 0x80) !== 0).toBe(packet === count - 1);
        // VP8 descriptor: X, S on a frame's first packet; I with a 15-bit picture ID, one per frame.
        expect(rtp[RTP_HEADER_BYTES]).toBe(packet === 0 ? 0x90 : 0x80);
        expect(rtp[RTP_HEADER_BYTES + 1]).toBe(0x80);
        expect(rtp.readUInt16BE(RTP_HEADER_BYTES + 2)).toBe(0x8000 | ((firstPictureId + frameNumber) & 0x7fff));
        expect(rtp.subarray(RTP_HEADER_BYTES + VP8_DESCRIPTOR_BYTES)).toEqual(clip.frames[frame]!.payloads[packet]);
      }
    }
    expect((await pump.stats()).streams.get(stream)?.packets).toBeGreaterThanOrEqual(packets.length);
    socket.close();
  });

  it('answers a NACK from its history, a PLI with the key frame next, and sends sender reports the SFU can open', async () => {
    const { socket, from } = await openSocket();
    const material = randomBytes(60);
    socket.setKeys(material);
    const { client, server } = splitDtlsSrtpKeys(material);
    // 30 frames of one packet: the clip's first frame comes round again only every 600 ms.
    const clip = testClip(30, () => 1);
    const start = arrivals.length;
    const stream = socket.sendClip(clip, SSRC, 96, 0);
    await sleep(1_100); // past the first sender report (one a second)
    const ours = (from_: number) => arrivals.slice(from_).filter(({ from: sender }) => sender.port === from.port);
    const sent = ours(start).filter(({ packet }) => !isRtcp(packet));
    const asked = [sent[3]!.packet, sent[5]!.packet];
    const feedback = new SrtpSender(server); // the SFU's side of the keys

    // A compound packet as the SFU sends it: a receiver report, then a NACK for packets 3 and 5.
    const receiverReport = Buffer.from('80c9000100000001', 'hex');
    const nack = Buffer.alloc(16);
    nack[0] = 0x81; // FMT 1: generic NACK
    nack[1] = 205;
    nack.writeUInt16BE(3, 2);
    nack.writeUInt32BE(1, 4);
    nack.writeUInt32BE(SSRC, 8);
    nack.writeUInt16BE(asked[0]!.readUInt16BE(2), 12); // packet 3 …
    nack.writeUInt16BE(0b10, 14); // … and, by the bitmask, packet 3 + 2
    const nackAt = arrivals.length;
    sfu.send(feedback.protectRtcp(Buffer.concat([receiverReport, nack])), from.port, from.address);
    await sleep(50);
    for (const packet of asked) expect(ours(nackAt).filter((arrival) => arrival.packet.equals(packet))).toHaveLength(1);

    const pli = Buffer.alloc(12);
    pli[0] = 0x81; // FMT 1: PLI
    pli[1] = 206;
    pli.writeUInt16BE(2, 2);
    pli.writeUInt32BE(1, 4);
    pli.writeUInt32BE(SSRC, 8);
    // Midway through the clip's loop, so that its own return to frame 0 cannot pass for the answer.
    const loopStart = ours(start).find(({ packet }) => !isRtcp(packet))!.at;
    const loopMs = clip.frames.length * FRAME_MS;
    await sleep(loopMs - ((performance.now() - loopStart) % loopMs) + loopMs / 2);
    const pliAt = arrivals.length;
    const pliTime = performance.now();
    sfu.send(feedback.protectRtcp(pli), from.port, from.address);
    await sleep(100);
    const opener = new SrtpOpener(client);
    const opened = ours(start)
      .filter(({ packet }) => !isRtcp(packet))
      .map((arrival, i) => ({ ...arrival, index: i, rtp: opener.open(arrival.packet).rtp }));
    const afterPli = opened.filter(({ at }) => at >= (arrivals[pliAt]?.at ?? pliTime));
    const keyframe = afterPli.find(({ rtp }) => fillOf(rtp) === 0);
    expect(keyframe).toBeDefined();
    expect(keyframe!.at - pliTime).toBeLessThan(FRAME_MS * 3);
    // Not the clip coming round by itself: the frame sent before it was not the last one.
    expect(fillOf(opened[keyframe!.index - 1]!.rtp)).not.toBe(29 * 8);
    expect((await pump.stats()).streams.get(stream)).toMatchObject({ nacks: 1, retransmitted: 2, plis: 1 });

    const report = ours(start).find(({ packet }) => isRtcp(packet) && packet[1] === 200);
    expect(report).toBeDefined();
    const senderReport = new SrtcpReceiver(client).unprotectRtcp(report!.packet);
    expect(senderReport).not.toBeNull();
    expect(senderReport!.readUInt32BE(4)).toBe(SSRC);
    expect(senderReport!.readUInt32BE(20)).toBeGreaterThan(0); // packets sent so far
    socket.close();
  });

  it('counts the RTP it receives from the headers: packets, bytes, frames, losses across a sequence wrap, jitter; others as unknown', async () => {
    const { socket, from } = await openSocket();
    socket.setKeys(randomBytes(60));
    socket.count(0x5555, 90_000);
    const send = (sequenceNumber: number, timestamp: number, marker: boolean, ssrc = 0x5555) => {
      const packet = Buffer.alloc(RTP_HEADER_BYTES + 50);
      writeRtpHeader(packet, { payloadType: 96, marker, sequenceNumber, timestamp, ssrc });
      sfu.send(packet, from.port, from.address);
    };
    // 65533 … 2 with 1 missing: 6 numbered, 5 received; two frames end; timestamps far from arrival times.
    for (const [sequenceNumber, marker] of [[65533, false], [65534, false], [65535, true], [0, false], [2, true]] as const) {
      send(sequenceNumber, sequenceNumber * 9_000, marker);
      await sleep(5);
    }
    send(7, 0, true, 0x6666);
    await sleep(50);
    const stats = await pump.stats();
    const received = stats.receivers.get(receiverKey(socket.id, 0x5555))!;
    expect(received).toMatchObject({ received: 5, expected: 6, frames: 2, bytes: 5 * (RTP_HEADER_BYTES + 50) });
    expect(received.jitterMs).toBeGreaterThan(0);
    expect(stats.unknown).toBeGreaterThanOrEqual(1);
    socket.close();
    await sleep(20);
    expect((await pump.stats()).receivers.has(receiverKey(socket.id, 0x5555))).toBe(false);
  });
});

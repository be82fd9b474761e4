import type { BotTransport } from './BotTransport.ts';
import type { IvfFile } from './ivf.ts';
import { RTP_HEADER_BYTES, VP8_DESCRIPTOR_BYTES, packetizeVp8, senderReport, writeRtpHeader, writeVp8Descriptor, type PacketizedFrame } from './rtp.ts';
import { SRTP_OVERHEAD } from './srtp.ts';

/** The frames of a clip, packetized once and shared by every bot that sends the clip. */
export interface Clip {
  kind: 'audio' | 'video';
  clockRate: number;
  frameIntervalMs: number;
  frames: PacketizedFrame[];
}

/** A VP8 clip; its first frame must be a key frame, since a PLI or FIR sends the clip from there. */
export function videoClip(file: IvfFile): Clip {
  const frames = file.frames.map((frame) => packetizeVp8(frame.data, frame.keyframe));
  if (!frames[0]?.keyframe) throw new Error(`a ${file.width}×${file.height} clip does not start with a key frame`);
  return { kind: 'video', clockRate: 90_000, frameIntervalMs: 1000 / file.frameRate, frames };
}

export function audioClip(packets: Buffer[]): Clip {
  return { kind: 'audio', clockRate: 48_000, frameIntervalMs: 20, frames: packets.map((packet) => ({ payloads: [packet], keyframe: true })) };
}

/** How often the scheduler sends what is due; finer than any frame interval (20 ms audio, 33 ms video). */
const TICK_MS = 5;
/**
 * Retransmissions are served from the last this many packets (a power of two): over a second of the
 * document camera, many seconds of the others, while the SFU asks within milliseconds on loopback.
 * A longer history only gives the garbage collector more to walk (it showed in the bots' profile).
 */
const HISTORY = 256;
/** Further behind its schedule than this, a stream skips frames rather than sending a burst. */
const MAX_CATCH_UP_MS = 500;

export interface SenderCounters {
  packets: number;
  bytes: number;
  nacks: number;
  retransmitted: number;
  plis: number;
  firs: number;
  /** Frames skipped because the bot process fell behind its schedule. */
  skippedFrames: number;
}

interface PendingFrame {
  payloads: Buffer[];
  /** Index of the next payload to send. */
  next: number;
  perTick: number;
  timestamp: number;
  pictureId: number;
}

/**
 * One RTP stream a bot sends (an SSRC): its clip looped at the clip's frame rate, RTCP sender
 * reports, retransmission on NACK and its first (key) frame again on PLI/FIR. A MediaScheduler
 * calls tick().
 */
export class MediaSender {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly counters: SenderCounters = { packets: 0, bytes: 0, nacks: 0, retransmitted: 0, plis: 0, firs: 0, skippedFrames: 0 };
  readonly #clip: Clip;
  readonly #transport: BotTransport;
  readonly #history: (Buffer | undefined)[] = new Array(HISTORY);
  #frameIndex = 0;
  #sequenceNumber = Math.floor(Math.random() * 0x10000);
  #timestamp = Math.floor(Math.random() * 2 ** 32);
  #pictureId = Math.floor(Math.random() * 0x8000);
  #nextFrameAt: number;
  #lastFrameAt = 0;
  #lastFrameTimestamp = 0;
  /** The frame being sent, paced over several ticks. */
  #pending: PendingFrame | null = null;
  #keyframeWanted = false;

  constructor(clip: Clip, transport: BotTransport, ssrc: number, payloadType: number, startAt: number) {
    this.#clip = clip;
    this.#transport = transport;
    this.ssrc = ssrc;
    this.payloadType = payloadType;
    this.#nextFrameAt = startAt;
  }

  /** Start the frames that are due at `now` (performance.now()), and send this tick's share of packets. */
  tick(now: number): void {
    if (now - this.#nextFrameAt > MAX_CATCH_UP_MS) {
      const behind = Math.floor((now - this.#nextFrameAt) / this.#clip.frameIntervalMs);
      this.counters.skippedFrames += behind;
      this.#nextFrameAt += behind * this.#clip.frameIntervalMs;
      this.#timestamp += Math.round((behind * this.#clip.frameIntervalMs * this.#clip.clockRate) / 1000);
    }
    while (now >= this.#nextFrameAt) {
      this.#startFrame();
      this.#lastFrameAt = this.#nextFrameAt;
      this.#nextFrameAt += this.#clip.frameIntervalMs;
    }
    const pending = this.#pending;
    if (pending) this.#sendPackets(pending, pending.perTick);
  }

  /** An RTCP sender report for this stream, now. */
  sendReport(now: number): void {
    if (this.counters.packets === 0) return;
    const rtpNow = this.#lastFrameTimestamp + Math.round(((now - this.#lastFrameAt) * this.#clip.clockRate) / 1000);
    this.#transport.sendRtcp(senderReport(this.ssrc, performance.timeOrigin + now, rtpNow, this.counters.packets, this.counters.bytes));
  }

  /** The SFU asked for these packets again (NACK). */
  retransmit(sequenceNumbers: number[]): void {
    this.counters.nacks++;
    for (const sequenceNumber of sequenceNumbers) {
      const packet = this.#history[sequenceNumber & (HISTORY - 1)];
      if (packet && packet.readUInt16BE(2) === sequenceNumber) {
        this.#transport.sendProtected(packet);
        this.counters.retransmitted++;
      }
    }
  }

  /** The SFU asked for a key frame (PLI or FIR): the clip's first frame goes next. */
  requestKeyframe(kind: 'pli' | 'fir'): void {
    if (kind === 'pli') this.counters.plis++;
    else this.counters.firs++;
    if (this.#clip.kind === 'video') this.#keyframeWanted = true;
  }

  /**
   * Queue the next frame of the clip. Its packets go out over the first half of the frame interval,
   * as a browser's pacer spreads them, not in one burst (a 1080p key frame is ~100 packets).
   */
  #startFrame(): void {
    const clip = this.#clip;
    if (this.#pending) this.#sendPackets(this.#pending, Infinity);
    if (this.#keyframeWanted) {
      this.#keyframeWanted = false;
      this.#frameIndex = 0;
    }
    const { payloads } = clip.frames[this.#frameIndex]!;
    const ticks = Math.max(1, Math.floor(clip.frameIntervalMs / 2 / TICK_MS));
    this.#pending = { payloads, next: 0, perTick: Math.ceil(payloads.length / ticks), timestamp: this.#timestamp, pictureId: this.#pictureId };
    this.#lastFrameTimestamp = this.#timestamp;
    this.#timestamp = (this.#timestamp + Math.round((clip.frameIntervalMs * clip.clockRate) / 1000)) >>> 0;
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    this.#frameIndex = (this.#frameIndex + 1) % clip.frames.length;
  }

  #sendPackets(frame: PendingFrame, count: number): void {
    const video = this.#clip.kind === 'video';
    const headerLength = RTP_HEADER_BYTES;
    const descriptor = video ? VP8_DESCRIPTOR_BYTES : 0;
    const { payloads } = frame;
    const end = Math.min(payloads.length, frame.next + count);
    for (let i = frame.next; i < end; i++) {
      const payload = payloads[i]!;
      const rtpLength = headerLength + descriptor + payload.length;
      const packet = Buffer.allocUnsafe(rtpLength + SRTP_OVERHEAD);
      writeRtpHeader(packet, {
        payloadType: this.payloadType,
        // Video: the marker ends a frame. Audio: it marks the start of a talkspurt (the first packet only).
        marker: video ? i === payloads.length - 1 : this.counters.packets === 0,
        sequenceNumber: this.#sequenceNumber,
        timestamp: frame.timestamp,
        ssrc: this.ssrc,
      });
      if (video) writeVp8Descriptor(packet, headerLength, i === 0, frame.pictureId);
      payload.copy(packet, headerLength + descriptor);
      const srtp = this.#transport.sendRtp(packet, rtpLength, headerLength);
      this.#history[this.#sequenceNumber & (HISTORY - 1)] = srtp;
      this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
      this.counters.packets++;
      this.counters.bytes += rtpLength - headerLength;
    }
    frame.next = end;
    if (end === payloads.length) this.#pending = null;
  }
}

const REPORT_INTERVAL_MS = 1_000;

/** One timer for every stream of the bot process. */
export class MediaScheduler {
  readonly #senders = new Set<MediaSender>();
  #tick?: ReturnType<typeof setInterval>;
  #reports?: ReturnType<typeof setInterval>;

  start(): void {
    this.#tick = setInterval(() => {
      const now = performance.now();
      for (const sender of this.#senders) sender.tick(now);
    }, TICK_MS);
    this.#reports = setInterval(() => {
      const now = performance.now();
      for (const sender of this.#senders) sender.sendReport(now);
    }, REPORT_INTERVAL_MS);
  }

  add(sender: MediaSender): void {
    this.#senders.add(sender);
  }

  delete(sender: MediaSender): void {
    this.#senders.delete(sender);
  }

  stop(): void {
    clearInterval(this.#tick);
    clearInterval(this.#reports);
    this.#senders.clear();
  }
}

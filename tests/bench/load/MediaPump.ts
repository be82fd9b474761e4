import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Clip } from './clips.ts';

/**
 * The bots' media path (pump/media-pump.c): one native process sends every bot's RTP (SRTP over
 * OpenSSL's libcrypto, sendmmsg) and counts what they receive (recvmmsg, headers only), so that the bots cost a small
 * part of what the SFU they measure costs. This class is its TypeScript side: the wire of
 * media-pump.c (see its header), the sockets (PumpSocket) through which BotTransport runs ICE and
 * DTLS, and the counters.
 */

const SOURCE = fileURLToPath(new URL('./pump/media-pump.c', import.meta.url));
/** Built once per version of the source, like the media clips. */
const BUILD_DIR = join(homedir(), '.cache/madoguchi/media-pump');

const enum Command { Open = 1, Send = 2, Keys = 3, Clip = 4, Stream = 5, Receive = 6, Close = 7, Stats = 8 }
const enum Event { Opened = 1, Packet = 2, Stats = 3, Error = 4 }

/** What one sent stream counted so far. */
export interface PumpStreamCounters {
  packets: number;
  bytes: number;
  nacks: number;
  retransmitted: number;
  plis: number;
  firs: number;
  /** Frames skipped because the pump fell behind its schedule. */
  skippedFrames: number;
}

/** What one received stream counted so far, from RTP headers (RFC 3550 §6.4.1, A.8). */
export interface PumpReceiverCounters {
  received: number;
  bytes: number;
  frames: number;
  /** Packets the sender numbered, first to highest received: what was sent to us. */
  expected: number;
  jitterMs: number;
}

export interface PumpStats {
  streams: Map<number, PumpStreamCounters>;
  /** By `${transportId}:${ssrc}`. */
  receivers: Map<string, PumpReceiverCounters>;
  /** Packets that arrived for no stream being counted (before its consumer was announced). */
  unknown: number;
}

export const receiverKey = (transportId: number, ssrc: number) => `${transportId}:${ssrc}`;

/** Build the pump if this version of its source has not been built yet; returns the binary's path. */
export function buildMediaPump(): string {
  const source = readFileSync(SOURCE);
  const version = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const binary = join(BUILD_DIR, version, 'media-pump');
  if (existsSync(binary)) return binary;
  if (!existsSync('/usr/include/openssl/evp.h') || !commandExists('gcc')) {
    throw new Error('the load bots\' media pump is built with gcc and OpenSSL\'s headers, which `npm run setup` installs (build-essential, libssl-dev)');
  }
  mkdirSync(join(BUILD_DIR, version), { recursive: true });
  const partial = `${binary}.partial`;
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', partial, SOURCE, '-lcrypto', '-lm'], { stdio: 'inherit' });
  renameSync(partial, binary);
  return binary;
}

function commandExists(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One UDP socket of the pump, connected to one transport of the SFU. */
export class PumpSocket {
  readonly id: number;
  /** STUN and DTLS datagrams from the SFU (RTP and RTCP stay in the pump). */
  onPacket: (packet: Buffer) => void = () => {};
  readonly #pump: MediaPump;
  #closed = false;

  constructor(pump: MediaPump, id: number) {
    this.#pump = pump;
    this.id = id;
  }

  send(datagram: Buffer): void {
    if (!this.#closed) this.#pump.send(Command.Send, u32(this.id), datagram);
  }

  /** The 60 bytes DTLS exported for SRTP: from now on the pump protects and opens this socket's media. */
  setKeys(material: Buffer): void {
    this.#pump.send(Command.Keys, u32(this.id), material.subarray(0, 60));
  }

  /** Send `clip` from this socket as stream `ssrc`, its first frame after `delayMs`; returns the stream's id. */
  sendClip(clip: Clip, ssrc: number, payloadType: number, delayMs: number): number {
    return this.#pump.startStream(this.id, clip, ssrc, payloadType, delayMs);
  }

  /** Count the stream `ssrc` arriving on this socket. */
  count(ssrc: number, clockRate: number): void {
    this.#pump.send(Command.Receive, u32(this.id), u32(ssrc), u32(clockRate));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pump.closeSocket(this.id);
  }
}

export class MediaPump {
  readonly #process: ChildProcessByStdio<Writable, Readable, null>;
  readonly #sockets = new Map<number, PumpSocket>();
  readonly #opening = new Map<number, () => void>();
  readonly #statsWaiters = new Map<number, { resolve(stats: PumpStats): void; reject(error: Error): void }>();
  readonly #clips = new Map<Clip, number>();
  #nextId = 1;
  #input: Buffer = Buffer.alloc(0);
  #failure?: Error;
  /** Closed on purpose: what bots still send (a timer, a late answer) goes nowhere, and is no failure. */
  #closed = false;

  private constructor(binary: string) {
    this.#process = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#process.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    this.#process.on('exit', (code, signal) => {
      const failure = (this.#failure ??= new Error(`the media pump ended (${signal ?? `exit ${code}`})`));
      for (const waiter of this.#statsWaiters.values()) waiter.reject(failure);
      this.#statsWaiters.clear();
    });
    this.#process.stdin.on('error', () => undefined); // the exit above says why
  }

  static start(): MediaPump {
    return new MediaPump(buildMediaPump());
  }

  get pid(): number {
    return this.#process.pid!;
  }

  /** A socket connected to `address:port` (IPv4). */
  open(address: string, port: number): Promise<PumpSocket> {
    const id = this.#nextId++;
    const octets = address.split('.').map(Number);
    if (octets.length !== 4 || octets.some((octet) => !(octet >= 0 && octet <= 255))) throw new Error(`the media pump takes IPv4 addresses, not ${address}`);
    const body = Buffer.alloc(10);
    body.writeUInt32LE(id, 0);
    Buffer.from(octets).copy(body, 4); // network order
    body.writeUInt16LE(port, 8);
    return new Promise((resolve) => {
      this.#opening.set(id, () => {
        const socket = new PumpSocket(this, id);
        this.#sockets.set(id, socket);
        resolve(socket);
      });
      this.send(Command.Open, body);
    });
  }

  /** Everything counted so far. */
  stats(): Promise<PumpStats> {
    const request = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#statsWaiters.set(request, { resolve, reject });
      this.send(Command.Stats, u32(request));
    });
  }

  close(): void {
    this.#closed = true;
    this.#process.stdin.end();
    this.#process.kill();
  }

  /** @internal */
  send(command: Command, ...parts: Buffer[]): void {
    if (this.#closed) return;
    if (this.#failure) throw this.#failure;
    const length = parts.reduce((total, part) => total + part.length, 1);
    const head = Buffer.alloc(5);
    head.writeUInt32LE(length, 0);
    head[4] = command;
    this.#process.stdin.write(Buffer.concat([head, ...parts]));
  }

  /** @internal */
  startStream(socketId: number, clip: Clip, ssrc: number, payloadType: number, delayMs: number): number {
    const id = this.#nextId++;
    const body = Buffer.alloc(25);
    body.writeUInt32LE(id, 0);
    body.writeUInt32LE(socketId, 4);
    body.writeUInt32LE(this.#clipId(clip), 8);
    body.writeUInt32LE(ssrc >>> 0, 12);
    body[16] = payloadType;
    body.writeDoubleLE(delayMs, 17);
    this.send(Command.Stream, body);
    return id;
  }

  /** @internal */
  closeSocket(id: number): void {
    this.#sockets.delete(id);
    if (!this.#failure) this.send(Command.Close, u32(id));
  }

  /** A clip goes to the pump once, the first time a stream sends it. */
  #clipId(clip: Clip): number {
    const known = this.#clips.get(clip);
    if (known !== undefined) return known;
    const id = this.#nextId++;
    this.#clips.set(clip, id);
    const head = Buffer.alloc(21);
    head.writeUInt32LE(id, 0);
    head[4] = clip.kind === 'video' ? 1 : 0;
    head.writeUInt32LE(clip.clockRate, 5);
    head.writeDoubleLE(clip.frameIntervalMs, 9);
    head.writeUInt32LE(clip.frames.length, 17);
    const parts: Buffer[] = [head];
    for (const frame of clip.frames) {
      const frameHead = Buffer.alloc(3);
      frameHead[0] = frame.keyframe ? 1 : 0;
      frameHead.writeUInt16LE(frame.payloads.length, 1);
      parts.push(frameHead);
      for (const payload of frame.payloads) {
        const length = Buffer.alloc(2);
        length.writeUInt16LE(payload.length, 0);
        parts.push(length, payload);
      }
    }
    this.send(Command.Clip, ...parts);
    return id;
  }

  #onOutput(chunk: Buffer): void {
    this.#input = this.#input.length ? Buffer.concat([this.#input, chunk]) : chunk;
    let at = 0;
    while (this.#input.length - at >= 4) {
      const length = this.#input.readUInt32LE(at);
      if (this.#input.length - at - 4 < length) break;
      this.#onEvent(this.#input[at + 4]!, this.#input.subarray(at + 5, at + 4 + length));
      at += 4 + length;
    }
    this.#input = this.#input.subarray(at);
  }

  #onEvent(event: number, body: Buffer): void {
    switch (event) {
      case Event.Opened: {
        const id = body.readUInt32LE(0);
        this.#opening.get(id)?.();
        this.#opening.delete(id);
        return;
      }
      case Event.Packet:
        // A copy: the chunk it came in is reused for the next frames.
        this.#sockets.get(body.readUInt32LE(0))?.onPacket(Buffer.from(body.subarray(4)));
        return;
      case Event.Stats: {
        const request = body.readUInt32LE(0);
        const waiter = this.#statsWaiters.get(request);
        this.#statsWaiters.delete(request);
        waiter?.resolve(parseStats(body.subarray(4).toString('utf8')));
        return;
      }
      case Event.Error:
        console.error(`[load] media pump: ${body.toString('utf8')}`);
        return;
      default:
        console.error(`[load] media pump: unknown event ${event}`);
    }
  }
}

function parseStats(json: string): PumpStats {
  const raw = JSON.parse(json) as { streams: number[][]; receivers: number[][]; unknown: number };
  const streams = new Map<number, PumpStreamCounters>();
  for (const [id, packets, bytes, nacks, retransmitted, plis, firs, skippedFrames] of raw.streams) {
    streams.set(id!, { packets: packets!, bytes: bytes!, nacks: nacks!, retransmitted: retransmitted!, plis: plis!, firs: firs!, skippedFrames: skippedFrames! });
  }
  const receivers = new Map<string, PumpReceiverCounters>();
  for (const [transportId, ssrc, received, bytes, frames, expected, jitterMs] of raw.receivers) {
    receivers.set(receiverKey(transportId!, ssrc!), { received: received!, bytes: bytes!, frames: frames!, expected: expected!, jitterMs: jitterMs! });
  }
  return { streams, receivers, unknown: raw.unknown };
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0, 0);
  return buffer;
}

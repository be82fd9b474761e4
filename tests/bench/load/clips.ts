import type { IvfFile } from './ivf.ts';
import { packetizeVp8, type PacketizedFrame } from './rtp.ts';

/** The frames of a clip, packetized once and handed to the media pump once, for every stream that sends it. */
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

/** One compressed video frame of an IVF file. */
export interface IvfFrame {
  data: Buffer;
  /** Presentation time in the file's timebase units. */
  timestamp: number;
  /** VP8 key frame (the frame tag's P bit is 0): a decoder can start here. */
  keyframe: boolean;
}

export interface IvfFile {
  fourcc: string;
  width: number;
  height: number;
  /** Frames per second as the file's timebase states it (denominator / numerator). */
  frameRate: number;
  frames: IvfFrame[];
}

const FILE_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 12;

/** Read an IVF container (what ffmpeg writes with `-f ivf`): a 32-byte header, then size-prefixed frames. */
export function parseIvf(file: Buffer): IvfFile {
  if (file.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file (no DKIF signature)');
  const headerBytes = file.readUInt16LE(6);
  const fourcc = file.toString('latin1', 8, 12);
  const width = file.readUInt16LE(12);
  const height = file.readUInt16LE(14);
  const rate = file.readUInt32LE(16);
  const scale = file.readUInt32LE(20);
  const frames: IvfFrame[] = [];
  let offset = Math.max(headerBytes, FILE_HEADER_BYTES);
  while (offset + FRAME_HEADER_BYTES <= file.length) {
    const size = file.readUInt32LE(offset);
    const timestamp = Number(file.readBigUInt64LE(offset + 4));
    const start = offset + FRAME_HEADER_BYTES;
    if (start + size > file.length) throw new Error(`IVF frame at byte ${offset} runs past the end of the file`);
    const data = file.subarray(start, start + size);
    frames.push({ data, timestamp, keyframe: size > 0 && (data[0]! & 0x01) === 0 });
    offset = start + size;
  }
  return { fourcc, width, height, frameRate: rate / scale, frames };
}

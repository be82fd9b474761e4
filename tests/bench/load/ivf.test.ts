import { describe, expect, it } from 'vitest';
import { parseIvf } from './ivf.ts';

function ivf(frames: Buffer[], { rate = 30, scale = 1 } = {}): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(640, 12);
  header.writeUInt16LE(480, 14);
  header.writeUInt32LE(rate, 16);
  header.writeUInt32LE(scale, 20);
  header.writeUInt32LE(frames.length, 24);
  const records = frames.map((data, i) => {
    const frameHeader = Buffer.alloc(12);
    frameHeader.writeUInt32LE(data.length, 0);
    frameHeader.writeBigUInt64LE(BigInt(i), 4);
    return Buffer.concat([frameHeader, data]);
  });
  return Buffer.concat([header, ...records]);
}

describe('parseIvf', () => {
  it('reads the header and every frame, telling key frames by the VP8 frame tag', () => {
    const key = Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]); // P bit 0: key frame
    const delta = Buffer.from([0x31, 0x01, 0x00, 0xaa]); // P bit 1: inter frame
    const file = parseIvf(ivf([key, delta]));
    expect(file).toMatchObject({ fourcc: 'VP80', width: 640, height: 480, frameRate: 30 });
    expect(file.frames.map((frame) => [frame.data, frame.timestamp, frame.keyframe])).toEqual([
      [key, 0, true],
      [delta, 1, false],
    ]);
  });

  it('takes the frame rate from the timebase', () => {
    expect(parseIvf(ivf([], { rate: 30000, scale: 1001 })).frameRate).toBeCloseTo(29.97, 2);
  });

  it('refuses a file that is not IVF, or whose last frame is cut short', () => {
    expect(() => parseIvf(Buffer.from('OggS and more bytes than a header has, surely'))).toThrow(/DKIF/);
    const whole = ivf([Buffer.alloc(100)]);
    expect(() => parseIvf(whole.subarray(0, whole.length - 1))).toThrow(/past the end/);
  });
});

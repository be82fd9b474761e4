import type { StillMime } from '@madoguchi/protocol';

export interface ImageInfo {
  mime: StillMime;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The type and pixel size of a PNG or JPEG, read from the file's own header (never trusted from the
 * sender). Returns null for anything else, or a header that is cut short or inconsistent.
 */
export function readImageInfo(data: Uint8Array): ImageInfo | null {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buffer.length >= 24 && buffer.subarray(0, 8).equals(PNG_SIGNATURE)) return readPng(buffer);
  if (buffer.length >= 4 && buffer[0] === 0xff && buffer[1] === 0xd8) return readJpeg(buffer);
  return null;
}

function readPng(buffer: Buffer): ImageInfo | null {
  // The first chunk must be IHDR: length 13, then width and height as big-endian 32-bit.
  if (buffer.readUInt32BE(8) !== 13 || buffer.toString('latin1', 12, 16) !== 'IHDR') return null;
  return sized('image/png', buffer.readUInt32BE(16), buffer.readUInt32BE(20));
}

/** Start-of-frame markers (baseline, progressive, …) carry the size; C4, C8 and CC are not frames. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);

function readJpeg(buffer: Buffer): ImageInfo | null {
  let offset = 2;
  while (offset + 4 <= buffer.length) {
    if (buffer[offset] !== 0xff) return null;
    const marker = buffer[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / scan before any frame header
    const length = buffer.readUInt16BE(offset + 2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (offset + 9 > buffer.length) return null;
      return sized('image/jpeg', buffer.readUInt16BE(offset + 7), buffer.readUInt16BE(offset + 5));
    }
    offset += 2 + length;
  }
  return null;
}

function sized(mime: StillMime, width: number, height: number): ImageInfo | null {
  return width > 0 && height > 0 ? { mime, width, height } : null;
}

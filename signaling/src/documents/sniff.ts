import type { DocumentMime } from '@madoguchi/protocol';
import { readImageInfo } from '../stills/imageInfo.ts';

/** A PDF starts with `%PDF-` and a version digit (a few bytes of junk before it are tolerated by readers; we do not). */
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
/** …and ends, within its last kilobyte, with the end-of-file marker. */
const PDF_EOF = Buffer.from('%%EOF', 'latin1');

/**
 * What a document really is, from its own bytes: a PDF (magic at the start, end marker near the
 * end), or a PNG or JPEG whose header reads whole. Null for anything else: the name and the type the
 * browser declared are never trusted.
 */
export function sniffDocument(data: Uint8Array): DocumentMime | null {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buffer.length > 8 && buffer.subarray(0, 5).equals(PDF_MAGIC) && /[0-9]/.test(String.fromCharCode(buffer[5]!))) {
    return buffer.subarray(Math.max(0, buffer.length - 1024)).includes(PDF_EOF) ? 'application/pdf' : null;
  }
  return readImageInfo(buffer)?.mime ?? null;
}

/** The file name extension of each type. */
export const DOCUMENT_EXTENSION: Record<DocumentMime, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

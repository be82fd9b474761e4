/**
 * pdf-lib with its font engine registered on demand: loaded with the first form drawn or filled, not
 * at start. Loaded at start they cost the idle server 24 MB of memory (8 MB of heap: pdf-lib,
 * fontkit, pako), for forms a city fills a few times a day.
 */
export async function loadPdfLibrary() {
  const [{ PDFDocument, rgb }, { default: fontkit }] = await Promise.all([import('pdf-lib'), import('@pdf-lib/fontkit')]);
  return { PDFDocument, rgb, fontkit };
}

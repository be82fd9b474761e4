import type { PDFDocumentProxy } from 'pdfjs-dist';

/**
 * pdf.js for the tablet and the console, loaded when a PDF is first shown (it is large, and most
 * calls show none), with its worker bundled by each app's vite build beside the app: nothing is
 * fetched from the internet, so the booth works offline.
 */
let library: Promise<typeof import('pdfjs-dist')> | undefined;

function pdfjs(): Promise<typeof import('pdfjs-dist')> {
  library ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(([pdf, worker]) => {
    pdf.GlobalWorkerOptions.workerSrc = worker.default;
    return pdf;
  });
  return library;
}

/** Open a PDF from its bytes (pdf.js takes the buffer over: pass a copy if you keep it). */
export async function openPdf(data: ArrayBuffer): Promise<PDFDocumentProxy> {
  const pdf = await pdfjs();
  // No eval (the page's CSP has none), no fetches of fonts or maps from elsewhere.
  return pdf.getDocument({ data: new Uint8Array(data), isEvalSupported: false, disableFontFace: false, useSystemFonts: true }).promise;
}

/** A sent document opened for display: a PDF for pdf.js, or an image at an object URL. */
export type OpenedDocument = { kind: 'pdf'; pdf: PDFDocumentProxy } | { kind: 'image'; url: string };

/** Open a fetched document by its (server-sniffed) type; `closeDocument` releases it. */
export async function openDocument(data: ArrayBuffer, mime: string): Promise<OpenedDocument> {
  if (mime === 'application/pdf') return { kind: 'pdf', pdf: await openPdf(data) };
  return { kind: 'image', url: URL.createObjectURL(new Blob([data], { type: mime })) };
}

export function closeDocument(opened: OpenedDocument): void {
  if (opened.kind === 'pdf') void opened.pdf.destroy();
  else URL.revokeObjectURL(opened.url);
}

/**
 * Draw one page (1-based) into the canvas, `cssWidth` CSS pixels wide, sharp on the screen's pixel
 * ratio. Returns the page's size in PDF points. A render superseded by a newer one is cancelled.
 */
export async function renderPage(document: PDFDocumentProxy, pageNumber: number, canvas: HTMLCanvasElement, cssWidth: number, signal: AbortSignal): Promise<{ width: number; height: number }> {
  const page = await document.getPage(pageNumber);
  const unscaled = page.getViewport({ scale: 1 });
  const ratio = window.devicePixelRatio || 1;
  // Bounded: a deep zoom of a large page must not ask for a canvas the browser refuses.
  const scale = Math.min((cssWidth * ratio) / unscaled.width, 8192 / Math.max(unscaled.width, unscaled.height));
  const viewport = page.getViewport({ scale });
  const offscreen = document_createCanvas(viewport.width, viewport.height);
  const task = page.render({ canvas: offscreen, viewport });
  const abort = () => task.cancel();
  signal.addEventListener('abort', abort, { once: true });
  try {
    await task.promise;
  } finally {
    signal.removeEventListener('abort', abort);
  }
  if (signal.aborted) throw new DOMException('superseded', 'AbortError');
  // Swapped in whole: the resident never sees a half-drawn page.
  canvas.width = offscreen.width;
  canvas.height = offscreen.height;
  canvas.getContext('2d')?.drawImage(offscreen, 0, 0);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${(cssWidth * unscaled.height) / unscaled.width}px`;
  return { width: unscaled.width, height: unscaled.height };
}

function document_createCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = window.document.createElement('canvas');
  canvas.width = Math.max(1, Math.floor(width));
  canvas.height = Math.max(1, Math.floor(height));
  return canvas;
}

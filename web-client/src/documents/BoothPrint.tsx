import type { ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { openPdf, renderPage } from '@madoguchi/protocol/pdf';
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { fetchSentDocument, fetchSignedForm } from '../api.ts';
import { loadDeviceToken } from '../storage.ts';

/** A4 at 96 CSS pixels to the inch, drawn at twice that for a sharp print. */
const PRINT_WIDTH_CSS = 794;

type Job = ServerPayload<'print:requested'>;

/**
 * 印刷 at the booth (issue 13, item 4): the operator's print request becomes a print-only view (every
 * page drawn by pdf.js, or the image) outside the app's root, and the browser's print. A kiosk
 * Chromium started with --kiosk-printing prints to the default printer without a dialog. The tablet
 * reports printed (the print call returned) or failed (the file could not be fetched or drawn).
 */
export function BoothPrint({ client, consultationId }: { client: ProtocolClient; consultationId: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const view = useRef<HTMLDivElement>(null);

  useEffect(
    () =>
      client.on('print:requested', (event) => {
        if (event.consultationId === consultationId) setJob(event);
      }),
    [client, consultationId],
  );

  useEffect(() => {
    if (!job) return;
    const controller = new AbortController();
    const report = (state: 'printed' | 'failed') =>
      client.request('print:result', { consultationId, printId: job.printId, state }).catch(() => undefined);
    (async () => {
      const token = loadDeviceToken();
      const box = view.current;
      if (!token || !box) throw new Error('not ready');
      box.replaceChildren();
      const data = job.kind === 'form' ? await fetchSignedForm(token, job.id) : await fetchSentDocument(token, job.id);
      const bytes = new Uint8Array(data);
      const isPdf = bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46; // %PDF
      if (isPdf) {
        const pdf = await openPdf(data);
        for (let number = 1; number <= pdf.numPages; number++) {
          const canvas = document.createElement('canvas');
          canvas.className = 'booth-print__page';
          box.append(canvas);
          await renderPage(pdf, number, canvas, PRINT_WIDTH_CSS, controller.signal);
        }
        void pdf.destroy();
      } else {
        const image = document.createElement('img');
        image.className = 'booth-print__page';
        image.alt = job.title;
        const url = URL.createObjectURL(new Blob([data]));
        image.src = url;
        box.append(image);
        await image.decode();
        URL.revokeObjectURL(url);
      }
      if (controller.signal.aborted) return;
      box.dataset.ready = 'true';
      box.dataset.pages = String(box.childElementCount);
      // Blocks until the print job is handed over (at once with --kiosk-printing).
      window.print();
      await report('printed');
    })().catch(async (error: unknown) => {
      if (controller.signal.aborted) return;
      console.warn(`print ${job.printId} failed:`, error);
      await report('failed');
    });
    return () => controller.abort();
  }, [client, consultationId, job]);

  return createPortal(<div ref={view} className="booth-print" data-testid="booth-print" data-print-id={job?.printId ?? ''} aria-hidden="true" />, document.body);
}

import { sentPageSource, type Mark, type MarkColour, type MarkDrawing, type MarkKind, type SentDocument } from '@madoguchi/protocol';
import type { CallMarks, Pen, Size } from '@madoguchi/protocol/client';
import { closeDocument, openDocument, renderPage, type OpenedDocument } from '@madoguchi/protocol/pdf';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { MarkOverlay } from './MarkOverlay.tsx';
import { MarkTools } from './MarkTools.tsx';

interface SentPageViewProps {
  token: string;
  document: SentDocument;
  /** The page the tablet shows now (from 1). */
  page: number;
  /** The call's marks (this view picks those of the page). */
  marks: readonly Mark[];
  board: CallMarks | null;
}

/**
 * The page of a sent document the tablet shows, for the operator to mark with the document
 * camera's tools and to see the resident's finger (issue 13, item 1). Drawn with pdf.js at the
 * view's width; the marks sit on the page and are normalised to it, as on the tablet.
 */
export function SentPageView({ token, document, page, marks, board }: SentPageViewProps) {
  const { t } = useI18n();
  const [loaded, setLoaded] = useState<OpenedDocument | null>(null);
  const [failed, setFailed] = useState(false);
  const [pageSize, setPageSize] = useState<Size>({ width: 0, height: 0 });
  const [width, setWidth] = useState(0);
  const [kind, setKind] = useState<MarkKind | null>(null);
  const [colour, setColour] = useState<MarkColour>('red');
  const canvas = useRef<HTMLCanvasElement>(null);
  const source = sentPageSource(document.id, page);
  const pageMarks = marks.filter((mark) => mark.source === source);
  const pen: Pen | null = kind && board ? { kind, colour, onMark: (mark: MarkDrawing) => void board.add(source, mark).catch(() => undefined) } : null;

  const observe = useCallback((element: HTMLDivElement | null) => {
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Fetch and open once per document; the pdf and the image's address go with the view.
  useEffect(() => {
    let current = true;
    let opened: OpenedDocument | undefined;
    (async () => {
      const response = await fetch(`/api/documents/sent/${encodeURIComponent(document.id)}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
      const next = await openDocument(await response.arrayBuffer(), document.mime);
      // Unmounted while it opened: the cleanup had nothing to close yet.
      if (!current) return closeDocument(next);
      opened = next;
      setLoaded(next);
    })().catch((error: unknown) => {
      console.warn(`sent document ${document.id} could not be shown:`, error);
      if (current) setFailed(true);
    });
    return () => {
      current = false;
      if (opened) closeDocument(opened);
    };
  }, [token, document]);

  useEffect(() => {
    if (loaded?.kind !== 'pdf' || !canvas.current || width === 0) return;
    const controller = new AbortController();
    renderPage(loaded.pdf, page, canvas.current, width, controller.signal).then(setPageSize, (error: unknown) => {
      if (controller.signal.aborted || (error as { name?: string }).name === 'RenderingCancelledException') return;
      console.warn(`page ${page} of ${document.id} could not be drawn:`, error);
      setFailed(true);
    });
    return () => controller.abort();
  }, [loaded, page, width, document.id]);

  return (
    <section className="sent-page" aria-label={t.documents.tabletPage(page)} data-testid="sent-page-view" data-page={page}>
      <h3 className="sent-page-title">{t.documents.tabletPage(page)}</h3>
      <MarkTools
        kind={kind}
        colour={colour}
        onKind={setKind}
        onColour={setColour}
        canUndo={pageMarks.some((mark) => mark.by === 'operator')}
        canClear={pageMarks.length > 0}
        onUndo={() => void board?.undo(source).catch(() => undefined)}
        onClear={() => void board?.clear(source).catch(() => undefined)}
      />
      <div className="sent-page-viewport" ref={observe}>
        {failed ? (
          <p className="still-error" role="alert">
            {t.documents.pageFailed}
          </p>
        ) : loaded ? (
          <div className="sent-page-sheet">
            {loaded.kind === 'pdf' ? (
              <canvas ref={canvas} className="sent-page-image" data-testid="sent-page-canvas" />
            ) : (
              <img
                className="sent-page-image"
                src={loaded.url}
                alt={document.title}
                style={{ width: width || undefined }}
                onLoad={(event) => setPageSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
              />
            )}
            <MarkOverlay marks={pageMarks} frame={pageSize} pen={pen} label={t.marks.tools} testId="sent-page-marks" />
          </div>
        ) : null}
      </div>
    </section>
  );
}

import { sentPageSource, type Mark, type SentDocument } from '@madoguchi/protocol';
import type { CallMarks, ProtocolClient, Size } from '@madoguchi/protocol/client';
import { closeDocument, openDocument, renderPage, type OpenedDocument } from '@madoguchi/protocol/pdf';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { fetchSentDocument } from '../api.ts';
import { FingerMarkTools, useFingerPen } from '../components/FingerMarking.tsx';
import { MarkOverlay } from '../components/MarkOverlay.tsx';
import { useI18n } from '../i18n.ts';
import { loadDeviceToken } from '../storage.ts';

const MIN_ZOOM = 1;
const MAX_ZOOM = 4;
const ZOOM_STEP = 1.5;

/**
 * A document the operator sent (issue 13, item 2), shown large over the call's main picture, page
 * by page, with pinch-zoom and big buttons. The resident may put it aside and bring it back; the
 * operator takes it away (document:closed). Both sides mark the page shown (issue 13, item 1): the
 * marks sit on the page itself, so they scroll and zoom with it. Mounted by the call screen; it asks
 * on mount what the call shows, so a reloaded tablet shows it again.
 */
export function SentDocumentViewer({ client, consultationId, marks, board }: { client: ProtocolClient; consultationId: string; marks: readonly Mark[]; board: CallMarks | null }) {
  const { t } = useI18n();
  const [document, setDocument] = useState<SentDocument | null>(null);
  const [hidden, setHidden] = useState(false);

  useEffect(() => {
    let current = true;
    client.request('document:current', { consultationId }).then(
      ({ document: showing }) => current && showing && setDocument((previous) => previous ?? showing),
      () => undefined,
    );
    const offShown = client.on('document:shown', (event) => {
      if (event.consultationId !== consultationId) return;
      setDocument(event.document);
      setHidden(false);
    });
    const offClosed = client.on('document:closed', (event) => {
      if (event.consultationId === consultationId) setDocument((previous) => (previous?.id === event.documentId ? null : previous));
    });
    return () => {
      current = false;
      offShown();
      offClosed();
    };
  }, [client, consultationId]);

  if (!document) return null;
  if (hidden) {
    return (
      <button type="button" className="button button--large button--primary sent-document__reopen" data-testid="sent-document-show" onClick={() => setHidden(false)}>
        {t.sentDocument.show(document.title)}
      </button>
    );
  }
  return <DocumentPages key={document.id} client={client} document={document} marks={marks} board={board} onHide={() => setHidden(true)} />;
}

interface DocumentPagesProps {
  client: ProtocolClient;
  document: SentDocument;
  marks: readonly Mark[];
  board: CallMarks | null;
  onHide(): void;
}

function DocumentPages({ client, document, marks, board, onHide }: DocumentPagesProps) {
  const { t } = useI18n();
  const [loaded, setLoaded] = useState<OpenedDocument | null>(null);
  const [failed, setFailed] = useState(false);
  const [page, setPage] = useState(1);
  const [zoom, setZoom] = useState(MIN_ZOOM);
  const [rendered, setRendered] = useState<number | null>(null);
  /** The page's own size (PDF points, image pixels): the frame its marks are normalised to. */
  const [pageSize, setPageSize] = useState<Size>({ width: 0, height: 0 });
  const source = sentPageSource(document.id, page);
  const { marking, toggle, pen } = useFingerPen(board, source);
  const pageMarks = marks.filter((mark) => mark.source === source);
  const viewport = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useViewportWidth(viewport);
  /** What was last reported: each page once as it is first drawn (the console shows that page), a failure once and for good. */
  const reported = useRef<string | null>(null);

  const report = useCallback(
    (state: 'shown' | 'failed', pages?: number, shownPage?: number) => {
      const key = state === 'failed' ? state : `page ${shownPage}`;
      if (reported.current === 'failed' || reported.current === key) return;
      reported.current = key;
      client
        .request('document:displayed', { consultationId: document.consultationId, documentId: document.id, state, ...(pages ? { pages, page: shownPage } : {}) })
        .catch(() => undefined);
    },
    [client, document],
  );

  // Fetch and open once per document.
  useEffect(() => {
    let current = true;
    let opened: OpenedDocument | undefined;
    (async () => {
      const token = loadDeviceToken();
      if (!token) throw new Error('the tablet is not paired');
      const next = await openDocument(await fetchSentDocument(token, document.id), document.mime);
      // Unmounted while it opened: the cleanup had nothing to close yet.
      if (!current) return closeDocument(next);
      opened = next;
      setLoaded(next);
    })().catch((error: unknown) => {
      console.warn(`document ${document.id} could not be shown:`, error);
      if (!current) return;
      setFailed(true);
      report('failed');
    });
    return () => {
      current = false;
      if (opened) closeDocument(opened);
    };
  }, [document, report]);

  // Draw the page at the viewer's width times the zoom; redrawn on every change, the older draw cancelled.
  useEffect(() => {
    if (loaded?.kind !== 'pdf' || !canvas.current || width === 0) return;
    const controller = new AbortController();
    renderPage(loaded.pdf, page, canvas.current, width * zoom, controller.signal).then(
      (size) => {
        setPageSize(size);
        setRendered(page);
        report('shown', loaded.pdf.numPages, page);
      },
      (error: unknown) => {
        if (controller.signal.aborted || (error as { name?: string }).name === 'RenderingCancelledException') return;
        console.warn(`page ${page} of document ${document.id} could not be drawn:`, error);
        setFailed(true);
        report('failed');
      },
    );
    return () => controller.abort();
  }, [loaded, page, zoom, width, document.id, report]);

  const pinch = usePinchZoom(zoom, setZoom);
  const pages = loaded?.kind === 'pdf' ? loaded.pdf.numPages : 1;
  const zoomBy = (factor: number) => setZoom((previous) => clampZoom(previous * factor));

  return (
    <section className="sent-document" aria-label={t.sentDocument.region} data-testid="sent-document" data-document-id={document.id} data-mime={document.mime}>
      <header className="sent-document__bar">
        <h2 className="sent-document__title">{document.title}</h2>
        <FingerMarkTools board={board} source={source} marks={pageMarks} marking={marking} onToggle={toggle} />
        <button type="button" className="button button--secondary" data-testid="sent-document-hide" onClick={onHide}>
          {t.sentDocument.hide}
        </button>
      </header>
      <div
        ref={viewport}
        className="sent-document__viewport"
        data-testid="sent-document-viewport"
        data-zoom={zoom.toFixed(2)}
        // Scrollable when zoomed: reachable by keyboard too (arrow keys scroll it).
        tabIndex={0}
        role="group"
        aria-label={document.title}
        onPointerDown={pinch.down}
        onPointerMove={pinch.move}
        onPointerUp={pinch.up}
        onPointerCancel={pinch.up}
      >
        {failed ? (
          <p className="banner banner--warning" role="alert" data-testid="sent-document-failed">
            {t.sentDocument.failed}
          </p>
        ) : !loaded ? (
          <p className="sent-document__loading" role="status">
            {t.sentDocument.loading}
          </p>
        ) : (
          <div className="sent-document__sheet">
            {loaded.kind === 'pdf' ? (
              <canvas ref={canvas} className="sent-document__page" data-testid="sent-document-page" data-page={rendered ?? ''} role="img" aria-label={`${document.title} ${t.sentDocument.page(page, pages)}`} />
            ) : (
              <img
                className="sent-document__page"
                data-testid="sent-document-image"
                src={loaded.url}
                alt={document.title}
                style={{ width: width * zoom || undefined }}
                draggable={false}
                onLoad={(event) => {
                  setPageSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight });
                  report('shown', 1, 1);
                }}
                onError={() => {
                  setFailed(true);
                  report('failed');
                }}
              />
            )}
            <MarkOverlay marks={pageMarks} frame={pageSize} pen={pen} label={t.marksOnPicture} testId="sent-document-marks" />
          </div>
        )}
      </div>
      <footer className="sent-document__controls">
        {pages > 1 && (
          <>
            <button type="button" className="button button--large button--secondary" data-testid="sent-document-previous" disabled={page <= 1} onClick={() => setPage((p) => Math.max(1, p - 1))}>
              {t.sentDocument.previous}
            </button>
            <span className="sent-document__page-number" data-testid="sent-document-page-number" aria-live="polite">
              {t.sentDocument.page(page, pages)}
            </span>
            <button type="button" className="button button--large button--secondary" data-testid="sent-document-next" disabled={page >= pages} onClick={() => setPage((p) => Math.min(pages, p + 1))}>
              {t.sentDocument.next}
            </button>
          </>
        )}
        <button type="button" className="button button--large button--secondary" data-testid="sent-document-zoom-out" disabled={zoom <= MIN_ZOOM} onClick={() => zoomBy(1 / ZOOM_STEP)}>
          {t.sentDocument.zoomOut}
        </button>
        <button type="button" className="button button--large button--secondary" data-testid="sent-document-zoom-in" disabled={zoom >= MAX_ZOOM} onClick={() => zoomBy(ZOOM_STEP)}>
          {t.sentDocument.zoomIn}
        </button>
        {/* While marking one finger draws: the hint says so instead of how to zoom. */}
        <span className="sent-document__hint">{marking ? t.markPenHint : t.sentDocument.pinchHint}</span>
      </footer>
    </section>
  );
}

const clampZoom = (zoom: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));

/** The width the viewer's box has for the page (the page fills it at zoom 1), kept up to date. */
function useViewportWidth(element: React.RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const box = element.current;
    if (!box) return;
    const measure = () => setWidth(Math.floor(box.clientWidth));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

/**
 * Two fingers spread or pinched change the zoom by the ratio of their distance; one finger scrolls
 * the page natively (touch-action: pan-x pan-y).
 */
function usePinchZoom(zoom: number, setZoom: (zoom: number) => void) {
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const start = useRef<{ distance: number; zoom: number } | null>(null);
  const distance = () => {
    const [a, b] = [...pointers.current.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  };
  return {
    down: (event: ReactPointerEvent) => {
      pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.current.size === 2) start.current = { distance: distance(), zoom };
    },
    move: (event: ReactPointerEvent) => {
      if (!pointers.current.has(event.pointerId)) return;
      pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (start.current && pointers.current.size === 2 && start.current.distance > 0) {
        setZoom(clampZoom(start.current.zoom * (distance() / start.current.distance)));
      }
    },
    up: (event: ReactPointerEvent) => {
      pointers.current.delete(event.pointerId);
      if (pointers.current.size < 2) start.current = null;
    },
  };
}

import { useCallback, useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { Mark, MarkColour, MarkDrawing, MarkKind } from '@madoguchi/protocol';
import { clampView, pictureTransform, turnedSize, WHOLE_PICTURE, zoomAround, type CallMarks, type Pen, type PictureView, type Size } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';
import { MarkOverlay } from './MarkOverlay.tsx';
import { MarkTools } from './MarkTools.tsx';
import { TrackVideo } from './TrackVideo.tsx';
import { useFramesMissing } from './useFramesMissing.ts';

const ZOOM_LIMITS = { min: 1, max: 5 };
const STEP = 1.25;

interface DocumentViewProps {
  track: MediaStreamTrack | null;
  connected: boolean;
  /** The marks on the document (everyone's), and where the operator's go. */
  marks: readonly Mark[];
  board: CallMarks | null;
  children?: ReactNode;
}

/**
 * The resident's document camera, as large as the screen allows: zoom with the wheel or the
 * buttons, drag to move around a zoomed form, double-click to return to the whole page, turn it a
 * quarter at a time (paper put down sideways), full screen. With a drawing tool chosen the mouse
 * points and draws on the paper instead: the marks travel in the source frame's coordinates, so the
 * tablet shows them on the same spot whatever this view's zoom, pan and turn.
 * The bars sit above the picture, never on it: a form's signature and seal boxes are at its
 * bottom right. `children` are further actions on the document (taking a still), at the bar's end.
 * Says so in words when the call is connected and no picture of the document arrives.
 */
export function DocumentView({ track, connected, marks, board, children }: DocumentViewProps) {
  const { t } = useI18n();
  const viewRef = useRef<HTMLElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const keepVideo = useCallback((video: HTMLVideoElement | null) => {
    videoRef.current = video;
  }, []);
  const missing = useFramesMissing(videoRef, track, connected);
  const [view, setView] = useState<PictureView>(WHOLE_PICTURE);
  const [resolution, setResolution] = useState<{ width: number; height: number } | null>(null);
  const [fullscreen, setFullscreen] = useState(false);
  const [quarterTurns, setQuarterTurns] = useState(0);
  const [box, setBox] = useState<Size>({ width: 0, height: 0 });
  const [kind, setKind] = useState<MarkKind | null>(null);
  const [colour, setColour] = useState<MarkColour>('red');
  const drag = useRef<{ pointerId: number; x: number; y: number } | null>(null);
  const pen: Pen | null = kind && board ? { kind, colour, onMark: (mark: MarkDrawing) => void board.add('document', mark).catch(() => undefined) } : null;

  const size = () => {
    const rect = frameRef.current?.getBoundingClientRect();
    return { width: rect?.width ?? 0, height: rect?.height ?? 0, left: rect?.left ?? 0, top: rect?.top ?? 0 };
  };

  const zoomBy = useCallback((factor: number, clientX?: number, clientY?: number) => {
    const { width, height, left, top } = size();
    const cx = clientX === undefined ? 0 : clientX - left - width / 2;
    const cy = clientY === undefined ? 0 : clientY - top - height / 2;
    setView((current) => clampView(zoomAround(current, current.zoom * factor, cx, cy, ZOOM_LIMITS), { width, height }, ZOOM_LIMITS));
  }, []);

  // A new track (the resident switched cameras) starts from the whole page, upright.
  useEffect(() => {
    setView(WHOLE_PICTURE);
    setQuarterTurns(0);
    setResolution(null);
  }, [track]);

  // The frame's size: a turned picture is laid out on its side (turnedSize) before it is turned.
  useEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setBox({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    observer.observe(frame);
    return () => observer.disconnect();
  }, []);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      zoomBy(event.deltaY < 0 ? STEP : 1 / STEP, event.clientX, event.clientY);
    };
    frame.addEventListener('wheel', onWheel, { passive: false });
    return () => frame.removeEventListener('wheel', onWheel);
  }, [zoomBy]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === viewRef.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const toggleFullscreen = () => {
    const view = viewRef.current;
    if (!view) return;
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    // The whole view, bar and all: the zoom buttons stay at hand in full screen.
    else void view.requestFullscreen?.().catch(() => undefined);
  };

  const onResize = useCallback((width: number, height: number) => {
    if (width > 0 && height > 0) setResolution({ width, height });
  }, []);

  return (
    <section ref={viewRef} className="document-view" aria-label={t.call.documentCamera}>
      <div className="document-toolbar">
        <div className="document-label">
          {t.call.documentCamera}
          {resolution ? (
            <span className="document-resolution">
              {t.call.resolution} {resolution.width}×{resolution.height}
            </span>
          ) : null}
        </div>
        <div className="document-controls">
          <button type="button" className="button button-small" onClick={() => zoomBy(1 / STEP)} disabled={view.zoom <= ZOOM_LIMITS.min} aria-label={t.call.zoomOut} data-testid="document-zoom-out">
            −
          </button>
          <span className="zoom-level" data-testid="document-zoom-level">
            {Math.round(view.zoom * 100)}%
          </span>
          <button type="button" className="button button-small" onClick={() => zoomBy(STEP)} disabled={view.zoom >= ZOOM_LIMITS.max} aria-label={t.call.zoomIn} data-testid="document-zoom-in">
            ＋
          </button>
          <button type="button" className="button button-small" onClick={() => setView(WHOLE_PICTURE)} disabled={view.zoom === 1} data-testid="document-zoom-reset">
            {t.call.zoomReset}
          </button>
          <button type="button" className="button button-small" onClick={() => setQuarterTurns((turns) => (turns + 1) % 4)} data-testid="document-rotate" aria-label={t.stills.rotate} title={t.stills.rotate}>
            ↻
          </button>
          <button type="button" className="button button-small" onClick={toggleFullscreen} data-testid="document-fullscreen">
            {fullscreen ? t.call.exitFullscreen : t.call.fullscreen}
          </button>
        </div>
        {children}
      </div>
      <MarkTools
        kind={kind}
        colour={colour}
        onKind={setKind}
        onColour={setColour}
        canUndo={marks.some((mark) => mark.by === 'operator')}
        canClear={marks.length > 0}
        onUndo={() => void board?.undo('document').catch(() => undefined)}
        onClear={() => void board?.clear('document').catch(() => undefined)}
      />
      <div
        ref={frameRef}
        className={`document-frame ${view.zoom > 1 ? 'zoomed' : ''}`}
        onDoubleClick={() => {
          if (!pen) setView(WHOLE_PICTURE);
        }}
        onPointerDown={(event) => {
          if (view.zoom <= 1 || event.button !== 0) return;
          drag.current = { pointerId: event.pointerId, x: event.clientX, y: event.clientY };
          event.currentTarget.setPointerCapture(event.pointerId);
        }}
        onPointerMove={(event) => {
          const last = drag.current;
          if (!last || last.pointerId !== event.pointerId) return;
          const dx = event.clientX - last.x;
          const dy = event.clientY - last.y;
          drag.current = { ...last, x: event.clientX, y: event.clientY };
          const { width, height } = size();
          setView((current) => clampView({ ...current, x: current.x + dx, y: current.y + dy }, { width, height }, ZOOM_LIMITS));
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
        onPointerCancel={() => {
          drag.current = null;
        }}
      >
        <TrackVideo
          track={track}
          testId="remote-video-document"
          label={t.call.documentCamera}
          className="document-video"
          placeholder={missing ? null : t.call.waitingDocument}
          onResize={onResize}
          videoRef={keepVideo}
          style={turnedStyle(box, view, quarterTurns)}
        />
        <MarkOverlay
          marks={marks}
          frame={resolution ?? { width: 0, height: 0 }}
          view={view}
          quarterTurns={quarterTurns}
          pen={pen}
          label={t.marks.onDocument}
          testId="document-marks"
        />
        {missing ? (
          <div className="video-placeholder document-missing" role="status" data-testid="document-missing">
            {t.call.documentMissing}
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** The video laid out on its side when turned a quarter (so contain-fitting sees the turned proportions), then zoomed, panned and turned. */
function turnedStyle(box: Size, view: PictureView, quarterTurns: number): CSSProperties {
  const transform = pictureTransform(view, quarterTurns);
  if (quarterTurns % 2 === 0) return { transform };
  const { width, height } = turnedSize(box, quarterTurns);
  return { position: 'absolute', width, height, left: (box.width - width) / 2, top: (box.height - height) / 2, transform };
}

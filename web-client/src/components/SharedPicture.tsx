import type { Mark, ShareDisplay, SharedSource } from '@madoguchi/protocol';
import { clampView, containedSize, WHOLE_PICTURE, zoomAround, type CallMarks, type PictureView, type Size } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import { useI18n } from '../i18n.ts';
import { FingerMarkTools, useFingerPen } from './FingerMarking.tsx';
import { MarkOverlay } from './MarkOverlay.tsx';
import { VideoView } from './VideoView.tsx';

const ZOOM_LIMITS = { min: 1, max: 4 };
/** One press of ＋ or −. */
const ZOOM_STEP = 1.5;
const NO_SIZE: Size = { width: 0, height: 0 };

interface SharedPictureProps {
  track: MediaStreamTrack;
  source: SharedSource;
  label: string;
  /** How the picture is drawn now (null before its first frame and once it is gone), for the operator's preview. */
  onDisplay(display: ShareDisplay | null): void;
  /** The marks on this picture, the operator's and the resident's. */
  marks: readonly Mark[];
  /** Where the resident's marks go (null until the call's marks are loaded). */
  board: CallMarks | null;
}

/** A ref callback that keeps the element's content size (React 19 calls the returned cleanup on detach). */
function useBoxSize(): [(element: HTMLElement | null) => (() => void) | undefined, Size] {
  const [size, setSize] = useState<Size>(NO_SIZE);
  const observe = useCallback((element: HTMLElement | null) => {
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setSize({ width: Math.round(entry.contentRect.width), height: Math.round(entry.contentRect.height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [observe, size];
}

/**
 * What the operator shows (their document camera or screen), as large as the call screen allows,
 * and full-screen inside the page on 拡大 or a tap: zoom with ＋/− or two fingers, drag to move.
 * Not the browser's Fullscreen API, which kiosk browsers often block. With ゆびで しるしを つける the
 * resident points with a finger on the picture (a tap is a dot, a stroke a line); the console sees it.
 */
export function SharedPicture({ track, source, label, onDisplay, marks, board }: SharedPictureProps) {
  const { t } = useI18n();
  const [frame, setFrame] = useState<Size>(NO_SIZE);
  const [observeStage, stageBox] = useBoxSize();
  const [observeEnlarged, enlargedBox] = useBoxSize();
  const [enlarged, setEnlarged] = useState(false);
  const [view, setView] = useState<PictureView>(WHOLE_PICTURE);
  const onFrameSize = useCallback((width: number, height: number) => setFrame({ width, height }), []);
  const { marking, toggle, pen } = useFingerPen(board, source);
  const open = () => {
    setView(WHOLE_PICTURE);
    setEnlarged(true);
  };

  const display = useMemo<ShareDisplay | null>(() => {
    const fitted = containedSize(enlarged ? enlargedBox : stageBox, frame);
    if (fitted.width === 0 || fitted.height === 0) return null;
    const zoom = enlarged ? view.zoom : 1;
    return {
      source,
      drawnWidth: Math.round(fitted.width * zoom),
      drawnHeight: Math.round(fitted.height * zoom),
      frameWidth: frame.width,
      frameHeight: frame.height,
      enlarged,
      zoom: Math.round(zoom * 100) / 100,
    };
  }, [source, frame, stageBox, enlargedBox, enlarged, view.zoom]);
  useEffect(() => onDisplay(display), [display, onDisplay]);
  useEffect(() => () => onDisplay(null), [onDisplay]);

  return (
    <div className="tile tile--shared shared" data-testid={`shared-${source}`}>
      <div className="shared__bar">
        <span className="shared__label">{label}</span>
        <div className="shared__actions">
          <FingerMarkTools board={board} source={source} marks={marks} marking={marking} onToggle={toggle} />
          <button type="button" className="button button--large button--primary shared__enlarge" data-testid="share-enlarge" onClick={open}>
            {t.enlarge}
          </button>
        </div>
      </div>
      {marking ? <p className="shared__hint">{t.markPenHint}</p> : null}
      {/* A tap on the picture enlarges it too (not while marking); the button is the way for keyboards and screen readers. */}
      <div className="shared__frame" ref={observeStage} onClick={open}>
        <VideoView track={track} testId={`remote-video-${source}`} className="video--contain" label={label} onFrameSize={onFrameSize} />
        <MarkOverlay marks={marks} frame={frame} pen={pen} label={t.marksOnPicture} testId="shared-marks" />
      </div>
      {enlarged && (
        <EnlargedPicture
          track={track}
          source={source}
          label={label}
          view={view}
          marks={marks}
          frame={frame}
          box={enlargedBox}
          observeBox={observeEnlarged}
          onView={setView}
          onClose={() => setEnlarged(false)}
        />
      )}
    </div>
  );
}

interface EnlargedPictureProps {
  track: MediaStreamTrack;
  source: SharedSource;
  label: string;
  view: PictureView;
  marks: readonly Mark[];
  frame: Size;
  box: Size;
  observeBox(element: HTMLElement | null): (() => void) | undefined;
  onView(update: (view: PictureView) => PictureView): void;
  onClose(): void;
}

/** The picture over the whole page in a modal dialog; closing it brings the call's controls back. */
function EnlargedPicture({ track, source, label, view, marks, frame, box, observeBox, onView, onClose }: EnlargedPictureProps) {
  const { t } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  /** Fingers (or the mouse) on the picture, where each was last. */
  const pointers = useRef(new Map<number, { x: number; y: number }>());

  useEffect(() => {
    const dialog = dialogRef.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);

  const zoomBy = (factor: number, cx = 0, cy = 0) =>
    onView((current) => clampView(zoomAround(current, current.zoom * factor, cx, cy, ZOOM_LIMITS), box, ZOOM_LIMITS));

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const last = pointers.current.get(event.pointerId);
    if (!last) return;
    const here = { x: event.clientX, y: event.clientY };
    const other = [...pointers.current].find(([id]) => id !== event.pointerId)?.[1];
    pointers.current.set(event.pointerId, here);
    if (!other) {
      onView((current) => clampView({ ...current, x: current.x + here.x - last.x, y: current.y + here.y - last.y }, box, ZOOM_LIMITS));
      return;
    }
    // Two fingers: the picture grows as they spread, around the point between them.
    const before = Math.hypot(last.x - other.x, last.y - other.y);
    const after = Math.hypot(here.x - other.x, here.y - other.y);
    if (before < 1) return;
    const frame = event.currentTarget.getBoundingClientRect();
    zoomBy(after / before, (here.x + other.x) / 2 - frame.left - frame.width / 2, (here.y + other.y) / 2 - frame.top - frame.height / 2);
  };
  const release = (event: PointerEvent<HTMLDivElement>) => {
    pointers.current.delete(event.pointerId);
  };

  return (
    <dialog
      ref={dialogRef}
      className="enlarged"
      aria-label={label}
      data-testid="share-enlarged"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="enlarged__bar">
        <h2 className="enlarged__label">{label}</h2>
        <div className="enlarged__zoom">
          <button type="button" className="button button--large button--secondary" data-testid="share-zoom-out" aria-label={t.zoomOut} disabled={view.zoom <= ZOOM_LIMITS.min} onClick={() => zoomBy(1 / ZOOM_STEP)}>
            −
          </button>
          <span className="enlarged__level" data-testid="share-zoom-level">
            {Math.round(view.zoom * 100)}%
          </span>
          <button type="button" className="button button--large button--secondary" data-testid="share-zoom-in" aria-label={t.zoomIn} disabled={view.zoom >= ZOOM_LIMITS.max} onClick={() => zoomBy(ZOOM_STEP)}>
            ＋
          </button>
        </div>
        <button type="button" className="button button--large button--primary enlarged__close" data-testid="share-close" onClick={onClose} autoFocus>
          {t.close}
        </button>
      </div>
      <p className="enlarged__hint">{t.zoomHint}</p>
      <div
        className="enlarged__frame"
        ref={observeBox}
        onPointerDown={(event) => {
          pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
          event.currentTarget.setPointerCapture(event.pointerId);
        }}
        onPointerMove={onPointerMove}
        onPointerUp={release}
        onPointerCancel={release}
      >
        <div className="enlarged__picture" style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})` }}>
          <VideoView track={track} testId={`enlarged-video-${source}`} className="video--contain" label={label} />
        </div>
        <MarkOverlay marks={marks} frame={frame} view={view} label={t.marksOnPicture} testId="enlarged-marks" />
      </div>
    </dialog>
  );
}

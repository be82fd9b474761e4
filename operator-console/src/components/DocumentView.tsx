import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { clampView, WHOLE_PICTURE, zoomAround, type PictureView } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';
import { TrackVideo } from './TrackVideo.tsx';
import { useFramesMissing } from './useFramesMissing.ts';

const ZOOM_LIMITS = { min: 1, max: 5 };
const STEP = 1.25;

/**
 * The resident's document camera, as large as the screen allows: zoom with the wheel or the
 * buttons, drag to move around a zoomed form, double-click to return to the whole page, full screen.
 * The zoom bar sits above the picture, never on it: a form's signature and seal boxes are at its
 * bottom right. `children` are further actions on the document (taking a still), at the bar's end.
 * Says so in words when the call is connected and no picture of the document arrives.
 */
export function DocumentView({ track, connected, children }: { track: MediaStreamTrack | null; connected: boolean; children?: ReactNode }) {
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
  const drag = useRef<{ pointerId: number; x: number; y: number } | null>(null);

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

  // A new track (the resident switched cameras) starts from the whole page.
  useEffect(() => {
    setView(WHOLE_PICTURE);
    setResolution(null);
  }, [track]);

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
          <button type="button" className="button button-small" onClick={toggleFullscreen} data-testid="document-fullscreen">
            {fullscreen ? t.call.exitFullscreen : t.call.fullscreen}
          </button>
        </div>
        {children}
      </div>
      <div
        ref={frameRef}
        className={`document-frame ${view.zoom > 1 ? 'zoomed' : ''}`}
        onDoubleClick={() => setView(WHOLE_PICTURE)}
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
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})` }}
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

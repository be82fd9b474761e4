import { useCallback, useState } from 'react';
import type { Mark, ShareDisplay, SharedSource } from '@madoguchi/protocol';
import type { Size } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';
import { MarkOverlay } from './MarkOverlay.tsx';
import { TrackVideo } from './TrackVideo.tsx';

interface SharePreviewProps {
  shared: { source: SharedSource; track: MediaStreamTrack };
  /** How the tablet says it draws a shared picture, if it has said. */
  onTablet: ShareDisplay | null;
  /** The marks on the shared picture (the resident points with a finger on the tablet). */
  marks: readonly Mark[];
  /** Clears them, when the resident's pointing has done its job. */
  onClearMarks(): void;
}

/**
 * What the resident sees of the operator's share: the outgoing picture in the proportions the
 * tablet draws it, and the size it reports (CSS pixels on its screen, and the frames it receives).
 * Until the tablet reports, the preview says so rather than guess. The resident's marks show on it
 * where the resident put them.
 */
export function SharePreview({ shared, onTablet, marks, onClearMarks }: SharePreviewProps) {
  const { t } = useI18n();
  const [frame, setFrame] = useState<Size>({ width: 0, height: 0 });
  const onResize = useCallback((width: number, height: number) => setFrame({ width, height }), []);
  const shown = onTablet?.source === shared.source ? onTablet : null;
  const texts = t.call.sharePreview;
  return (
    <section className="share-preview" aria-label={texts.title} data-testid="share-preview">
      <TrackVideo
        track={shared.track}
        testId="share-preview-video"
        label={texts.title}
        className="share-preview-video"
        style={shown ? { aspectRatio: `${shown.drawnWidth} / ${shown.drawnHeight}` } : undefined}
        onResize={onResize}
        overlay={<MarkOverlay marks={marks} frame={frame} label={t.marks.onShare} testId="share-marks" />}
      />
      <div className="share-preview-text">
        <h2 className="share-preview-title">{texts.title}</h2>
        {shown ? (
          <>
            <p className="share-preview-size" data-testid="share-preview-size" data-width={shown.drawnWidth} data-height={shown.drawnHeight}>
              {texts.drawn(shown.drawnWidth, shown.drawnHeight)}
            </p>
            <p className="share-preview-detail" data-testid="share-preview-detail">
              {shown.enlarged ? (
                <>
                  {texts.enlarged(Math.round(shown.zoom * 100))}
                  <br />
                </>
              ) : null}
              {texts.received(shown.frameWidth, shown.frameHeight)}
            </p>
          </>
        ) : (
          <p className="share-preview-size" data-testid="share-preview-size">
            {texts.waiting}
          </p>
        )}
        {marks.length > 0 ? (
          <button type="button" className="button button-small" data-testid="share-marks-clear" aria-label={`${t.marks.onShare}: ${t.marks.clear}`} onClick={onClearMarks}>
            {t.marks.clear}
          </button>
        ) : null}
      </div>
    </section>
  );
}

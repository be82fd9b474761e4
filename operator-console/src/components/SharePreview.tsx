import type { ShareDisplay, SharedSource } from '@madoguchi/protocol';
import { useI18n } from '../i18n/index.ts';
import { TrackVideo } from './TrackVideo.tsx';

interface SharePreviewProps {
  shared: { source: SharedSource; track: MediaStreamTrack };
  /** How the tablet says it draws a shared picture, if it has said. */
  onTablet: ShareDisplay | null;
}

/**
 * What the resident sees of the operator's share: the outgoing picture in the proportions the
 * tablet draws it, and the size it reports (CSS pixels on its screen, and the frames it receives).
 * Until the tablet reports, the preview says so rather than guess.
 */
export function SharePreview({ shared, onTablet }: SharePreviewProps) {
  const { t } = useI18n();
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
      </div>
    </section>
  );
}

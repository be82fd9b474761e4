import type { StillInfo } from '@madoguchi/protocol';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useI18n } from '../i18n/index.ts';

export type Loaded = { url: string } | { error: true };

interface StillLightboxProps {
  still: StillInfo | null;
  image: Loaded | undefined;
  onClose(): void;
}

/**
 * The room inside an element, kept up to date as the window changes. Whole pixels, rounded down: a
 * picture fitted to a rounded-up size would overflow by a fraction and bring up scroll bars.
 */
function useInnerSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setSize({ width: Math.floor(entry.contentRect.width), height: Math.floor(entry.contentRect.height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/**
 * One still on top of the call: fitted to the window first (the whole form at once), 1:1 to read
 * small print at the camera's own pixels, and turned in quarter turns (a form laid sideways).
 */
export function StillLightbox({ still, image, onClose }: StillLightboxProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (still) dialog.current?.showModal();
    else dialog.current?.close();
  }, [still]);

  return (
    <dialog ref={dialog} className="still-lightbox" data-testid="still-lightbox" onClose={onClose}>
      {/* Keyed by still: each one opens fitted and upright. */}
      {still ? <StillView key={still.id} still={still} image={image} onClose={onClose} /> : null}
    </dialog>
  );
}

function StillView({ still, image, onClose }: { still: StillInfo; image: Loaded | undefined; onClose(): void }) {
  const { t } = useI18n();
  const [fit, setFit] = useState(true);
  const [quarterTurns, setQuarterTurns] = useState(0);
  const area = useRef<HTMLDivElement>(null);
  const room = useInnerSize(area);

  // The turned picture's size on screen; the <img> keeps its own orientation and is rotated in place.
  const sideways = quarterTurns % 2 === 1;
  const [turnedWidth, turnedHeight] = sideways ? [still.height, still.width] : [still.width, still.height];
  const scale = fit && room.width > 0 ? Math.min(room.width / turnedWidth, room.height / turnedHeight) : 1;
  const label = t.stills.full(still.width, still.height);

  return (
    <>
      <div className="still-lightbox-bar">
        <span>{label}</span>
        <div className="still-lightbox-tools">
          <button type="button" className="button" aria-pressed={fit} data-testid="still-fit" onClick={() => setFit(true)}>
            {t.stills.fit}
          </button>
          <button type="button" className="button" aria-pressed={!fit} data-testid="still-actual-size" onClick={() => setFit(false)}>
            {t.stills.actualSize}
          </button>
          <button type="button" className="button" data-testid="still-rotate" onClick={() => setQuarterTurns((turns) => (turns + 1) % 4)}>
            {t.stills.rotate}
          </button>
          <button type="button" className="button" onClick={onClose} autoFocus>
            {t.stills.close}
          </button>
        </div>
      </div>
      {/* Focusable so that a keyboard can scroll a still larger than the screen. */}
      <div ref={area} className="still-lightbox-image" tabIndex={0}>
        {image && 'url' in image ? (
          <div className="still-turned" style={{ width: turnedWidth * scale, height: turnedHeight * scale }}>
            <img
              src={image.url}
              alt={label}
              data-testid="still-full"
              style={{ width: still.width * scale, height: still.height * scale, transform: `translate(-50%, -50%) rotate(${quarterTurns * 90}deg)` }}
            />
          </div>
        ) : (
          <p>{image ? t.stills.loadFailed : t.stills.loading}</p>
        )}
      </div>
    </>
  );
}

import type { StillInfo } from '@madoguchi/protocol';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.ts';
import { StillLightbox, type Loaded } from './StillLightbox.tsx';

interface StillGalleryProps {
  stills: StillInfo[];
  token: string;
}

/**
 * Fetches each still once (staff token; the server audits the view) into an object URL owned by
 * the caller: all are revoked when it goes (the call or the record page ends), so no image outlives it.
 */
export function useStillImages(stills: StillInfo[], token: string): ReadonlyMap<string, Loaded> {
  const [images, setImages] = useState<ReadonlyMap<string, Loaded>>(new Map());
  const urls = useRef(new Map<string, string>());
  const requested = useRef(new Set<string>());

  useEffect(() => {
    const abort = new AbortController();
    for (const still of stills) {
      if (requested.current.has(still.id)) continue;
      requested.current.add(still.id);
      fetch(`/api/stills/${encodeURIComponent(still.id)}`, {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: abort.signal,
      })
        .then(async (response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const url = URL.createObjectURL(await response.blob());
          urls.current.set(still.id, url);
          setImages((previous) => new Map(previous).set(still.id, { url }));
        })
        .catch((error: unknown) => {
          if (abort.signal.aborted) return;
          console.warn(`[stills] cannot load ${still.id}:`, error);
          setImages((previous) => new Map(previous).set(still.id, { error: true }));
        });
    }
    return () => {
      abort.abort();
      // Stills whose fetch was cut short are fetched again on the next run.
      for (const id of requested.current) if (!urls.current.has(id)) requested.current.delete(id);
    };
  }, [stills, token]);

  useEffect(
    () => () => {
      for (const url of urls.current.values()) URL.revokeObjectURL(url);
      urls.current.clear();
    },
    [],
  );
  return images;
}

/** A still's thumbnail: a button that opens it full size. */
export function StillThumb({ still, image, label, onOpen }: { still: StillInfo; image: Loaded | undefined; label: string; onOpen(): void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="still-thumb" data-testid="still-thumb" data-still-id={still.id} onClick={onOpen}>
      {image && 'url' in image ? <img src={image.url} alt={label} /> : <span>{image ? t.stills.loadFailed : t.stills.loading}</span>}
      <span className="still-size">
        {still.width}×{still.height}
      </span>
    </button>
  );
}

/** Thumbnails of the stills of this call beside the live document view; one opens full size on top. */
export function StillGallery({ stills, token }: StillGalleryProps) {
  const { t } = useI18n();
  const images = useStillImages(stills, token);
  const [openId, setOpenId] = useState<string | null>(null);
  const open = stills.find((still) => still.id === openId) ?? null;

  return (
    <section className="still-gallery" aria-label={t.stills.title} data-testid="still-gallery">
      <h2 className="still-gallery-title">{t.stills.title}</h2>
      {stills.length === 0 ? <p className="still-gallery-empty">{t.stills.empty}</p> : null}
      <ol className="still-list">
        {stills.map((still, index) => (
          <li key={still.id}>
            <StillThumb still={still} image={images.get(still.id)} label={t.stills.open(index + 1)} onOpen={() => setOpenId(still.id)} />
          </li>
        ))}
      </ol>
      <StillLightbox still={open} image={openId ? images.get(openId) : undefined} onClose={() => setOpenId(null)} />
    </section>
  );
}

import { useEffect, useRef, type CSSProperties, type ReactNode } from 'react';

interface TrackVideoProps {
  track: MediaStreamTrack | null;
  testId: string;
  className?: string;
  /** Mirror the operator's own preview, as people expect from a mirror. */
  mirrored?: boolean;
  /** Shown over the element while there is no track. */
  placeholder?: ReactNode;
  label?: string;
  onResize?: (width: number, height: number) => void;
  videoRef?: (element: HTMLVideoElement | null) => void;
  style?: CSSProperties;
  /** Drawn over the picture, in the same box (marks). */
  overlay?: ReactNode;
}

/**
 * A <video> bound to one track. Always rendered (even without a track) so the layout and the
 * test ids stay put while media connects. Muted: the resident's voice plays from <RemoteAudio>.
 */
export function TrackVideo({ track, testId, className, mirrored, placeholder, label, onResize, videoRef, style, overlay }: TrackVideoProps) {
  const ref = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) void video.play().catch(() => undefined);
  }, [track]);

  useEffect(() => {
    const video = ref.current;
    if (!video || !onResize) return;
    const report = () => onResize(video.videoWidth, video.videoHeight);
    video.addEventListener('resize', report);
    video.addEventListener('loadedmetadata', report);
    return () => {
      video.removeEventListener('resize', report);
      video.removeEventListener('loadedmetadata', report);
    };
  }, [onResize]);

  return (
    <div className={`video-frame ${className ?? ''}`}>
      <video
        ref={(element) => {
          ref.current = element;
          videoRef?.(element);
        }}
        data-testid={testId}
        aria-label={label}
        autoPlay
        playsInline
        muted
        className={mirrored ? 'mirrored' : undefined}
        style={style}
      />
      {overlay}
      {!track && placeholder ? <div className="video-placeholder">{placeholder}</div> : null}
    </div>
  );
}

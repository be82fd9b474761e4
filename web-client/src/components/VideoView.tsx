import { useEffect, useRef } from 'react';

interface VideoViewProps {
  track: MediaStreamTrack;
  testId: string;
  className?: string;
  /** Mirror the picture (own face only — never documents, the text must stay readable). */
  mirror?: boolean;
  label?: string;
  /** The size of the frames as they arrive (on the first frame and whenever it changes). */
  onFrameSize?(width: number, height: number): void;
}

/**
 * One video track. Always muted: sound is played by the separate <audio> element, and muted
 * video may autoplay without a user gesture (also in headless Chromium).
 */
export function VideoView({ track, testId, className, mirror = false, label, onFrameSize }: VideoViewProps) {
  const ref = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {
      // autoplay retries by itself once the element can play
    });
    return () => {
      video.srcObject = null;
    };
  }, [track]);

  useEffect(() => {
    const video = ref.current;
    if (!video || !onFrameSize) return;
    const report = () => onFrameSize(video.videoWidth, video.videoHeight);
    video.addEventListener('resize', report);
    video.addEventListener('loadedmetadata', report);
    return () => {
      video.removeEventListener('resize', report);
      video.removeEventListener('loadedmetadata', report);
    };
  }, [onFrameSize]);

  return (
    <video
      ref={ref}
      data-testid={testId}
      className={['video', mirror ? 'video--mirror' : '', className ?? ''].filter(Boolean).join(' ')}
      autoPlay
      playsInline
      muted
      aria-label={label}
    />
  );
}

import { useEffect, useState, type RefObject } from 'react';

/** How long a resident's stream may show no new frame, once the call is connected, before the operator is told. */
export const FRAMES_MISSING_AFTER_MS = 5_000;

export interface FramesMissingOptions {
  /** No new frame for this long counts as missing. */
  afterMs?: number;
  /**
   * Only a picture that was coming and stopped counts (a frozen face): one that has not begun is
   * still connecting, said by its placeholder.
   */
  onceFlowing?: boolean;
}

/**
 * Whether the operator should be told that a stream of the resident is not coming through: the
 * call has been connected for FRAMES_MISSING_AFTER_MS and the video element has shown no new frame
 * for that long — no stream at all (a tablet without that camera), or one that sends nothing
 * (a camera WebRTC cannot encode, one unplugged during the call), or — with `onceFlowing` — a
 * picture that froze (the resident's uplink cut or too weak). Frames coming again clear it.
 */
export function useFramesMissing(
  video: RefObject<HTMLVideoElement | null>,
  track: MediaStreamTrack | null,
  connected: boolean,
  { afterMs = FRAMES_MISSING_AFTER_MS, onceFlowing = false }: FramesMissingOptions = {},
): boolean {
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    setMissing(false);
    const element = video.current;
    if (!connected) return;
    let lastFrameAt = performance.now();
    let flowing = false;
    let frameRequest: number | undefined;
    const onFrame = () => {
      lastFrameAt = performance.now();
      flowing = true;
      frameRequest = element?.requestVideoFrameCallback(onFrame);
    };
    if (track && element) frameRequest = element.requestVideoFrameCallback(onFrame);
    const check = setInterval(() => setMissing((flowing || !onceFlowing) && performance.now() - lastFrameAt > afterMs), 500);
    return () => {
      clearInterval(check);
      if (frameRequest !== undefined) element?.cancelVideoFrameCallback(frameRequest);
    };
  }, [video, track, connected, afterMs, onceFlowing]);

  return missing;
}

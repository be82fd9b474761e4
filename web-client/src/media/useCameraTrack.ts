import { useEffect, useState } from 'react';
import { sendsFrames } from './localMedia.ts';

export interface CameraPreview {
  track: MediaStreamTrack | null;
  failed: boolean;
  /** Whether the camera's picture can be sent in a call; null while that is being checked. */
  sends: boolean | null;
}

/** A live camera track for a preview, opened while deviceId is set and stopped when it changes or on unmount. */
export function useCameraTrack(deviceId: string | null, open: (deviceId: string) => Promise<MediaStreamTrack>): CameraPreview {
  const [track, setTrack] = useState<MediaStreamTrack | null>(null);
  const [failed, setFailed] = useState(false);
  // Kept with its camera, so that a render after a change of camera never shows the old camera's verdict.
  const [verdict, setVerdict] = useState<{ deviceId: string; sends: boolean } | null>(null);

  useEffect(() => {
    setTrack(null);
    setFailed(false);
    if (!deviceId) return;
    let disposed = false;
    let opened: MediaStreamTrack | null = null;
    open(deviceId).then(
      (next) => {
        if (disposed) {
          next.stop();
          return;
        }
        opened = next;
        setTrack(next);
        void sendsFrames(next).then((sends) => !disposed && setVerdict({ deviceId, sends }));
      },
      (error: unknown) => {
        console.warn('[settings] cannot open camera:', error);
        if (!disposed) setFailed(true);
      },
    );
    return () => {
      disposed = true;
      opened?.stop();
    };
  }, [deviceId, open]);

  return { track, failed, sends: verdict && verdict.deviceId === deviceId ? verdict.sends : null };
}

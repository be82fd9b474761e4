import { useEffect, useState } from 'react';

/** A live camera track for a preview, opened while deviceId is set and stopped when it changes or on unmount. */
export function useCameraTrack(
  deviceId: string | null,
  open: (deviceId: string) => Promise<MediaStreamTrack>,
): { track: MediaStreamTrack | null; failed: boolean } {
  const [track, setTrack] = useState<MediaStreamTrack | null>(null);
  const [failed, setFailed] = useState(false);

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

  return { track, failed };
}

import { useEffect, useState } from 'react';
import { loadCameraPrefs, resolveCameras } from './cameraPrefs.ts';
import { openCallMedia, PreparedCallMedia } from './localMedia.ts';

/**
 * Opens the call's devices when the operator's console starts ringing and keeps them into the call,
 * which takes them. Released when the ringing ends without a call (the offer declined or timed out,
 * the resident cancelled). A call that starts without ringing first (a reload mid-call) opens its
 * own devices: nothing is opened twice.
 */
export function usePreparedCallMedia(ringing: boolean, inCall: boolean): PreparedCallMedia | null {
  const [prepared, setPrepared] = useState<PreparedCallMedia | null>(null);
  useEffect(() => {
    if (ringing && !prepared) setPrepared(new PreparedCallMedia(() => openCallMedia((ids) => resolveCameras(ids, loadCameraPrefs()))));
    else if (!ringing && !inCall && prepared) setPrepared(null);
  }, [ringing, inCall, prepared]);
  // The replaced one, and the last one when the kiosk unmounts (a no-op when a call took it).
  useEffect(() => () => prepared?.release(), [prepared]);
  return prepared;
}

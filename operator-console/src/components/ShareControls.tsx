import { useEffect, useState } from 'react';
import type { SharedSource } from '../consoleState.ts';
import { listCameras } from '../media/localMedia.ts';
import { strings } from '../strings.ts';
import { SHORTCUTS } from '../useShortcuts.ts';

const CAMERA_KEY = 'madoguchi.console.shareCamera';

interface ShareControlsProps {
  sharing: SharedSource | null;
  onStart(source: SharedSource, cameraId?: string): void;
  onStop(): void;
}

/**
 * Show the resident how to fill in a form: the operator's own document camera (chosen once,
 * remembered on this PC) or their screen. One thing at a time.
 */
export function ShareControls({ sharing, onStart, onStop }: ShareControlsProps) {
  const [cameras, setCameras] = useState<{ deviceId: string; label: string }[]>([]);
  const [cameraId, setCameraId] = useState(() => localStorage.getItem(CAMERA_KEY) ?? '');

  useEffect(() => {
    let live = true;
    listCameras().then(
      (found) => {
        if (!live) return;
        setCameras(found);
        // A remembered camera that is unplugged falls back to the last one (usually the desk camera).
        setCameraId((chosen) => (found.some((c) => c.deviceId === chosen) ? chosen : (found.at(-1)?.deviceId ?? '')));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const choose = (deviceId: string) => {
    setCameraId(deviceId);
    localStorage.setItem(CAMERA_KEY, deviceId);
  };

  return (
    <section className="share-controls" aria-label={strings.call.shareDocument}>
      {sharing ? (
        <>
          <p className="share-state" role="status" data-testid="share-state">
            {strings.call.sharing[sharing]}
          </p>
          <button type="button" className="button button-large button-warning" data-testid="share-stop" aria-keyshortcuts={SHORTCUTS.stopSharing} title={SHORTCUTS.stopSharing} onClick={onStop}>
            {strings.call.stopSharing}
          </button>
        </>
      ) : (
        <>
          <label className="share-camera">
            <span>{strings.call.shareCamera}</span>
            <select data-testid="share-camera-select" value={cameraId} onChange={(event) => choose(event.target.value)}>
              {cameras.map((camera) => (
                <option key={camera.deviceId} value={camera.deviceId}>
                  {camera.label}
                </option>
              ))}
            </select>
          </label>
          <div className="share-buttons">
            <button
              type="button"
              className="button"
              data-testid="share-document"
              disabled={!cameraId}
              onClick={() => onStart('operator-document', cameraId)}
            >
              {strings.call.shareDocument}
            </button>
            <button type="button" className="button" data-testid="share-screen" onClick={() => onStart('screen')}>
              {strings.call.shareScreen}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

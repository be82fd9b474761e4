import { useEffect, useState } from 'react';
import type { SharedSource } from '../consoleState.ts';
import { listCameras } from '../media/localMedia.ts';
import { useI18n } from '../i18n/index.ts';
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
  const { t } = useI18n();
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
    <section className="share-controls" aria-label={t.call.shareDocument}>
      {sharing ? (
        <>
          <p className="share-state" role="status" data-testid="share-state">
            {t.call.sharing[sharing]}
          </p>
          <button type="button" className="button button-large button-warning" data-testid="share-stop" aria-keyshortcuts={SHORTCUTS.stopSharing} title={SHORTCUTS.stopSharing} onClick={onStop}>
            {t.call.stopSharing}
          </button>
        </>
      ) : (
        <>
          <label className="share-camera">
            <span>{t.call.shareCamera}</span>
            <select data-testid="share-camera-select" value={cameraId} onChange={(event) => choose(event.target.value)}>
              {cameras.map((camera, index) => (
                <option key={camera.deviceId} value={camera.deviceId}>
                  {camera.label || t.call.cameraFallback(index + 1)}
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
              {t.call.shareDocument}
            </button>
            <button type="button" className="button" data-testid="share-screen" onClick={() => onStart('screen')}>
              {t.call.shareScreen}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

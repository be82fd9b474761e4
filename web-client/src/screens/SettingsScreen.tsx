import { useEffect, useState } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { VideoView } from '../components/VideoView.tsx';
import { useI18n } from '../i18n.ts';
import { loadCameraPrefs, resolveCameras, saveCameraPrefs, type CameraChoice } from '../media/cameraPrefs.ts';
import { listVideoInputs, openDocumentCamera, openFaceCamera, type VideoInput } from '../media/localMedia.ts';
import { useCameraTrack, type CameraPreview } from '../media/useCameraTrack.ts';
import { TodayBookings, type TodayBookingsProps } from './TodayBookings.tsx';

interface SettingsScreenProps {
  siteName: string;
  /** Today's bookings of this site, for the resident who has no code at hand. */
  bookings: TodayBookingsProps;
  onClose(): void;
  onOpenPrecheck(): void;
  /** The clerk books a slot for a resident at this site. */
  onOpenBooking(): void;
}

/** For the clerk: which camera films the face and which the documents, with live previews. */
export function SettingsScreen({ siteName, bookings, onClose, onOpenPrecheck, onOpenBooking }: SettingsScreenProps) {
  const { t } = useI18n();
  const [inputs, setInputs] = useState<VideoInput[] | null>(null);
  const [listError, setListError] = useState(false);
  const [choice, setChoice] = useState<CameraChoice>({ face: null, document: null });
  /** Nothing saved and nothing picked by hand yet: the document camera is still the default one. */
  const [defaultDocument, setDefaultDocument] = useState(() => loadCameraPrefs() === null);

  useEffect(() => {
    let disposed = false;
    listVideoInputs().then(
      (found) => {
        if (disposed) return;
        setInputs(found);
        setChoice(resolveCameras(found.map((input) => input.deviceId), loadCameraPrefs()));
      },
      (error: unknown) => {
        console.warn('[settings] cannot list cameras:', error);
        if (!disposed) {
          setInputs([]);
          setListError(true);
        }
      },
    );
    return () => {
      disposed = true;
    };
  }, []);

  const face = useCameraTrack(choice.face, openFaceCamera);
  const document = useCameraTrack(choice.document, openDocumentCamera);

  // The default document camera skips a camera whose picture cannot be sent (a depth camera), on to
  // the next one the face does not use, or none; a camera picked by hand stays, with the warning.
  useEffect(() => {
    if (!defaultDocument || document.sends !== false || !inputs || !choice.document) return;
    const others = inputs.map((input) => input.deviceId).filter((id) => id !== choice.face);
    const next = others[others.indexOf(choice.document) + 1] ?? null;
    setChoice((current) => ({ ...current, document: next }));
  }, [defaultDocument, document.sends, inputs, choice]);

  // One camera cannot do both jobs: picking the other role's camera swaps them.
  const chooseFace = (id: string) => {
    setDefaultDocument(false);
    setChoice((current) => ({ face: id || null, document: current.document === id ? current.face : current.document }));
  };
  const chooseDocument = (id: string) => {
    setDefaultDocument(false);
    setChoice((current) => ({ document: id || null, face: current.face === id ? current.document : current.face }));
  };

  const save = () => {
    saveCameraPrefs({ faceDeviceId: choice.face, documentDeviceId: choice.document });
    onClose();
  };
  // The check tests the cameras chosen on this screen: keep the choice first.
  const openPrecheck = () => {
    if (inputs !== null && inputs.length > 0 && !listError) saveCameraPrefs({ faceDeviceId: choice.face, documentDeviceId: choice.document });
    onOpenPrecheck();
  };

  const label = (input: VideoInput, index: number) => input.label || t.cameraFallbackLabel(index + 1);
  const options = (inputs ?? []).map((input, index) => (
    <option key={input.deviceId} value={input.deviceId}>
      {label(input, index)}
    </option>
  ));

  return (
    <div className="screen" data-testid="settings-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body settings">
        <h1 className="heading">{t.settingsTitle}</h1>
        <p className="lead">{t.settingsIntro}</p>
        {listError && (
          <p className="message message--error" role="alert">
            {t.cameraPermissionError}
          </p>
        )}
        {inputs === null ? (
          <p className="message" role="status">
            {t.loading}
          </p>
        ) : inputs.length === 0 && !listError ? (
          <p className="message message--error">{t.noCamerasFound}</p>
        ) : null}
        <div className="settings__cameras">
          <section className="settings__camera">
            <label className="field">
              <span className="field__label">{t.faceCamera}</span>
              <select
                className="field__input"
                data-testid="face-camera-select"
                value={choice.face ?? ''}
                onChange={(event) => chooseFace(event.target.value)}
                disabled={!inputs?.length}
              >
                {options}
              </select>
            </label>
            <div className="preview">
              {face.track ? (
                <VideoView track={face.track} testId="face-camera-preview" mirror label={t.faceCamera} />
              ) : (
                face.failed && <p className="preview__empty">{t.cameraPermissionError}</p>
              )}
            </div>
            <SendsNothing preview={face} testId="face-camera-sends-nothing" />
          </section>
          <section className="settings__camera">
            <label className="field">
              <span className="field__label">{t.documentCamera}</span>
              <select
                className="field__input"
                data-testid="document-camera-select"
                value={choice.document ?? ''}
                onChange={(event) => chooseDocument(event.target.value)}
                disabled={!inputs?.length}
              >
                <option value="">{t.noCamera}</option>
                {options}
              </select>
            </label>
            <div className="preview">
              {document.track ? (
                <VideoView track={document.track} testId="document-camera-preview" label={t.documentCamera} />
              ) : (
                <p className="preview__empty">{choice.document ? (document.failed ? t.cameraPermissionError : '') : t.noDocumentCamera}</p>
              )}
            </div>
            <SendsNothing preview={document} testId="document-camera-sends-nothing" />
          </section>
        </div>
        <TodayBookings {...bookings} />
        <div className="settings__actions">
          <button type="button" className="button button--secondary settings__precheck" data-testid="open-precheck" onClick={openPrecheck}>
            {t.openPrecheck}
          </button>
          <button type="button" className="button button--secondary" data-testid="open-booking" onClick={onOpenBooking}>
            {t.bookingOpen}
          </button>
          <button type="button" className="button button--secondary" data-testid="settings-back" onClick={onClose}>
            {t.back}
          </button>
          <button
            type="button"
            className="button button--primary"
            data-testid="settings-save"
            onClick={save}
            disabled={inputs === null}
          >
            {t.save}
          </button>
        </div>
      </main>
    </div>
  );
}

/** Said under a preview whose camera shows a picture here that a call could not send (a depth camera, say). */
function SendsNothing({ preview, testId }: { preview: CameraPreview; testId: string }) {
  const { t } = useI18n();
  if (preview.sends !== false) return null;
  return (
    <p className="message message--error" role="alert" data-testid={testId}>
      {t.cameraSendsNothing}
    </p>
  );
}

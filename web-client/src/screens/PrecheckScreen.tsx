import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { VideoView } from '../components/VideoView.tsx';
import { useI18n } from '../i18n.ts';
import { loadCameraPrefs, resolveCameras, type CameraChoice } from '../media/cameraPrefs.ts';
import { listVideoInputs, openDocumentCamera, openFaceCamera, openMicrophone } from '../media/localMedia.ts';
import { useCameraTrack, type CameraPreview } from '../media/useCameraTrack.ts';
import { PrecheckAudio } from '../precheck/audio.ts';
import { micVerdict, type MicVerdict } from '../precheck/level.ts';
import {
  describeNetworkCheck,
  judgeNetworkCheck,
  runNetworkCheck,
  type NetworkCheckResult,
  type NetworkVerdict,
  type ProtocolClient,
} from '@madoguchi/protocol/client';

type Status = 'ok' | 'attention' | 'pending' | 'info';

function StatusBadge({ status, testId }: { status: Status; testId: string }) {
  const { t } = useI18n();
  if (status === 'info') return null;
  const text = status === 'ok' ? t.checkOk : status === 'attention' ? t.checkAttention : t.checkPending;
  return (
    <span className={`status status--${status}`} data-testid={testId} data-status={status}>
      {status === 'ok' ? '✓ ' : status === 'attention' ? '! ' : ''}
      {text}
    </span>
  );
}

function CheckCard(props: { title: string; status: Status; testId: string; advice: string; wide?: boolean; children?: ReactNode }) {
  const { title, status, testId, advice, wide = false, children } = props;
  return (
    <section className={`check check--${status}${wide ? ' check--wide' : ''}`} data-testid={testId} aria-labelledby={`${testId}-title`}>
      <header className="check__header">
        <h2 className="check__title" id={`${testId}-title`}>
          {title}
        </h2>
        <StatusBadge status={status} testId={`${testId}-status`} />
      </header>
      {children}
      {advice && (
        <p className="check__advice" role={status === 'attention' ? 'alert' : undefined}>
          {advice}
        </p>
      )}
    </section>
  );
}

type NetworkCheck = { result: NetworkCheckResult; verdict: NetworkVerdict };

/**
 * The network check (the ways to the SFU, HTTPS, the upload), run on opening and again on request.
 * `check` is null while it runs; without a socket the verdict says the server is out of reach.
 */
function useNetworkCheck(client: ProtocolClient | null): { check: NetworkCheck | null; rerun(): void } {
  const [check, setCheck] = useState<NetworkCheck | null>(null);
  const [runs, setRuns] = useState(0);
  useEffect(() => {
    let disposed = false;
    setCheck(null);
    runNetworkCheck(client).then(
      (result) => !disposed && setCheck({ result, verdict: judgeNetworkCheck(result) }),
      (error: unknown) => console.warn('[precheck] network check failed:', error),
    );
    return () => {
      disposed = true;
    };
  }, [client, runs]);
  return { check, rerun: useCallback(() => setRuns((count) => count + 1), []) };
}

/** Cameras as saved in the settings (resolved against what is plugged in now). */
function useSavedCameras(): { choice: CameraChoice | null; failed: boolean } {
  const [choice, setChoice] = useState<CameraChoice | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let disposed = false;
    listVideoInputs().then(
      (inputs) => {
        if (!disposed) setChoice(resolveCameras(inputs.map((input) => input.deviceId), loadCameraPrefs()));
      },
      (error: unknown) => {
        console.warn('[precheck] cannot list cameras:', error);
        if (!disposed) {
          setChoice({ face: null, document: null });
          setFailed(true);
        }
      },
    );
    return () => {
      disposed = true;
    };
  }, []);
  return { choice, failed };
}

/** The microphone track and its meter; everything is closed on unmount. */
function useMicrophoneCheck(audio: PrecheckAudio | null): { level: number; verdict: MicVerdict | 'failed' } {
  const [level, setLevel] = useState(0);
  const [verdict, setVerdict] = useState<MicVerdict | 'failed'>('listening');
  useEffect(() => {
    if (!audio) return;
    let disposed = false;
    let track: MediaStreamTrack | null = null;
    let frame = 0;
    let peak = 0;
    let shown = 0;
    const started = performance.now();
    const tick = () => {
      const now = audio.level();
      peak = Math.max(peak, now);
      // Rise at once, fall slowly: a meter the eye can follow.
      shown = Math.max(now, shown * 0.95);
      setLevel(Math.round(shown));
      setVerdict(micVerdict(peak, performance.now() - started));
      frame = requestAnimationFrame(tick);
    };
    openMicrophone().then(
      (opened) => {
        if (disposed) {
          opened.stop();
          return;
        }
        track = opened;
        audio.meter(opened);
        frame = requestAnimationFrame(tick);
      },
      (error: unknown) => {
        console.warn('[precheck] cannot open the microphone:', error);
        if (!disposed) setVerdict('failed');
      },
    );
    return () => {
      disposed = true;
      cancelAnimationFrame(frame);
      track?.stop();
    };
  }, [audio]);
  return { level, verdict };
}

interface PrecheckScreenProps {
  siteName: string;
  /** The kiosk's signaling connection, for the network check (null before it exists). */
  client: ProtocolClient | null;
  onClose(): void;
}

/**
 * For the clerk, before a resident's consultation: are the cameras, the microphone, the speaker and
 * the network all right? Plain results (OK / 要確認) with what to do. Reached from the settings.
 */
export function PrecheckScreen({ siteName, client, onClose }: PrecheckScreenProps) {
  const { t, language } = useI18n();

  // One AudioContext for the meter and the tone, closed when the screen closes.
  const [audio, setAudio] = useState<PrecheckAudio | null>(null);
  useEffect(() => {
    const opened = new PrecheckAudio();
    setAudio(opened);
    return () => opened.close();
  }, []);

  const cameras = useSavedCameras();
  const face = useCameraTrack(cameras.choice?.face ?? null, openFaceCamera);
  const document = useCameraTrack(cameras.choice?.document ?? null, openDocumentCamera);
  const mic = useMicrophoneCheck(audio);

  const [tone, setTone] = useState<'idle' | 'playing' | 'failed'>('idle');
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const playTone = () => {
    if (!audio || tone === 'playing') return;
    setTone('playing');
    audio.beep().then(
      () => mounted.current && setTone('idle'),
      (error: unknown) => {
        console.warn('[precheck] cannot play the test tone:', error);
        if (mounted.current) setTone('failed');
      },
    );
  };

  const network = useNetworkCheck(client);
  // The report is for the clerk and the city's IT person: Japanese, or English for every other language.
  const report = network.check && describeNetworkCheck(network.check.result, network.check.verdict, language === 'ja' ? 'ja' : 'en');

  const cameraStatus = (
    chosen: string | null | undefined,
    state: CameraPreview,
    role: 'face' | 'document',
  ): [Status, string] => {
    if (cameras.choice === null) return ['pending', ''];
    if (!chosen) {
      if (role === 'document' && !cameras.failed) return ['info', t.documentCameraUnused];
      return ['attention', cameras.failed ? t.cameraPermissionError : t.cameraNotChosen];
    }
    if (state.sends === false) return ['attention', t.cameraSendsNothing];
    if (state.sends) return ['ok', t.cameraWorking];
    if (state.failed) return ['attention', t.cameraFailed];
    return ['pending', ''];
  };
  const [faceStatus, faceAdvice] = cameraStatus(cameras.choice?.face, face, 'face');
  const [documentStatus, documentAdvice] = cameraStatus(cameras.choice?.document, document, 'document');

  const micStatus: Status = mic.verdict === 'ok' ? 'ok' : mic.verdict === 'listening' ? 'pending' : 'attention';
  const micAdvice =
    mic.verdict === 'failed' ? t.micFailed : mic.verdict === 'quiet' ? t.micQuiet : mic.verdict === 'ok' ? t.micWorking : t.micSpeak;

  const verdict = network.check?.verdict;
  const networkStatus: Status = !verdict ? 'pending' : verdict.kind === 'good' && verdict.warnings.length === 0 ? 'ok' : 'attention';

  return (
    <div className="screen" data-testid="precheck-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body precheck">
        <div className="precheck__head">
          <div>
            <h1 className="heading">{t.precheckTitle}</h1>
            <p className="lead">{t.precheckIntro}</p>
          </div>
          <button type="button" className="button button--secondary" data-testid="precheck-back" onClick={onClose}>
            {t.back}
          </button>
        </div>
        <div className="precheck__grid">
          {/* First: a blocked network is what the clerk must hand on before anything else. */}
          <CheckCard
            title={t.network}
            status={networkStatus}
            testId="check-network"
            advice=""
            wide
          >
            <p className="network-report__headline" data-testid="network-headline" role={networkStatus === 'attention' ? 'alert' : undefined}>
              {report?.headline ?? t.networkChecking}
            </p>
            {report && verdict && (
              <div className="network-report" data-testid="network-report" data-verdict={verdict.kind}>
                {report.advice && (
                  <p className="network-report__advice" data-testid="network-advice">
                    {report.advice}
                  </p>
                )}
                <h3 className="network-report__title">{t.networkDetails}</h3>
                <ul className="network-report__details" data-testid="network-details">
                  {report.details.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </div>
            )}
            <button
              type="button"
              className="button button--secondary button--compact"
              data-testid="network-recheck"
              onClick={network.rerun}
              disabled={!network.check}
            >
              {t.networkRecheck}
            </button>
          </CheckCard>
          <CheckCard title={t.faceCamera} status={faceStatus} testId="check-face" advice={faceAdvice}>
            <div className="preview">
              {face.track && <VideoView track={face.track} testId="precheck-face-preview" mirror label={t.faceCamera} />}
            </div>
          </CheckCard>
          <CheckCard title={t.documentCamera} status={documentStatus} testId="check-document" advice={documentAdvice}>
            <div className="preview">
              {document.track && (
                <VideoView track={document.track} testId="precheck-document-preview" label={t.documentCamera} />
              )}
            </div>
          </CheckCard>
          <CheckCard title={t.microphone} status={micStatus} testId="check-mic" advice={micAdvice}>
            <div className="meter">
              <meter
                className="meter__bar"
                data-testid="mic-meter"
                min={0}
                max={100}
                low={30}
                value={mic.level}
                aria-label={t.micLevel}
              />
            </div>
          </CheckCard>
          <CheckCard
            title={t.speaker}
            status="info"
            testId="check-speaker"
            advice={tone === 'failed' ? t.speakerFailed : t.speakerHint}
          >
            <button
              type="button"
              className="button button--primary"
              data-testid="play-tone"
              onClick={playTone}
              disabled={!audio || tone === 'playing'}
            >
              {tone === 'playing' ? t.playingTone : t.playTone}
            </button>
          </CheckCard>
        </div>
      </main>
    </div>
  );
}

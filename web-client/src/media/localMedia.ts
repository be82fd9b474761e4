import { cameraCandidates, type CameraChoice } from './cameraPrefs.ts';

/** Getting the tablet's microphone and cameras. Every function returns tracks the caller must stop. */

export const FACE_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 30 },
};

/** Papers need sharp detail more than motion: the camera's highest resolution up to 4K, a low frame rate. */
export const DOCUMENT_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 3840 },
  height: { ideal: 2160 },
  frameRate: { ideal: 10, max: 15 },
};

export const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export interface VideoInput {
  deviceId: string;
  label: string;
}

function mediaDevices(): MediaDevices {
  if (!navigator.mediaDevices) throw new Error('camera access needs a secure context (https or localhost)');
  return navigator.mediaDevices;
}

export function stopTracks(tracks: Iterable<MediaStreamTrack | null | undefined>): void {
  for (const track of tracks) track?.stop();
}

async function videoInputs(): Promise<VideoInput[]> {
  const devices = await mediaDevices().enumerateDevices();
  return devices
    .filter((device) => device.kind === 'videoinput')
    .map((device) => ({ deviceId: device.deviceId, label: device.label }));
}

/**
 * The cameras plugged in. Browsers hide device ids until camera permission is granted, so
 * ask for a camera once (and release it at once) when the ids are missing.
 */
export async function listVideoInputs(): Promise<VideoInput[]> {
  let inputs = await videoInputs();
  if (inputs.length === 0 || inputs.some((input) => input.deviceId === '')) {
    const probe = await mediaDevices().getUserMedia({ video: true });
    stopTracks(probe.getTracks());
    inputs = await videoInputs();
  }
  return inputs.filter((input) => input.deviceId !== '');
}

async function videoTrack(deviceId: string, constraints: MediaTrackConstraints): Promise<MediaStreamTrack> {
  const stream = await mediaDevices().getUserMedia({
    video: { ...constraints, deviceId: { exact: deviceId } },
  });
  const [track] = stream.getVideoTracks();
  if (!track) throw new Error('no video track');
  return track;
}

/**
 * How long a camera has, once the check's connection is up, to hand the sender its first frame. A
 * depth camera never does (its 16-bit frames do not reach WebRTC); a working one does within a second.
 */
const FIRST_FRAME_TIMEOUT_MS = 8_000;
/**
 * How long the encoder then has for that camera's first encoded frame before the check gives no
 * verdict. A 4K camera's first frame took over 10 s to encode on a busy machine (CI): a camera whose
 * frames reach the sender is not refused for a slow encoder.
 */
const FIRST_ENCODE_TIMEOUT_MS = 10_000;
/** How long the check's in-page connection may take to come up (long on a busy tablet) before the check gives no verdict. */
const LOOPBACK_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Cameras this tablet has seen send a picture. A camera's kind does not change, so each is checked
 * once (in the settings, the pre-call check or the first call) and remembered across reloads: later
 * calls publish without the check's second or two between 応答 and the operator seeing the resident,
 * and a page reloaded mid-call is not refused its cameras by a check starved on a busy tablet.
 */
const SENDING_CAMERAS_KEY = 'madoguchi.kiosk.camerasThatSend';
const camerasThatSend = new Set<string>(readSendingCameras());

function readSendingCameras(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(SENDING_CAMERAS_KEY) ?? '[]');
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return []; // no storage (private mode, tests): checked once per page, as before
  }
}

function rememberSendingCamera(deviceId: string): void {
  camerasThatSend.add(deviceId);
  try {
    localStorage.setItem(SENDING_CAMERAS_KEY, JSON.stringify([...camerasThatSend]));
  } catch {
    // kept for this page only
  }
}

/**
 * Whether WebRTC can send this camera's picture: a copy of the track is encoded over a connection
 * from the page to itself until a first frame is encoded. Playing in a <video> proves nothing: a
 * depth camera's 16-bit frames show there but no video encoder takes them, so the other side
 * would get nothing, and its frames never reach the sender. So a camera is refused only when no
 * frame has reached the sender in time; once one has, the encoder has its own time to prove it, and
 * a starved encoder that has not is no verdict. `true` too when the check itself
 * cannot run, so a camera is never refused for that.
 */
export async function sendsFrames(track: MediaStreamTrack): Promise<boolean> {
  const { deviceId } = track.getSettings();
  if (deviceId && camerasThatSend.has(deviceId)) return true;
  const copy = track.clone();
  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  sender.onicecandidate = ({ candidate }) => void (candidate && receiver.addIceCandidate(candidate).catch(() => undefined));
  receiver.onicecandidate = ({ candidate }) => void (candidate && sender.addIceCandidate(candidate).catch(() => undefined));
  /** Frames the camera handed the sender (media-source) and frames encoded (outbound-rtp). */
  const frameCounts = async () => {
    const counts = { captured: 0, encoded: 0 };
    (await sender.getStats()).forEach((stat: { type: string; frames?: number; framesEncoded?: number }) => {
      if (stat.type === 'media-source') counts.captured += stat.frames ?? 0;
      if (stat.type === 'outbound-rtp') counts.encoded += stat.framesEncoded ?? 0;
    });
    return counts;
  };
  try {
    sender.addTrack(copy);
    await sender.setLocalDescription();
    await receiver.setRemoteDescription(sender.localDescription!);
    await receiver.setLocalDescription();
    await sender.setRemoteDescription(receiver.localDescription!);
    for (const start = performance.now(); sender.connectionState !== 'connected'; await sleep(100)) {
      if (performance.now() - start > LOOPBACK_TIMEOUT_MS) {
        console.warn('[media] cannot check the camera: the in-page connection did not come up');
        return true;
      }
    }
    let firstCapturedAt: number | null = null;
    for (const start = performance.now(); ; await sleep(200)) {
      const { captured, encoded } = await frameCounts();
      if (encoded > 0) {
        if (deviceId) rememberSendingCamera(deviceId);
        return true;
      }
      const now = performance.now();
      if (captured > 0) firstCapturedAt ??= now;
      if (firstCapturedAt === null && now - start > FIRST_FRAME_TIMEOUT_MS) return false;
      if (firstCapturedAt !== null && now - firstCapturedAt > FIRST_ENCODE_TIMEOUT_MS) {
        console.warn('[media] the camera check saw frames but no encoded one yet (a busy tablet): the camera is used');
        return true;
      }
    }
  } catch (error) {
    console.warn('[media] cannot check the camera:', error);
    return true;
  } finally {
    sender.close();
    receiver.close();
    copy.stop();
  }
}

/** The first of `deviceIds` whose camera opens and sends a picture; the others are closed again. */
async function openSendingCamera(
  deviceIds: readonly string[],
  open: (deviceId: string) => Promise<MediaStreamTrack>,
): Promise<{ deviceId: string; track: MediaStreamTrack }> {
  for (const deviceId of deviceIds) {
    const track = await open(deviceId).catch((error: unknown) => {
      console.warn(`[media] cannot open camera ${deviceId}:`, error);
      return null;
    });
    if (track && (await sendsFrames(track))) return { deviceId, track };
    if (track) console.warn(`[media] camera ${deviceId} (${track.label}) sends no picture; trying another`);
    track?.stop();
  }
  throw new Error('no camera sends a picture');
}

export function openFaceCamera(deviceId: string): Promise<MediaStreamTrack> {
  return videoTrack(deviceId, FACE_CONSTRAINTS);
}

export async function openDocumentCamera(deviceId: string): Promise<MediaStreamTrack> {
  const track = await videoTrack(deviceId, DOCUMENT_CONSTRAINTS);
  track.contentHint = 'detail'; // keep resolution, drop frames, when bandwidth is short
  return track;
}

export async function openMicrophone(): Promise<MediaStreamTrack> {
  const stream = await mediaDevices().getUserMedia({ audio: MIC_CONSTRAINTS });
  const [track] = stream.getAudioTracks();
  if (!track) throw new Error('no audio track');
  return track;
}

export interface CallMedia {
  mic: MediaStreamTrack | null;
  face: MediaStreamTrack | null;
  document: MediaStreamTrack | null;
  /** What could not be opened (the call goes on without it). */
  failures: ('mic' | 'face' | 'document')[];
}

/**
 * Everything the resident sends in a call. A device that fails is left out, not fatal. `onOpened`
 * hears of each device as soon as it is ready (the microphone first, then the face camera), so that
 * it can be sent while the next one is still being opened and checked. The document camera is opened
 * once `beforeDocument` resolves (the call waits for the face to be on its way first).
 */
export async function openCallMedia(
  choose: (deviceIds: string[]) => CameraChoice,
  onOpened: (what: CallMedia['failures'][number], track: MediaStreamTrack) => void = () => {},
  beforeDocument: () => Promise<void> = async () => {},
): Promise<CallMedia> {
  const failures: CallMedia['failures'] = [];
  const attempt = async <T extends MediaStreamTrack | { track: MediaStreamTrack }>(
    what: CallMedia['failures'][number],
    open: () => Promise<T>,
  ): Promise<T | null> => {
    try {
      const opened = await open();
      onOpened(what, opened instanceof MediaStreamTrack ? opened : opened.track);
      return opened;
    } catch (error) {
      console.warn(`[media] cannot open ${what}:`, error);
      failures.push(what);
      return null;
    }
  };
  const mic = await attempt('mic', openMicrophone);
  const inputs = await listVideoInputs().catch((error: unknown) => {
    console.warn('[media] cannot list cameras:', error);
    return [];
  });
  const deviceIds = inputs.map((input) => input.deviceId);
  const choice = choose(deviceIds);
  // A chosen camera that sends no picture gives way to another one the other role does not use.
  const face = choice.face
    ? await attempt('face', () => openSendingCamera(cameraCandidates(deviceIds, choice.face!, choice.document), openFaceCamera))
    : null;
  if (choice.document) await beforeDocument();
  const document = choice.document
    ? await attempt('document', () =>
        openSendingCamera(cameraCandidates(deviceIds, choice.document!, face?.deviceId ?? choice.face), openDocumentCamera),
      )
    : null;
  if (!choice.face) failures.push('face');
  return { mic, face: face?.track ?? null, document: document?.track ?? null, failures };
}

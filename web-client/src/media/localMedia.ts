import type { CameraChoice } from './cameraPrefs.ts';

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

/** Everything the resident sends in a call. A device that fails is left out, not fatal. */
export async function openCallMedia(choose: (deviceIds: string[]) => CameraChoice): Promise<CallMedia> {
  const failures: CallMedia['failures'] = [];
  const attempt = async <T>(what: CallMedia['failures'][number], open: () => Promise<T>): Promise<T | null> => {
    try {
      return await open();
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
  const choice = choose(inputs.map((input) => input.deviceId));
  const face = choice.face ? await attempt('face', () => openFaceCamera(choice.face!)) : null;
  const document = choice.document ? await attempt('document', () => openDocumentCamera(choice.document!)) : null;
  if (!choice.face) failures.push('face');
  return { mic, face, document, failures };
}

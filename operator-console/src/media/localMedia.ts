/**
 * The operator's own microphone and camera. Each is opened on its own, so a missing camera does
 * not cost the call its voice (and the other way round).
 */
import { LIVE_DOCUMENT_SIZE } from '@madoguchi/protocol/client';

export interface OperatorMedia {
  mic: MediaStreamTrack | null;
  cam: MediaStreamTrack | null;
  missing: ('audio' | 'video')[];
}

const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** The operator's face camera: 640×480 is plenty for a face and spares the resident's uplink. */
const CAM_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 30, max: 30 },
};

async function open(constraints: MediaStreamConstraints): Promise<MediaStreamTrack | null> {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  try {
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const [track] = constraints.audio ? stream.getAudioTracks() : stream.getVideoTracks();
    return track ?? null;
  } catch (error) {
    console.warn('[media] could not open', constraints.audio ? 'microphone' : 'camera', error);
    return null;
  }
}

/** The microphone alone (a supervisor who whispers or joins a call); null when it cannot be opened. */
export function openMicrophone(): Promise<MediaStreamTrack | null> {
  return open({ audio: MIC_CONSTRAINTS });
}

export async function acquireOperatorMedia(): Promise<OperatorMedia> {
  const [mic, cam] = await Promise.all([openMicrophone(), open({ video: CAM_CONSTRAINTS })]);
  const missing: ('audio' | 'video')[] = [];
  if (!mic) missing.push('audio');
  if (!cam) missing.push('video');
  if (cam && 'contentHint' in cam) cam.contentHint = 'motion';
  return { mic, cam, missing };
}

/** Cameras the operator could show the resident, with their labels ('' when the browser gives none). */
export async function listCameras(): Promise<{ deviceId: string; label: string }[]> {
  const devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
  return devices
    .filter((device) => device.kind === 'videoinput' && device.deviceId !== '')
    .map((device) => ({ deviceId: device.deviceId, label: device.label }));
}

/**
 * A track to show the resident: the operator's document camera at Full HD (what is sent; no still
 * is taken of it), or a screen or window. Both are papers and text, so detail matters more than motion.
 */
export async function openSharedTrack(source: 'operator-document' | 'screen', cameraId?: string): Promise<MediaStreamTrack> {
  const stream =
    source === 'screen'
      ? await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false })
      : await navigator.mediaDevices.getUserMedia({
          video: {
            ...(cameraId ? { deviceId: { exact: cameraId } } : {}),
            width: { ideal: LIVE_DOCUMENT_SIZE.long },
            height: { ideal: LIVE_DOCUMENT_SIZE.short },
            frameRate: { ideal: 10, max: 15 },
          },
        });
  const [track] = stream.getVideoTracks();
  if (!track) throw new Error('no video track to share');
  track.contentHint = 'detail';
  return track;
}

export function stopOperatorMedia(media: OperatorMedia | null): void {
  media?.mic?.stop();
  media?.cam?.stop();
}

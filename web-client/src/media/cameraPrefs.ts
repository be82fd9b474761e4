/**
 * Which camera films the face and which the papers on the desk. Stored per tablet in
 * localStorage `madoguchi.cameras` as `{ faceDeviceId, documentDeviceId }`;
 * documentDeviceId null means "no document camera" (使わない).
 */

const CAMERAS_KEY = 'madoguchi.cameras';

export interface CameraPrefs {
  faceDeviceId: string | null;
  documentDeviceId: string | null;
}

export interface CameraChoice {
  face: string | null;
  document: string | null;
}

export function loadCameraPrefs(): CameraPrefs | null {
  try {
    const raw = localStorage.getItem(CAMERAS_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Record<keyof CameraPrefs, unknown>> | null;
    if (typeof value !== 'object' || value === null) return null;
    const id = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return { faceDeviceId: id(value.faceDeviceId), documentDeviceId: id(value.documentDeviceId) };
  } catch {
    return null;
  }
}

export function saveCameraPrefs(prefs: CameraPrefs): void {
  localStorage.setItem(CAMERAS_KEY, JSON.stringify(prefs));
}

/**
 * The cameras to use, given the video inputs present now and the saved choice.
 * Nothing saved: the first camera films the face, the second the documents (none if only one).
 * A saved camera that is no longer plugged in falls back to that default.
 */
export function resolveCameras(deviceIds: readonly string[], prefs: CameraPrefs | null): CameraChoice {
  const ids = deviceIds.filter((id) => id !== '');
  const face = prefs?.faceDeviceId && ids.includes(prefs.faceDeviceId) ? prefs.faceDeviceId : (ids[0] ?? null);
  if (prefs && prefs.documentDeviceId === null && prefs.faceDeviceId !== null) {
    return { face, document: null }; // explicitly "do not use"
  }
  const saved = prefs?.documentDeviceId;
  const document =
    saved && saved !== face && ids.includes(saved) ? saved : (ids.find((id) => id !== face) ?? null);
  return { face, document };
}

/**
 * The cameras to try for one role, best first: the chosen one, then every other camera the other
 * role does not use. A camera that sends no picture (a depth camera, a broken one) gives way to the next.
 */
export function cameraCandidates(deviceIds: readonly string[], chosen: string, otherRole: string | null): string[] {
  return [chosen, ...deviceIds.filter((id) => id !== '' && id !== chosen && id !== otherRole)];
}

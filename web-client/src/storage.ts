/** The kiosk's only persistent data: the device token (and the camera choice, see media/cameraPrefs.ts). */

const TOKEN_KEY = 'madoguchi.deviceToken';

export function loadDeviceToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

export function saveDeviceToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearDeviceToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage unavailable: nothing to clear
  }
}

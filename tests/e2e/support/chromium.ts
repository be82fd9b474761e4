/** Debian's Chromium and the flags every e2e browser runs with (playwright.config.ts and the browsers tests launch themselves). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  // Three fake cameras: fake_device_0 (640×480, the face), fake_device_1 (a depth camera WebRTC
  // cannot encode) and fake_device_2 (up to 3840×2160: the document camera).
  '--use-fake-device-for-media-stream=device-count=3',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** A page served over plain http from an address other than localhost is a secure context (cameras) only with this flag. */
export const treatAsSecure = (origin: string) => `--unsafely-treat-insecure-origin-as-secure=${origin}`;

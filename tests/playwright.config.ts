import { defineConfig } from '@playwright/test';

/** End-to-end calls in Debian's Chromium (Playwright cannot download its own browser on this machine). */
export default defineConfig({
  testDir: './e2e',
  outputDir: '../test-output/playwright',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--use-fake-ui-for-media-stream',
        // Three fake cameras: fake_device_0 (640×480, the face), fake_device_1 (a depth camera WebRTC
        // cannot encode) and fake_device_2 (up to 3840×2160: the document camera).
        '--use-fake-device-for-media-stream=device-count=3',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});

import { expect, type Browser, type Page } from '@playwright/test';
import { E2E_PASSWORD, type RunningServer } from './server.ts';
import { watchContentSecurityPolicy } from './csp.ts';
import { recordPeerConnections } from './webrtcStats.ts';

/** The apps' own warnings about cameras and the call ("[media] …", "[call] …"), printed: they explain a call without a picture. */
function echoMediaWarnings(page: Page): void {
  page.on('console', (message) => {
    if (/^\[(media|call)\]/.test(message.text())) console.log(`[page ${new URL(page.url()).pathname}] ${message.text()}`);
  });
}

/** A booth tablet paired to the site, on its home screen, with the browser's cameras as they come (no clerk's choice saved). */
export async function pairTablet(browser: Browser, server: Pick<RunningServer, 'url' | 'registerTablet'>, siteName: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  watchContentSecurityPolicy(page);
  echoMediaWarnings(page);
  await recordPeerConnections(page);
  await page.goto(`${server.url}/kiosk/`);
  // What a clerk pastes: a whole line of .data/device-tokens.txt, names and all.
  await page.getByTestId('pair-token').fill(`${siteName}\t${siteName} タブレット1\t${await server.registerTablet(siteName)}`);
  await page.getByTestId('pair-submit').click();
  await expect(page.getByText(siteName).first()).toBeVisible();
  return page;
}

/** The clerk types the site's PIN on the tablet's PIN pad and presses 決定. */
export async function enterClerkPin(page: Page, pin: string): Promise<void> {
  await expect(page.getByTestId('clerk-pin-screen')).toBeVisible();
  for (const digit of pin) await page.getByTestId(`pin-key-${digit}`).click();
  await page.getByTestId('pin-submit').click();
}

/**
 * A paired booth tablet at the site; its clerk has chosen the cameras, and it shows the home screen.
 * `clerkPin`: the site's clerk PIN, where the test set one (the seeded sites have none: their
 * settings open without).
 */
export async function openTablet(
  browser: Browser,
  server: Pick<RunningServer, 'url' | 'registerTablet'>,
  siteName: string,
  { clerkPin, documentCamera = true }: { clerkPin?: string; documentCamera?: boolean } = {},
): Promise<Page> {
  const page = await pairTablet(browser, server, siteName);
  // The booth's clerk chooses the cameras once. Chromium's fake_device_1 is a depth camera that
  // WebRTC cannot encode; fake_device_2 delivers up to 3840×2160, like a real document camera.
  // Without one (使わない) the booth sends only the face.
  await page.getByTestId('open-settings').click();
  if (clerkPin) await enterClerkPin(page, clerkPin);
  await page.getByTestId('face-camera-select').selectOption({ label: 'fake_device_0' });
  await page.getByTestId('document-camera-select').selectOption(documentCamera ? { label: 'fake_device_2' } : { value: '' });
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('department-tax')).toBeVisible();
  return page;
}

/** An operator logged in to the console and set 受付可 (unless `available: false`: a console opened mid-call leaves presence alone). */
export async function openConsole(browser: Browser, server: Pick<RunningServer, 'url'>, username: string, { available = true } = {}): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  watchContentSecurityPolicy(page);
  echoMediaWarnings(page);
  await recordPeerConnections(page);
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  if (!available) return page;
  await page.getByTestId('presence-available').click();
  await expect(page.getByTestId('presence-available')).toHaveAttribute('aria-pressed', 'true');
  return page;
}

/** The resident presses the department; the operator answers; both reach the call screen. */
export async function connectCall(tablet: Page, operator: Page, departmentCode: string): Promise<void> {
  await tablet.getByTestId(`department-${departmentCode}`).click();
  await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
  await expect(operator.getByTestId('incoming-offer')).toBeVisible();
  await operator.getByTestId('accept-offer').click();
  await expect(operator.getByTestId('call-screen')).toBeVisible();
  await expect(tablet.getByTestId('call-screen')).toBeVisible();
}

/** The page's <video> (by test id) shows frames: it has data and a size. */
export async function videoPlaying(page: Page, testId: string): Promise<void> {
  await expect
    .poll(() => page.getByTestId(testId).evaluate((video: HTMLVideoElement) => video.readyState >= 2 && video.videoWidth > 0))
    .toBe(true);
}

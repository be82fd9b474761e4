import { expect, test, type Browser, type Page } from '@playwright/test';
import { openConsole, videoPlaying } from './support/call.ts';
import { checkScreen as check } from './support/screens.ts';
import { startServer, type RunningServer } from './support/server.ts';

/**
 * Every tablet screen except the call (first-call.spec.ts has it), in Japanese and in English:
 * a screenshot of each in test-output/screens/<name>-<lang>.png, and axe-core finds no serious or
 * critical accessibility problem on any of them. On the way, the clerk's pre-call check measures
 * the network, hears the (fake) microphone, shows both cameras, and closes all it opened on leaving.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Records every media track and AudioContext the page opens, to check they are all closed later. */
function trackMediaObjects(): void {
  const w = window as unknown as { __tracks: MediaStreamTrack[]; __audioContexts: AudioContext[] };
  w.__tracks = [];
  w.__audioContexts = [];
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    w.__tracks.push(...stream.getTracks());
    return stream;
  };
  const Native = window.AudioContext;
  window.AudioContext = class extends Native {
    constructor(options?: AudioContextOptions) {
      super(options);
      w.__audioContexts.push(this);
    }
  };
}

async function openMediaObjects(page: Page): Promise<{ liveTracks: string[]; openContexts: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __tracks: MediaStreamTrack[]; __audioContexts: AudioContext[] };
    return {
      liveTracks: w.__tracks.filter((track) => track.readyState === 'live').map((track) => `${track.kind}:${track.label}`),
      openContexts: w.__audioContexts.filter((context) => context.state !== 'closed').length,
    };
  });
}

/** An elderly resident will not scroll: every department button must be whole on the screen. */
async function departmentsFit(page: Page): Promise<void> {
  const viewport = page.viewportSize()!;
  const buttons = page.locator('.department-button');
  expect(await buttons.count()).toBeGreaterThan(0);
  for (const box of await buttons.evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().toJSON() as DOMRect))) {
    expect(box.bottom).toBeLessThanOrEqual(viewport.height);
  }
  const scrolls = await page.locator('main').evaluate((main) => main.scrollHeight > main.clientHeight + 1);
  expect(scrolls, 'the home screen must not need scrolling').toBe(false);
}

async function everyScreen(browser: Browser, language: 'ja' | 'en', operatorName: string): Promise<void> {
  const operator = await openConsole(browser, server, operatorName);
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  await context.addInitScript(trackMediaObjects);
  const page = await context.newPage();
  await page.goto(`${server.url}/kiosk/`);

  // Pairing (first run).
  await expect(page.getByTestId('pairing-screen')).toBeVisible();
  if (language !== 'ja') await page.getByTestId(`language-${language}`).click();
  await expect(page.getByTestId(`language-${language}`)).toHaveAttribute('aria-pressed', 'true');
  await check(page, 'pairing', language);
  await page.getByTestId('pair-token').fill(await server.registerTablet('清滝郵便局'));
  await page.getByTestId('pair-submit').click();

  // Home.
  await expect(page.getByTestId('home-screen')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveAttribute('data-notice', 'paired');
  await page.getByRole('button', { name: language === 'ja' ? 'とじる' : 'Close' }).click();
  await expect(page.getByTestId('department-tax')).toBeEnabled();
  await check(page, 'home', language);
  await departmentsFit(page);
  if (language === 'ja') {
    // The other languages of the switch: the home screen in each, whole and accessible.
    for (const other of ['zh', 'ko', 'vi', 'pt']) {
      await page.getByTestId(`language-${other}`).click();
      await check(page, 'home', other);
      await departmentsFit(page);
    }
    await page.getByTestId('language-ja').click();
  }

  // Settings: the clerk picks the face and the document camera.
  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('settings-screen')).toBeVisible();
  await page.getByTestId('face-camera-select').selectOption({ label: 'fake_device_0' });
  await page.getByTestId('document-camera-select').selectOption({ label: 'fake_device_2' });
  await videoPlaying(page, 'face-camera-preview');
  await videoPlaying(page, 'document-camera-preview');
  await check(page, 'settings', language);

  // Pre-call check of the cameras just chosen (opening it keeps the choice), the microphone, the
  // network; then the test tone.
  await page.getByTestId('open-precheck').click();
  await expect(page.getByTestId('precheck-screen')).toBeVisible();
  await videoPlaying(page, 'precheck-face-preview');
  await videoPlaying(page, 'precheck-document-preview');
  await expect(page.getByTestId('check-face-status')).toHaveAttribute('data-status', 'ok');
  await expect(page.getByTestId('check-document-status')).toHaveAttribute('data-status', 'ok');
  // On the same machine without TURN: straight over UDP (network-check.spec.ts blocks the ways).
  await expect(page.getByTestId('network-report')).toHaveAttribute('data-verdict', 'good', { timeout: 15_000 });
  await expect(page.getByTestId('check-network-status')).toHaveAttribute('data-status', 'ok');
  await expect(page.getByTestId('network-headline')).toHaveText(language === 'ja' ? 'このネットワークで 通話できます。' : 'Calls work on this network.');
  // Chromium's fake microphone beeps: the meter must move and the check says OK.
  await expect(page.getByTestId('check-mic-status')).toHaveAttribute('data-status', 'ok');
  await page.getByTestId('play-tone').click();
  await expect(page.getByTestId('play-tone')).toBeDisabled();
  await expect(page.getByTestId('play-tone')).toBeEnabled({ timeout: 5_000 });
  await check(page, 'precheck', language);
  const during = await openMediaObjects(page);
  expect(during.liveTracks.length).toBeGreaterThanOrEqual(3); // face, document, microphone
  expect(during.openContexts).toBe(1);
  await page.getByTestId('precheck-back').click();
  await expect(page.getByTestId('settings-screen')).toBeVisible();
  await expect(page.getByTestId('document-camera-select').locator('option:checked')).toHaveText('fake_device_2');
  await page.getByTestId('settings-back').click();
  await expect(page.getByTestId('home-screen')).toBeVisible();
  await expect.poll(() => openMediaObjects(page)).toEqual({ liveTracks: [], openContexts: 0 });

  // Waiting for 税務課, then the resident cancels: home with a notice.
  await page.getByTestId('department-tax').click();
  await expect(page.getByTestId('waiting-screen')).toBeVisible();
  await expect(operator.getByTestId('incoming-offer')).toBeVisible();
  await expect(page.getByTestId('waiting-screen')).toHaveAttribute('data-status', 'offered');
  await check(page, 'waiting', language);
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('notice')).toHaveAttribute('data-notice', 'cancelled');
  await expect(operator.getByTestId('incoming-offer')).toBeHidden();
  await check(page, 'notice', language);
  await departmentsFit(page);

  await context.close();
  await operator.context().close();
}

test('every tablet screen in Japanese: screenshots and no serious accessibility problem', async ({ browser }) => {
  await everyScreen(browser, 'ja', 'tax1');
});

test('every tablet screen in English: screenshots and no serious accessibility problem', async ({ browser }) => {
  await everyScreen(browser, 'en', 'tax2');
});

test('a clerk screen left alone goes back to a Japanese home screen; the waiting screen does not', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'tax1');
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(`${server.url}/kiosk/`);
  await page.getByTestId('pair-token').fill(await server.registerTablet('江川出張所'));
  await page.getByTestId('pair-submit').click();
  await expect(page.getByTestId('department-tax')).toBeEnabled();

  // Someone switched to English, opened the pre-call check, and walked away.
  await page.getByTestId('language-en').click();
  await page.getByTestId('open-settings').click();
  await page.getByTestId('open-precheck').click();
  await expect(page.getByTestId('precheck-screen')).toBeVisible();
  await page.clock.fastForward('01:00');
  await expect(page.getByTestId('precheck-screen')).toBeVisible();
  await page.clock.fastForward('01:05');
  await expect(page.getByTestId('home-screen')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(page.getByTestId('language-ja')).toHaveAttribute('aria-pressed', 'true');

  // A resident waiting for an answer is never sent away by the idle timer.
  await expect(page.getByTestId('department-tax')).toBeEnabled();
  await page.getByTestId('department-tax').click();
  await expect(page.getByTestId('waiting-screen')).toBeVisible();
  await expect(operator.getByTestId('incoming-offer')).toBeVisible();
  await page.clock.fastForward('02:05');
  await expect(page.getByTestId('waiting-screen')).toBeVisible();
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('notice')).toHaveAttribute('data-notice', 'cancelled');

  await context.close();
  await operator.context().close();
});

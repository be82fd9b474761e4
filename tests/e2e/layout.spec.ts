import { expect, test, type Browser, type Page } from '@playwright/test';
import { connectCall, openConsole, openTablet, videoPlaying } from './support/call.ts';
import { containedPicture, expectNoPageScroll, expectTextWhole, expectWhole, intersects } from './support/geometry.ts';
import { checkScreen } from './support/screens.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { sampleGrowth, trackIdOf } from './support/webrtcStats.ts';

/**
 * The screens at the sizes they are used at: a 10-inch tablet in portrait (820×1180) and landscape
 * (1180×820), a city PC's console at 1366×768 and 1440×900. Geometry, not looks: every control and
 * name of a call has a size and lies whole on the screen, nothing a user needs is below the fold,
 * the zoom bar leaves the document's signature corner free, and a still fits the window and turns.
 */

const PORTRAIT = { width: 820, height: 1180 };
const LANDSCAPE = { width: 1180, height: 820 };
const CITY_PC = { width: 1366, height: 768 };
const WIDE_PC = { width: 1440, height: 900 };

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});
// A failed test must not leave its operators logged in to answer the next test's calls.
test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) await context.close();
});

// ── Tablet ───────────────────────────────────────────────────────────────────────────────────

async function tabletHomeWhole(tablet: Page): Promise<void> {
  const languages = tablet.locator('.top-bar .language-switch');
  await expectWhole(languages, 'the language switch');
  await expectTextWhole(tablet.locator('.top-bar__app'), 'リモート窓口', languages);
  await expectTextWhole(tablet.getByTestId('site-name'), 'the site name', languages);
  for (const button of await tablet.locator('.department-button').all()) await expectWhole(button, 'a department button');
  await expectWhole(tablet.getByTestId('open-settings'), 'the settings link');
}

async function tabletCallWhole(tablet: Page): Promise<void> {
  await expectTextWhole(tablet.locator('.call__department'), 'the department');
  await expectTextWhole(tablet.locator('.call__operator'), 'the staff name');
  await expectWhole(tablet.getByTestId('connection-state'), 'the connection state');
  await expectWhole(tablet.locator('.call__bar .language-switch'), 'the language switch');
  for (const id of ['mute-button', 'camera-button', 'end-button', 'chat-input', 'local-video-face', 'local-video-document', 'remote-video-operator-cam']) {
    await expectWhole(tablet.getByTestId(id), id);
  }
  await expectNoPageScroll(tablet);
}

const TABLET_RUNS = [
  { viewport: PORTRAIT, orientation: 'portrait', language: 'ja', department: 'tax', operator: 'tax1' },
  { viewport: PORTRAIT, orientation: 'portrait', language: 'en', department: 'citizen', operator: 'citizen1' },
  { viewport: LANDSCAPE, orientation: 'landscape', language: 'ja', department: 'insurance', operator: 'insurance1' },
  { viewport: LANDSCAPE, orientation: 'landscape', language: 'en', department: 'general', operator: 'general1' },
] as const;

for (const run of TABLET_RUNS) {
  test(`tablet ${run.orientation} (${run.viewport.width}×${run.viewport.height}) in ${run.language}: home, call and rating are whole on the screen`, async ({ browser }) => {
    const operator = await openConsole(browser, server, run.operator);
    const tablet = await openTablet(browser, server, '清滝郵便局');
    await tablet.setViewportSize(run.viewport);
    await tablet.getByTestId(`language-${run.language}`).click();
    await expect(tablet.locator('html')).toHaveAttribute('lang', run.language);

    await tabletHomeWhole(tablet);
    await checkScreen(tablet, `layout-home-${run.orientation}`, run.language);

    await connectCall(tablet, operator, run.department);
    await videoPlaying(tablet, 'remote-video-operator-cam');
    await tabletCallWhole(tablet);
    await checkScreen(tablet, `layout-call-${run.orientation}`, run.language);

    await operator.getByTestId('end-button').click();
    await expect(tablet.getByTestId('rating-screen')).toBeVisible();
    await tablet.getByTestId('rating-4').click();
    for (const id of ['rating-1', 'rating-5', 'rating-comment', 'rating-send']) await expectWhole(tablet.getByTestId(id), id);
    await expectNoPageScroll(tablet);
    await checkScreen(tablet, `layout-rating-${run.orientation}`, run.language);

  });
}

test('tablet portrait, three-way call: both staff members are seen large, names and controls whole', async ({ browser }) => {
  const welfare = await openConsole(browser, server, 'welfare1');
  const childcare = await openConsole(browser, server, 'childcare1');
  const tablet = await openTablet(browser, server, '江川出張所');
  await tablet.setViewportSize(PORTRAIT);
  await connectCall(tablet, welfare, 'welfare');
  await welfare.getByTestId('routing-target').selectOption({ label: '子育て支援課' });
  await welfare.getByTestId('invite-department').click();
  await childcare.getByTestId('accept-offer').click();
  await expect(childcare.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  await videoPlaying(tablet, 'remote-video-operator-cam');
  await videoPlaying(tablet, 'remote-video-colleague-1');

  await tabletCallWhole(tablet);
  for (const id of ['remote-video-operator-cam', 'remote-video-colleague-1']) {
    const box = (await tablet.getByTestId(id).boundingBox())!;
    expect(box.width, `${id} width`).toBeGreaterThanOrEqual(200);
    expect(box.height, `${id} height`).toBeGreaterThanOrEqual(150);
  }
  await checkScreen(tablet, 'layout-call-three-party-portrait', 'ja');

  await tablet.getByTestId('end-button').click();
});

/**
 * Issue 16, item 4: the form the operator shows was drawn about 537×300 and could not be enlarged.
 * Now it takes the stage in both orientations, opens full-screen (拡大) with zoom and drag, and the
 * console previews it with the size the tablet reports drawing it.
 */
test('tablet, the operator shows their document camera: large in both orientations, 拡大 with zoom, and the console\'s preview', async ({ browser }) => {
  // Seven screens checked (each a screenshot and an axe audit in a page of its own: 10–17 s on CI)
  // after a call is set up: about 120 s in all, the default timeout (CI of 461d806 timed out at the last screen).
  test.setTimeout(240_000);
  const operator = await openConsole(browser, server, 'insurance1');
  const tablet = await openTablet(browser, server, '中央公民館');
  await tablet.setViewportSize(LANDSCAPE);
  await connectCall(tablet, operator, 'insurance');
  await operator.getByTestId('share-camera-select').selectOption({ label: 'fake_device_2' });
  await operator.getByTestId('share-document').click();

  const shared = tablet.getByTestId('remote-video-operator-document');
  await videoPlaying(tablet, 'remote-video-operator-document');
  const sharedTrack = await trackIdOf(tablet, 'remote-video-operator-document');
  const decoded = async () => (await sampleGrowth(tablet, 500)).find((s) => s.after.trackIdentifier === sharedTrack);
  await expect.poll(async () => (await decoded())?.after.frameWidth ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(1280);
  // Frames keep coming (a document is sent at a low frame rate, dropped further on a busy machine).
  await expect.poll(async () => { const s = await decoded(); return s ? s.after.framesDecoded - s.before.framesDecoded : 0; }, { timeout: 15_000 }).toBeGreaterThan(0);

  const reportedWidth = async () => Number(await operator.getByTestId('share-preview-size').getAttribute('data-width'));
  for (const [orientation, viewport] of [['landscape', LANDSCAPE], ['portrait', PORTRAIT]] as const) {
    await tablet.setViewportSize(viewport);
    const stage = (await tablet.locator('.call__main').boundingBox())!;
    await expect.poll(async () => (await containedPicture(shared)).width, { message: `the form's width in ${orientation}` }).toBeGreaterThanOrEqual(0.8 * stage.width);
    const picture = await containedPicture(shared);
    console.log(`[${orientation}] the shared form is drawn ${Math.round(picture.width)}×${Math.round(picture.height)} of a ${stage.width}×${stage.height} stage`);
    await tabletCallWhole(tablet);
    await expectWhole(tablet.getByTestId('share-enlarge'), '拡大');
    // The console says the size the tablet draws it at (whole CSS pixels, rounded as the tablet rounds).
    await expect.poll(async () => Math.abs((await reportedWidth()) - picture.width)).toBeLessThanOrEqual(2);
    await checkScreen(tablet, `layout-share-${orientation}`, 'ja');
  }
  await expect(operator.getByTestId('share-preview')).toContainText('相談者の画面に表示中');
  // …and the frames it receives (as decoded there: at least 1280 wide, as getStats showed).
  const received = (await operator.getByTestId('share-preview-detail').textContent())?.match(/(\d+)×(\d+)/);
  expect(Number(received?.[1]), 'the received width the console shows').toBeGreaterThanOrEqual(1280);
  await expectWhole(operator.getByTestId('share-preview-video'), 'the preview');
  await checkScreen(operator, 'console-share-preview', 'ja');
  await operator.getByTestId('language-select').selectOption('en');
  await expect(operator.getByTestId('share-preview')).toContainText("On the resident's screen");
  await checkScreen(operator, 'console-share-preview', 'en');

  // A tap on the picture opens it full-screen; とじる brings the call's controls back.
  await shared.click();
  const enlarged = tablet.getByTestId('share-enlarged');
  await expect(enlarged).toBeVisible();
  await tablet.getByTestId('share-close').click();
  await expect(enlarged).toHaveCount(0);

  // 拡大: ＋ zooms the drawn picture, a drag moves it, − goes back; the console hears of it.
  await tablet.getByTestId('share-enlarge').click();
  const big = tablet.getByTestId('enlarged-video-operator-document');
  const drawnScale = () => big.evaluate((video: HTMLVideoElement) => video.getBoundingClientRect().width / video.offsetWidth);
  await expect.poll(drawnScale).toBeCloseTo(1, 2);
  for (const id of ['share-zoom-in', 'share-zoom-out', 'share-close']) await expectWhole(tablet.getByTestId(id), id);
  await tablet.getByTestId('share-zoom-in').click();
  await expect(tablet.getByTestId('share-zoom-level')).toHaveText('150%');
  await expect.poll(drawnScale).toBeCloseTo(1.5, 2);
  await expect(operator.getByTestId('share-preview-detail')).toContainText('150%');
  const beforeDrag = (await big.boundingBox())!;
  const middle = { x: PORTRAIT.width / 2, y: PORTRAIT.height / 2 };
  await tablet.mouse.move(middle.x, middle.y);
  await tablet.mouse.down();
  await tablet.mouse.move(middle.x + 120, middle.y + 60, { steps: 5 });
  await tablet.mouse.up();
  await expect.poll(async () => (await big.boundingBox())!.x - beforeDrag.x).toBeGreaterThan(50);
  await checkScreen(tablet, 'share-enlarged-portrait', 'ja');
  await tablet.getByTestId('share-zoom-out').click();
  await expect.poll(drawnScale).toBeCloseTo(1, 2);
  // Two fingers spreading apart (real touch input through the DevTools protocol) zoom in.
  const touch = await tablet.context().newCDPSession(tablet);
  await touch.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 2 });
  const fingers = (spread: number) => [
    { x: middle.x - spread, y: middle.y, id: 1 },
    { x: middle.x + spread, y: middle.y, id: 2 },
  ];
  await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(60) });
  for (const spread of [90, 120, 150]) await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(spread) });
  await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await expect.poll(drawnScale).toBeGreaterThan(2);
  await touch.detach();
  await tablet.getByTestId('share-close').click();
  await expect(enlarged).toHaveCount(0);
  await tabletCallWhole(tablet);

  // The same screens in English.
  await tablet.getByTestId('language-en').click();
  await checkScreen(tablet, 'layout-share-portrait', 'en');
  await tablet.getByTestId('share-enlarge').click();
  await expect(tablet.getByTestId('share-close')).toHaveText('Close');
  await checkScreen(tablet, 'share-enlarged-portrait', 'en');
  await tablet.getByTestId('share-close').click();
  await expect(tablet.getByTestId('end-button')).toBeVisible();

  await operator.getByTestId('share-stop').click();
  await expect(operator.getByTestId('share-preview')).toHaveCount(0);
  await expect(shared).toHaveCount(0);
  await tablet.getByTestId('end-button').click();
});

// ── Console ──────────────────────────────────────────────────────────────────────────────────

async function consoleCallWhole(operator: Page): Promise<void> {
  await expectNoPageScroll(operator);
  for (const id of [
    'call-site',
    'call-department',
    'call-connection',
    'remote-video-face',
    'remote-video-document',
    'capture-button',
    'still-thumb',
    'share-camera-select',
    'share-document',
    'share-screen',
    'routing-target',
    'invite-department',
    'transfer-call',
    'chat-input',
    'mute-button',
    'end-button',
  ]) {
    await expectWhole(operator.getByTestId(id).first(), id);
  }
  // Signatures and seals sit at the bottom right of a form: the zoom bar keeps off that quarter.
  const picture = await containedPicture(operator.getByTestId('remote-video-document'));
  const signatureCorner = { x: picture.x + picture.width / 2, y: picture.y + picture.height / 2, width: picture.width / 2, height: picture.height / 2 };
  const zoomBar = (await operator.getByTestId('document-zoom-in').locator('..').boundingBox())!;
  expect(intersects(zoomBar, signatureCorner), 'the zoom bar covers the bottom-right of the document').toBe(false);
}

test('console in a call at 1366×768 and 1440×900: everything in view without scrolling; a still fits the window and turns', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'childcare2');
  const tablet = await openTablet(browser, server, '中央公民館');
  await connectCall(tablet, operator, 'childcare');
  await videoPlaying(operator, 'remote-video-document');
  await videoPlaying(operator, 'remote-video-face');
  await operator.getByTestId('capture-button').click();
  await expect.poll(() => operator.getByTestId('still-thumb').locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  for (const viewport of [CITY_PC, WIDE_PC]) {
    await operator.setViewportSize(viewport);
    await consoleCallWhole(operator);
  }
  await operator.setViewportSize(CITY_PC);
  await checkScreen(operator, 'layout-console-call-1366', 'ja');

  // 申請書の記入 takes the side column's place of chat and transfer: the resident's paper stays as large.
  const documentBefore = (await operator.getByTestId('remote-video-document').boundingBox())!;
  await operator.getByTestId('open-form-fill').click();
  const closeFormTool = operator.locator('#side-tool-form').getByTestId('side-sheet-close');
  await expectWhole(closeFormTool, 'side-sheet-close');
  for (const id of ['form-template', 'remote-video-face', 'mute-button', 'end-button']) {
    await expectWhole(operator.getByTestId(id), id);
  }
  await expect(operator.getByTestId('chat-input')).toBeHidden();
  expect(await operator.getByTestId('remote-video-document').boundingBox()).toEqual(documentBefore);
  await checkScreen(operator, 'layout-console-form-tool-1366', 'ja');
  await closeFormTool.click();
  await expectWhole(operator.getByTestId('chat-input'), 'chat-input');

  // The still opens fitted to the window: the whole page at once.
  await operator.getByTestId('still-thumb').click();
  const still = operator.getByTestId('still-full');
  await expect(still).toBeVisible();
  await expect(operator.getByTestId('still-fit')).toHaveAttribute('aria-pressed', 'true');
  await expectWhole(still, 'the fitted still');
  const fitted = (await still.boundingBox())!;
  expect(fitted.width).toBeGreaterThan(fitted.height); // the camera's landscape picture
  await checkScreen(operator, 'layout-console-still-fit', 'ja');

  // A quarter turn: upright on the screen now, and still whole.
  await operator.getByTestId('still-rotate').click();
  await expect.poll(async () => { const box = (await still.boundingBox())!; return box.height > box.width; }).toBe(true);
  await expectWhole(still, 'the turned still');
  const turned = (await still.boundingBox())!;
  await checkScreen(operator, 'layout-console-still-rotated', 'ja');

  // 1:1 shows the camera's own pixels, larger than the window.
  await operator.getByTestId('still-actual-size').click();
  await expect(operator.getByTestId('still-actual-size')).toHaveAttribute('aria-pressed', 'true');
  const actual = (await still.boundingBox())!;
  expect(Math.max(actual.width, actual.height)).toBeGreaterThan(Math.max(turned.width, turned.height));
  await operator.keyboard.press('Escape');
  await expect(still).toHaveCount(0);

  // In English too: the lightbox's new buttons are translated.
  await operator.getByTestId('language-select').selectOption('en');
  await operator.getByTestId('still-thumb').click();
  await expect(operator.getByTestId('still-fit')).toHaveText('Fit to window');
  await checkScreen(operator, 'layout-console-still-fit', 'en');
  await operator.keyboard.press('Escape');
  await checkScreen(operator, 'layout-console-call-1366', 'en');

  await operator.getByTestId('end-button').click();
});

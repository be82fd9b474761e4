import { expect, test, type Locator } from '@playwright/test';
import { connectCall, openConsole, openTablet, videoPlaying } from './support/call.ts';
import { containedPicture, type Box } from './support/geometry.ts';
import { at, drag, expectInPlace, markBounds, TOLERANCE, type Bounds } from './support/marks.ts';
import { checkScreen } from './support/screens.ts';
import { startServer, type RunningServer } from './support/server.ts';

/**
 * Issue 13, item 1: pointing and marking on the paper, both ways. A post-office tablet consults
 * 市民課; the operator circles a field on the resident's document, the tablet shows it on the same
 * spot of its own preview; the resident points with a finger at what the operator shows; a still
 * keeps the marks.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** The share of points around the circle's outline that are drawn in the marks' red, in the still's own pixels. */
async function redOnOutline(image: Locator, circle: Bounds): Promise<number> {
  return image.evaluate((img: HTMLImageElement, c) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const [cx, cy] = [((c.left + c.right) / 2) * canvas.width, ((c.top + c.bottom) / 2) * canvas.height];
    const [rx, ry] = [((c.right - c.left) / 2) * canvas.width, ((c.bottom - c.top) / 2) * canvas.height];
    let red = 0;
    const samples = 48;
    for (let i = 0; i < samples; i++) {
      const angle = (i / samples) * 2 * Math.PI;
      const { data } = context.getImageData(Math.round(cx + rx * Math.cos(angle)) - 2, Math.round(cy + ry * Math.sin(angle)) - 2, 5, 5);
      let found = false;
      for (let p = 0; p < data.length; p += 4) if (data[p]! > 170 && data[p + 1]! < 90 && data[p + 2]! < 90) found = true;
      if (found) red++;
    }
    return red / samples;
  }, circle);
}

test('post office ↔ 市民課: the operator circles a field, the tablet shows it in place; the resident points back; a still keeps the marks', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'citizen1');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  await connectCall(tablet, operator, 'citizen');
  await videoPlaying(operator, 'remote-video-document');
  await videoPlaying(tablet, 'local-video-document');

  // The operator circles a field (from 30 %, 40 % to 55 %, 52 % of the page they see, whole and upright).
  const field: Bounds = { left: 0.3, top: 0.4, right: 0.55, bottom: 0.52 };
  const consoleDocument = operator.getByTestId('remote-video-document');
  await operator.getByTestId('mark-tool-circle').click();
  await expect(operator.getByTestId('mark-tool-circle')).toHaveAttribute('aria-pressed', 'true');
  let seen = await containedPicture(consoleDocument);
  await drag(operator, at(seen, field.left, field.top), at(seen, field.right, field.bottom));

  // The tablet draws it over its own preview (another size, another letterbox) on the same spot of the paper.
  const tabletPicture = await containedPicture(tablet.getByTestId('local-video-document'));
  const onTablet = await markBounds(tablet.getByTestId('document-marks'), 'circle', tabletPicture);
  console.log('[annotation] circle drawn at', field, 'on the tablet at', onTablet);
  expectInPlace(onTablet, field, 'the circle on the tablet');

  // Turned upside down (paper put down facing the resident) and zoomed in, the operator's pointer
  // still lands where they point: 25 %, 25 % of the picture they see (zoomed and turned) is 75 %, 75 %
  // of the camera's frame.
  await operator.getByTestId('document-rotate').click();
  await operator.getByTestId('document-rotate').click();
  await operator.getByTestId('document-zoom-in').click();
  await expect(operator.getByTestId('document-zoom-level')).toHaveText('125%');
  await operator.getByTestId('mark-tool-dot').click();
  seen = await containedPicture(consoleDocument); // the transformed element's box: the picture as zoomed
  const pointer = at(seen, 0.25, 0.25);
  await operator.mouse.click(pointer.x, pointer.y);
  const dot = await markBounds(tablet.getByTestId('document-marks'), 'dot', tabletPicture);
  expect(Math.abs((dot.left + dot.right) / 2 - 0.75)).toBeLessThan(TOLERANCE);
  expect(Math.abs((dot.top + dot.bottom) / 2 - 0.75)).toBeLessThan(TOLERANCE);
  await checkScreen(operator, 'console-call-annotation', 'ja');
  await checkScreen(tablet, 'tablet-call-annotation', 'ja');

  // Undo takes back the dot, on both sides; clear takes the rest.
  await operator.getByTestId('mark-undo').click();
  await expect(tablet.getByTestId('document-marks').locator('path')).toHaveCount(1);
  await expect(tablet.getByTestId('document-marks').locator('path[data-kind=circle]')).toHaveCount(1);
  await operator.getByTestId('mark-clear').click();
  await expect(tablet.getByTestId('document-marks').locator('path')).toHaveCount(0);
  await expect(operator.getByTestId('document-marks').locator('path')).toHaveCount(0);

  // A page loaded again gets the call's marks back from the server.
  await operator.getByTestId('document-rotate').click();
  await operator.getByTestId('document-rotate').click();
  await operator.getByTestId('document-zoom-reset').click();
  await operator.getByTestId('mark-tool-circle').click();
  seen = await containedPicture(consoleDocument);
  await drag(operator, at(seen, field.left, field.top), at(seen, field.right, field.bottom));
  await expect(tablet.getByTestId('document-marks').locator('path[data-kind=circle]')).toHaveCount(1);
  await tablet.reload();
  await expect(tablet.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  await videoPlaying(tablet, 'local-video-document');
  const reloaded = await markBounds(tablet.getByTestId('document-marks'), 'circle', await containedPicture(tablet.getByTestId('local-video-document')));
  expectInPlace(reloaded, field, 'the circle after a reload');

  // A still with the marks: the record keeps the circled form.
  await operator.getByTestId('still-with-marks').check();
  await operator.getByTestId('capture-button').click();
  const thumb = operator.getByTestId('still-thumb').first().locator('img');
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 30_000 }).toBeGreaterThan(0);
  const red = await redOnOutline(thumb, field);
  console.log(`[annotation] the stored still is red on ${Math.round(red * 100)} % of the circle's outline`);
  expect(red).toBeGreaterThan(0.8);
  const stillTaken = () => server.query<{ data: string }>(`SELECT data FROM ConsultationEvent WHERE type = 'still_taken'`).map(({ data }) => JSON.parse(data));
  await expect.poll(stillTaken).toEqual([expect.objectContaining({ marks: 1 })]);

  // The operator shows their own document camera; the resident points at it with a finger.
  await operator.getByTestId('share-camera-select').selectOption({ label: 'fake_device_2' });
  await operator.getByTestId('share-document').click();
  await videoPlaying(tablet, 'remote-video-operator-document');
  await tablet.getByTestId('mark-pen').click();
  await expect(tablet.getByTestId('mark-pen')).toHaveAttribute('aria-pressed', 'true');
  const shared = await containedPicture(tablet.getByTestId('remote-video-operator-document'));
  await drag(tablet, at(shared, 0.6, 0.2), at(shared, 0.8, 0.35));
  // Not enlarged by the stroke: the finger marks.
  await expect(tablet.getByTestId('share-enlarged')).toHaveCount(0);
  const preview = await containedPicture(operator.getByTestId('share-preview-video'));
  const finger = await markBounds(operator.getByTestId('share-marks'), 'freehand', preview);
  console.log('[annotation] finger stroke drawn at 0.60,0.20–0.80,0.35; on the console at', finger);
  expectInPlace(finger, { left: 0.6, top: 0.2, right: 0.8, bottom: 0.35 }, 'the finger stroke on the console');
  await checkScreen(tablet, 'tablet-call-finger-marks', 'ja');

  // The same screens in English.
  await operator.getByTestId('language-select').selectOption('en');
  await tablet.getByTestId('language-en').click();
  await checkScreen(operator, 'console-call-annotation', 'en');
  await checkScreen(tablet, 'tablet-call-finger-marks', 'en');

  // The resident takes their stroke back; a new one the operator clears from the console.
  await tablet.getByTestId('mark-undo').click();
  await expect(operator.getByTestId('share-marks').locator('path')).toHaveCount(0);
  await tablet.mouse.click(at(shared, 0.5, 0.5).x, at(shared, 0.5, 0.5).y);
  await expect(operator.getByTestId('share-marks').locator('path[data-kind=dot]')).toHaveCount(1);
  await operator.getByTestId('share-marks-clear').click();
  await expect(tablet.getByTestId('shared-marks').locator('path')).toHaveCount(0);
  await tablet.getByTestId('end-button').click();
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
});

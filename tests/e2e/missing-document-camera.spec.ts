import { chromium, expect, test, type Browser } from '@playwright/test';
import { connectCall, openConsole, pairTablet } from './support/call.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { sampleGrowth, trackIdOf } from './support/webrtcStats.ts';

/**
 * A document camera that cannot be seen at the other end must be said in words: the kiosk checks
 * that each camera's picture can really be sent (Chromium's fake_device_1 is a depth camera that
 * plays in a <video> but that no video encoder takes) and uses another one, and the operator is
 * told when the resident's document does not arrive instead of waiting for it for ever.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Chromium with `count` fake cameras: fake_device_0 (the face), then fake_device_1 (the depth camera), … */
function browserWithCameras(count: number): Promise<Browser> {
  const args = CHROMIUM_ARGS.map((arg) =>
    arg.startsWith('--use-fake-device-for-media-stream') ? `--use-fake-device-for-media-stream=device-count=${count}` : arg,
  );
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

test('the clerk chooses the depth camera as document camera: told in words, and the call sends another camera’s picture', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'tax1');
  const tablet = await pairTablet(browser, server, '清滝郵便局');
  await tablet.getByTestId('open-settings').click();
  const documentChoice = () => tablet.getByTestId('document-camera-select').evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text);
  // By default the second camera would film the papers; it sends nothing, so the default moves on to the third.
  await expect.poll(documentChoice).toBe('fake_device_2');
  await tablet.getByTestId('face-camera-select').selectOption({ label: 'fake_device_0' });
  await tablet.getByTestId('document-camera-select').selectOption({ label: 'fake_device_1' });
  await expect(tablet.getByTestId('document-camera-sends-nothing')).toHaveText(/この カメラの 映像は 相談で 送れません/);
  await expect(tablet.getByTestId('face-camera-sends-nothing')).toHaveCount(0);
  await tablet.getByTestId('settings-save').click();

  // In the call the kiosk finds that fake_device_1 sends nothing and sends fake_device_2 instead.
  await connectCall(tablet, operator, 'tax');
  await expect
    .poll(() => tablet.getByTestId('local-video-document').evaluate((video: HTMLVideoElement) => (video.srcObject as MediaStream).getVideoTracks()[0]?.label))
    .toBe('fake_device_2');
  const documentTrack = await trackIdOf(operator, 'remote-video-document');
  const received = async () => (await sampleGrowth(operator, 1000)).find((s) => s.after.trackIdentifier === documentTrack);
  await expect.poll(async () => (await received())?.after.framesDecoded ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
  const document = (await received())!;
  expect(document.after.framesDecoded).toBeGreaterThan(document.before.framesDecoded);
  expect(document.after.bytesReceived).toBeGreaterThan(document.before.bytesReceived);
  await expect(operator.getByTestId('document-missing')).toHaveCount(0);
  await operator.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
});

for (const [count, tablet] of [
  [1, 'a tablet with one camera'],
  [2, 'a tablet whose second camera is the depth camera'],
] as const) {
  test(`${tablet}: the operator is told in words that the resident's document is not coming through`, async ({ browser }) => {
    const operator = await openConsole(browser, server, 'welfare1');
    const tabletBrowser = await browserWithCameras(count);
    try {
      const kiosk = await pairTablet(tabletBrowser, server, '江川出張所');
      if (count === 2) {
        // The clerk's settings do not offer the depth camera as the default document camera.
        await kiosk.getByTestId('open-settings').click();
        await expect.poll(() => kiosk.getByTestId('face-camera-select').inputValue()).not.toBe(''); // the cameras are listed
        await expect.poll(() => kiosk.getByTestId('document-camera-select').inputValue()).toBe('');
        await kiosk.getByTestId('settings-back').click();
      }
      await connectCall(kiosk, operator, 'welfare');
      // The face arrives; the document never does, and the console says so instead of waiting for ever.
      const faceTrack = await trackIdOf(operator, 'remote-video-face');
      await expect
        .poll(async () => (await sampleGrowth(operator, 1000)).find((s) => s.after.trackIdentifier === faceTrack)?.after.framesDecoded ?? 0, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      await expect(operator.getByTestId('document-missing')).toHaveText('相談者の書類カメラの映像が届いていません');
      await expect(operator.getByText('書類カメラの映像を待っています…')).toHaveCount(0);
      // The resident's tablet says it too: no document camera, or one whose picture cannot be sent.
      if (count === 1) await expect(kiosk.getByText('書類カメラが ありません')).toBeVisible();
      else await expect(kiosk.getByTestId('media-error')).toBeVisible();
      await operator.getByTestId('end-button').click();
      await expect(kiosk.getByTestId('rating-screen')).toBeVisible();
    } finally {
      await tabletBrowser.close();
      // Closed: the next test signs in as the same operator, whose newest console takes the calls.
      await operator.context().close();
    }
  });
}

import { expect, test } from '@playwright/test';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { outboundVideo, sampleGrowth, trackIdOf } from './support/webrtcStats.ts';

/** A mobile counter's weak uplink: what the SFU lets each browser send, in kbps. */
const UPLINK_KBPS = 1000;

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer({ MEDIA_MAX_INCOMING_KBPS: String(UPLINK_KBPS) });
});
test.afterAll(async () => {
  await server?.stop();
});

test(`on a ${UPLINK_KBPS} kbps uplink the document keeps its resolution and the face camera gives way`, async ({ browser }) => {
  const operator = await openConsole(browser, server, 'insurance1');
  const tablet = await openTablet(browser, server, '移動窓口1号車');
  await connectCall(tablet, operator, 'insurance');
  await expect(operator.getByTestId('remote-video-document')).toBeVisible();
  await expect(operator.getByTestId('remote-video-face')).toBeVisible();
  const documentTrack = await trackIdOf(operator, 'remote-video-document');
  const faceTrack = await trackIdOf(operator, 'remote-video-face');

  const stream = async (trackId: string) =>
    (await sampleGrowth(operator, 500)).find((s) => s.after.trackIdentifier === trackId)?.after;
  // Let the sender's bandwidth estimate settle against the cap.
  await expect.poll(async () => (await stream(documentTrack))?.frameWidth ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(1920);
  // When the tablet stops sending the face's top layer, the SFU moves the operator to the lower one
  // once that layer is seen inactive (a few seconds): wait for it rather than for a fixed time.
  const faceGaveWay = async () => {
    const face = (await sampleGrowth(operator, 1000)).find((s) => s.after.trackIdentifier === faceTrack);
    return face !== undefined && face.after.frameWidth < 640 && face.after.framesDecoded > face.before.framesDecoded;
  };
  await expect.poll(faceGaveWay, { timeout: 20_000, intervals: [0] }).toBe(true);

  const atOperator = await sampleGrowth(operator, 4000);
  const documentStream = atOperator.find((s) => s.after.trackIdentifier === documentTrack);
  const faceStream = atOperator.find((s) => s.after.trackIdentifier === faceTrack);
  const sent = await outboundVideo(tablet);
  const kbps = (s: { before: { bytesReceived: number }; after: { bytesReceived: number } }) =>
    Math.round(((s.after.bytesReceived - s.before.bytesReceived) * 8) / 4000);
  console.log(`[uplink ${UPLINK_KBPS} kbps] received by the operator:`, {
    document: `${documentStream?.after.frameWidth}x${documentStream?.after.frameHeight}, ${documentStream && (documentStream.after.framesDecoded - documentStream.before.framesDecoded) / 4} fps, ${documentStream && kbps(documentStream)} kbps`,
    face: `${faceStream?.after.frameWidth}x${faceStream?.after.frameHeight}, ${faceStream && (faceStream.after.framesDecoded - faceStream.before.framesDecoded) / 4} fps, ${faceStream && kbps(faceStream)} kbps`,
  });
  console.log('[tablet sends]', sent.map((e) => `${e.rid ?? 'document'} ${e.frameWidth}x${e.frameHeight} limited by ${e.qualityLimitationReason}`));

  expect(documentStream, 'document stream').toBeDefined();
  expect(faceStream, 'face stream').toBeDefined();
  // The document camera keeps its full resolution and keeps arriving…
  expect(documentStream!.after.frameWidth).toBeGreaterThanOrEqual(1920);
  expect(documentStream!.after.frameHeight).toBeGreaterThanOrEqual(1080);
  expect(documentStream!.after.framesDecoded).toBeGreaterThan(documentStream!.before.framesDecoded);
  // …while the face camera has dropped below its full 640×480 but still arrives.
  expect(faceStream!.after.frameWidth).toBeLessThan(640);
  expect(faceStream!.after.framesDecoded).toBeGreaterThan(faceStream!.before.framesDecoded);

  await tablet.getByTestId('end-button').click();
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
});

test('the operator shows their own document camera to the resident, then stops (keyboard shortcuts)', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'childcare1');
  const tablet = await openTablet(browser, server, '中央公民館');
  await connectCall(tablet, operator, 'childcare');
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(5);

  await operator.getByTestId('share-camera-select').selectOption({ label: 'fake_device_2' });
  await operator.getByTestId('share-document').click();
  await expect(operator.getByTestId('share-state')).toBeVisible();
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(6);
  const shownTrack = await trackIdOf(tablet, 'remote-video-operator-document');
  await expect
    .poll(async () => (await sampleGrowth(tablet, 500)).find((s) => s.after.trackIdentifier === shownTrack)?.after.frameWidth ?? 0, {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(1920);
  const shown = (await sampleGrowth(tablet, 2000)).find((s) => s.after.trackIdentifier === shownTrack)!;
  console.log(`[operator's document at the tablet] ${shown.after.frameWidth}x${shown.after.frameHeight}, ${shown.after.framesDecoded - shown.before.framesDecoded} frames in 2 s`);
  expect(shown.after.framesDecoded).toBeGreaterThan(shown.before.framesDecoded);
  await tablet.screenshot({ path: '../test-output/screens/tablet-call-operator-document.png' });

  // The console's keyboard shortcuts: Alt+S stops showing, Alt+E ends the call.
  await operator.keyboard.press('Alt+KeyS');
  await expect(tablet.getByTestId('remote-video-operator-document')).toHaveCount(0);
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(5);

  await operator.keyboard.press('Alt+KeyE');
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
});

import { expect, test, type Page } from '@playwright/test';
import { openConsole, openTablet } from './support/call.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { outboundVideo, sampleGrowth, trackIdOf } from './support/webrtcStats.ts';

let server: RunningServer;
const shot = (page: Page, name: string) => page.screenshot({ path: `../test-output/screens/${name}.png` });
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('a resident at the post office consults 税務課 by video, with the document camera', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'tax1');
  const tablet = await openTablet(browser, server, '清滝郵便局');

  await shot(tablet, 'tablet-home');
  await tablet.getByTestId('department-tax').click();
  await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
  const offer = operator.getByTestId('incoming-offer');
  await expect(offer).toContainText('清滝郵便局');
  await expect(offer).toContainText('税務課');
  await shot(tablet, 'tablet-waiting');
  await shot(operator, 'console-offer');
  await operator.getByTestId('accept-offer').click();
  await expect(operator.getByTestId('call-screen')).toBeVisible();
  await expect(tablet.getByTestId('call-screen')).toBeVisible();

  // The operator receives the resident's face, document camera and voice, all decoding.
  await expect.poll(async () => (await sampleGrowth(operator, 500)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  await expect(operator.getByTestId('remote-video-document')).toBeVisible();
  const documentTrack = await trackIdOf(operator, 'remote-video-document');
  const faceTrack = await trackIdOf(operator, 'remote-video-face');
  // Chromium's bandwidth estimate ramps up first; the document stream must reach its resolution.
  await expect
    .poll(async () => (await sampleGrowth(operator, 500)).find((s) => s.after.trackIdentifier === documentTrack)?.after.frameWidth ?? 0, {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(1920);
  const atOperator = await sampleGrowth(operator, 3000);
  await shot(operator, 'console-call');
  await shot(tablet, 'tablet-call');
  const video = atOperator.filter((s) => s.after.kind === 'video');
  const audio = atOperator.filter((s) => s.after.kind === 'audio');
  const documentStream = video.find((s) => s.after.trackIdentifier === documentTrack);
  const faceStream = video.find((s) => s.after.trackIdentifier === faceTrack);
  console.log(
    '[operator inbound]',
    atOperator.map(({ before, after }) => ({
      kind: after.kind,
      size: after.kind === 'video' ? `${after.frameWidth}x${after.frameHeight}` : undefined,
      framesDecoded: after.framesDecoded - before.framesDecoded,
      samples: after.totalSamplesReceived - before.totalSamplesReceived,
      kB: Math.round((after.bytesReceived - before.bytesReceived) / 1000),
    })),
  );
  expect(video).toHaveLength(2);
  expect(audio).toHaveLength(1);
  for (const { before, after } of video) {
    expect(after.framesDecoded).toBeGreaterThan(before.framesDecoded);
    expect(after.bytesReceived).toBeGreaterThan(before.bytesReceived);
  }
  expect(audio[0]!.after.totalSamplesReceived).toBeGreaterThan(audio[0]!.before.totalSamplesReceived);
  expect(documentStream, 'the document camera stream').toBeDefined();
  expect(faceStream, 'the face camera stream').toBeDefined();
  // The document arrives at the camera's full 1920×1080; the face is sent in two simulcast layers
  // and, once the bandwidth estimate has ramped up, decoded at the operator at the camera's 640×480.
  expect(documentStream!.after.frameWidth).toBeGreaterThanOrEqual(1920);
  expect(documentStream!.after.frameHeight).toBeGreaterThanOrEqual(1080);
  const sent = await outboundVideo(tablet);
  expect(sent.filter((encoding) => encoding.rid !== null).map((encoding) => encoding.rid).sort()).toEqual(['r0', 'r1']);
  const faceAtOperator = async () => (await sampleGrowth(operator, 500)).find((s) => s.after.trackIdentifier === faceTrack)?.after;
  await expect.poll(async () => { const face = await faceAtOperator(); return face ? `${face.frameWidth}x${face.frameHeight}` : 'none'; }, { timeout: 30_000 }).toBe('640x480');

  // The tablet receives the operator's camera and voice.
  await expect.poll(async () => (await sampleGrowth(tablet, 500)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  const atTablet = await sampleGrowth(tablet, 3000);
  const tabletVideo = atTablet.filter((s) => s.after.kind === 'video');
  const tabletAudio = atTablet.filter((s) => s.after.kind === 'audio');
  expect(tabletVideo).toHaveLength(1);
  expect(tabletAudio).toHaveLength(1);
  expect(tabletVideo[0]!.after.framesDecoded).toBeGreaterThan(tabletVideo[0]!.before.framesDecoded);
  expect(tabletAudio[0]!.after.totalSamplesReceived).toBeGreaterThan(tabletAudio[0]!.before.totalSamplesReceived);

  // The resident ends the call and does not answer the survey: both sides leave the call, the record
  // is complete, the SFU holds nothing.
  await tablet.getByTestId('end-button').click();
  await tablet.getByTestId('rating-skip').click();
  await expect(tablet.getByTestId('department-tax')).toBeVisible();
  await expect(operator.getByTestId('call-screen')).toBeHidden();
  // With no wrap-up the operator is 受付可 at once; the console still says who ended it, not a fault.
  await expect(operator.getByTestId('notice')).toContainText('相談者が相談を終了しました');
  await expect(operator.getByTestId('notice')).not.toContainText('通信');
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
  await expect
    .poll(() => server.query<{ outcome: string | null }>('SELECT outcome FROM Consultation')[0]?.outcome ?? null)
    .toBe('completed');
  const [row] = server.query<{ answeredAt: unknown; endedAt: unknown; outcome: string; endedBy: string }>(
    'SELECT answeredAt, endedAt, outcome, endedBy FROM Consultation',
  );
  expect(row!.answeredAt).not.toBeNull();
  expect(row!.endedAt).not.toBeNull();
  expect(row!.endedBy).toBe('resident');
  const events = server.query<{ type: string; data: string | null }>('SELECT type, data FROM ConsultationEvent ORDER BY id');
  expect(events.map((e) => e.type).filter((type) => type !== 'media_path')).toEqual(['requested', 'offered', 'answered', 'media_quality', 'ended']);
  // Each side's network path is on record: on loopback, straight to the SFU.
  const paths = events.filter((e) => e.type === 'media_path').map((e) => JSON.parse(e.data!) as { role: string; localType: string });
  expect(new Set(paths.map((path) => path.role))).toEqual(new Set(['resident', 'staff']));
  for (const path of paths) expect(path.localType).not.toBe('relay');
  // The SFU sampled every stream during the call: the document arrived with a real bitrate, the
  // resident's three streams and the operator's two are all on record.
  const [quality] = server.query<{ data: string }>("SELECT data FROM ConsultationEvent WHERE type = 'media_quality'");
  const streams = (JSON.parse(quality!.data) as { streams: { role: string; source: string; averageKbps: number; samples: number }[] }).streams;
  console.log('[media quality on record]', streams);
  expect(streams.map((stream) => `${stream.role}:${stream.source}`).sort()).toEqual(
    ['operator:operator-cam', 'operator:operator-mic', 'resident:document', 'resident:face', 'resident:mic'],
  );
  const document = streams.find((stream) => stream.source === 'document')!;
  expect(document.samples).toBeGreaterThanOrEqual(3);
  expect(document.averageKbps).toBeGreaterThan(0);

  // The operator files the call (相談種別 and a note); the note is appended to the record.
  await expect(operator.getByTestId('notes-form')).toBeVisible();
  await shot(operator, 'console-notes');
  await operator.getByTestId('notes-category').selectOption({ label: '納税・証明書' });
  await operator.getByTestId('notes-text').fill('納税証明書の申請書の書き方を説明した。');
  await operator.getByTestId('notes-save').click();
  await expect(operator.getByTestId('notes-form')).toBeHidden();
  const [note] = server.query<{ type: string; data: string }>("SELECT type, data FROM ConsultationEvent WHERE type = 'note'");
  expect(JSON.parse(note!.data)).toMatchObject({ category: '納税・証明書', text: '納税証明書の申請書の書き方を説明した。' });

  // After the call the tablet keeps nothing of it.
  expect(await tablet.evaluate(() => sessionStorage.length)).toBe(0);
});

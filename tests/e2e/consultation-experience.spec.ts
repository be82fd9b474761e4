import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readImageInfo } from '../../signaling/src/stills/imageInfo.ts';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * The consultation experience around the video: chat both ways, the resident's camera-off button
 * and connection indicator, the rating after the call, a tablet that keeps nothing afterwards, and
 * full-resolution stills of the document camera shown to the operator.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Everything a next resident could find on the tablet: the page's text and markup, and both storages. */
async function tabletLeftovers(tablet: Page): Promise<string> {
  return tablet.evaluate(() => {
    const storage = (area: Storage) => Array.from({ length: area.length }, (_, i) => `${area.key(i)}=${area.getItem(area.key(i)!)}`);
    return [document.documentElement.outerHTML, document.body.innerText, ...storage(localStorage), ...storage(sessionStorage)].join('\n');
  });
}

/** The call bar stays one tidy strip: nothing spills out of it, the language switch is whole on screen. */
async function callHeaderFits(tablet: Page): Promise<void> {
  const bar = tablet.locator('.call__bar');
  const { overflow, height } = await bar.evaluate((element) => ({
    overflow: element.scrollWidth > element.clientWidth + 1,
    height: element.getBoundingClientRect().height,
  }));
  expect(overflow, 'the call bar must not overflow').toBe(false);
  expect(height).toBeLessThanOrEqual(110);
  const switchBox = await tablet.locator('.call__bar .language-switch').boundingBox();
  expect(switchBox).not.toBeNull();
  expect(switchBox!.x + switchBox!.width).toBeLessThanOrEqual(tablet.viewportSize()!.width);
}

test('chat both ways, camera off, the connection shown in words, then the rating: all kept with the consultation and nothing on the tablet', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'tax1');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  await connectCall(tablet, operator, 'tax');
  const operatorName = server.query<{ displayName: string }>("SELECT displayName FROM Staff WHERE username = 'tax1'")[0]!.displayName;
  await expect(tablet.locator('.call__operator')).toHaveText(operatorName);

  // Chat, resident first, then the operator's answer; both sides show both in one order.
  const question = '住所変更の 書類は どれですか';
  const answer = '画面に 表示しますので お待ちください。';
  await tablet.getByTestId('chat-input').fill(question);
  await tablet.getByTestId('chat-send').click();
  await expect(operator.getByTestId('chat-messages')).toContainText(question);
  await operator.getByTestId('chat-input').fill(answer);
  await operator.getByTestId('chat-send').click();
  await expect(tablet.getByTestId('chat-messages')).toContainText(answer);
  await expect(tablet.getByTestId('chat-messages').locator('li')).toHaveCount(2);
  await expect(tablet.getByTestId('chat-input')).toHaveValue('');

  // The connection indicator measures the transports and says the level in words.
  await expect(tablet.getByTestId('connection-state')).toHaveAttribute('data-quality', /good|fair|poor/);
  await expect(tablet.getByTestId('connection-state')).toContainText('通信:');

  // Camera off: the face producer goes (the operator's tile empties), and the tablet says so.
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(5);
  await tablet.getByTestId('camera-button').click();
  await expect(tablet.getByTestId('face-off')).toBeVisible();
  await expect(tablet.getByTestId('camera-button')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(4);
  await expect(operator.getByText('相談者の映像を待っています…')).toBeVisible();
  await checkScreen(tablet, 'tablet-call-chat', 'ja');
  await callHeaderFits(tablet);
  await tablet.getByTestId('camera-button').click();
  await expect(tablet.getByTestId('local-video-face')).toBeVisible();
  await expect.poll(() => server.sfuTotals().then((t) => t.producers)).toBe(5);
  await expect(operator.getByText('相談者の映像を待っています…')).toBeHidden();

  await tablet.getByTestId('language-vi').click(); // the longest department name of the six
  await expect(tablet.getByTestId('connection-state')).toContainText('Kết nối');
  await callHeaderFits(tablet);
  await tablet.getByTestId('language-en').click();
  await checkScreen(tablet, 'tablet-call-chat', 'en');
  await callHeaderFits(tablet);

  // The operator ends; the resident (still in English) rates with one face and a comment.
  await operator.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
  await checkScreen(tablet, 'tablet-rating', 'en');
  await tablet.getByTestId('language-ja').click();
  await tablet.getByTestId('rating-4').click();
  await expect(tablet.getByTestId('rating-4')).toHaveAttribute('aria-pressed', 'true');
  await tablet.getByTestId('rating-comment').fill('顔が 見えて 安心しました');
  await checkScreen(tablet, 'tablet-rating', 'ja');
  await tablet.getByTestId('rating-send').click();
  await expect(tablet.getByTestId('thanks-screen')).toBeVisible();
  await checkScreen(tablet, 'tablet-thanks', 'ja');
  await expect(tablet.getByTestId('home-screen')).toBeVisible({ timeout: 15_000 });

  // The record holds the chat and the rating.
  const [consultation] = server.query<{ id: string; outcome: string }>('SELECT id, outcome FROM Consultation');
  expect(consultation!.outcome).toBe('completed');
  const events = server.query<{ type: string; actorType: string; data: string | null }>(
    "SELECT type, actorType, data FROM ConsultationEvent WHERE consultationId = ? AND type IN ('chat', 'rated') ORDER BY id",
    consultation!.id,
  );
  expect(events.map((e) => ({ type: e.type, actorType: e.actorType, data: JSON.parse(e.data ?? 'null') as unknown }))).toEqual([
    { type: 'chat', actorType: 'device', data: { from: 'resident', text: question } },
    { type: 'chat', actorType: 'staff', data: { from: 'operator', text: answer.trim() } },
    { type: 'rated', actorType: 'device', data: { score: 4, comment: '顔が 見えて 安心しました' } },
  ]);

  // Back home, in Japanese, with nothing of the call in the page or in storage.
  await expect(tablet.locator('html')).toHaveAttribute('lang', 'ja');
  const leftovers = await tabletLeftovers(tablet);
  for (const trace of [question, answer, operatorName, consultation!.id, '安心しました']) {
    expect(leftovers, `the tablet still holds "${trace}"`).not.toContain(trace);
  }
  expect(await tablet.evaluate(() => sessionStorage.length)).toBe(0);
  // Only the booth's own settings stay: its cameras, the cameras proved to send a picture, its token.
  expect(await tablet.evaluate(() => Object.keys(localStorage).sort())).toEqual(['madoguchi.cameras', 'madoguchi.deviceToken', 'madoguchi.kiosk.camerasThatSend']);
});

test('a still of the document camera: taken from the raw track at its capture resolution, stored, and shown to the operator', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'welfare1');
  const tablet = await openTablet(browser, server, '江川出張所');
  await connectCall(tablet, operator, 'welfare');

  // The tablet's document camera as captured (not as encoded or received).
  await expect
    .poll(() => tablet.getByTestId('local-video-document').evaluate((video: HTMLVideoElement) => video.videoWidth))
    .toBeGreaterThan(0);
  const capture = await tablet.getByTestId('local-video-document').evaluate((video: HTMLVideoElement) => {
    const { width, height } = (video.srcObject as MediaStream).getVideoTracks()[0]!.getSettings();
    return { width: width!, height: height! };
  });

  // The operator presses the button; the still appears in the gallery. The time is taken in the
  // console's own clock, from the click to the thumbnail's image having loaded.
  await operator.evaluate(() => {
    const page = window as unknown as { stillShownAfterMs: Promise<number> };
    page.stillShownAfterMs = new Promise((resolve) => {
      let clickedAt = 0;
      const within = (event: Event, testId: string) => event.target instanceof Element && event.target.closest(`[data-testid=${testId}]`);
      document.addEventListener('click', (event) => within(event, 'capture-button') && (clickedAt = performance.now()), true);
      document.addEventListener('load', (event) => within(event, 'still-thumb') && resolve(Math.round(performance.now() - clickedAt)), true);
    });
  });
  await operator.getByTestId('capture-button').click();
  // The resident is told while the console loads the picture (the notice stays a few seconds only).
  await expect(tablet.getByTestId('still-taken')).toBeVisible();
  const thumb = operator.getByTestId('still-thumb').first();
  await expect.poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  const shownAfterMs = await operator.evaluate(() => (window as unknown as { stillShownAfterMs: Promise<number> }).stillShownAfterMs);

  const [still] = server.query<{ id: string; width: number; height: number; bytes: number; mime: string }>(
    'SELECT id, width, height, bytes, mime FROM Still',
  );
  const file = readFileSync(join(server.stillsDir, `${still!.id}.${still!.mime === 'image/png' ? 'png' : 'jpg'}`));
  const header = readImageInfo(file);
  const storedAfterMs = /stored (\d+) ms after the request/.exec(server.output())?.[1];
  console.log(
    `[still] document camera captures ${capture.width}×${capture.height}; stored ${header?.mime} ${header?.width}×${header?.height}, ` +
      `${Math.round(file.length / 1024)} KiB; request → stored on the server ${storedAfterMs} ms (tablet capture + upload); ` +
      `button → shown in the console ${shownAfterMs} ms`,
  );
  expect(header).toMatchObject({ width: capture.width, height: capture.height });
  expect(still).toMatchObject({ width: capture.width, height: capture.height, bytes: file.length });
  expect(capture.width).toBeGreaterThanOrEqual(1920);

  // Full size in the lightbox, at the camera's pixels.
  await thumb.click();
  await expect(operator.getByTestId('still-full')).toBeVisible();
  expect(await operator.getByTestId('still-full').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([
    capture.width,
    capture.height,
  ]);
  await operator.keyboard.press('Escape');
  await expect(operator.getByTestId('still-full')).toHaveCount(0);

  // Alt+C takes another; the gallery holds both; each view was audited.
  await operator.keyboard.press('Alt+KeyC');
  await expect(operator.getByTestId('still-thumb')).toHaveCount(2);
  await expect.poll(() => operator.getByTestId('still-thumb').nth(1).locator('img').count()).toBe(1);
  await checkScreen(operator, 'console-call-still', 'ja');
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'still.view'")[0]!.n).toBeGreaterThanOrEqual(2);

  // A supervisor may look; another operator may not.
  for (const [username, status] of [['supervisor', 200], ['welfare2', 404]] as const) {
    const response = await fetch(`${server.url}/api/stills/${still!.id}`, {
      headers: { authorization: `Bearer ${await server.login(username)}` },
    });
    expect(response.status, username).toBe(status);
  }

  const consultationId = await operator.getByTestId('call-screen').getAttribute('data-consultation-id');
  await tablet.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
  await expect(operator.getByTestId('still-gallery')).toHaveCount(0);
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });

  // After the call the stills are part of the record: the supervisor's timeline shows each, and one opens full size.
  const supervisor = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await supervisor.goto(`${server.url}/console/`);
  await supervisor.getByTestId('login-username').fill('supervisor');
  await supervisor.getByTestId('login-password').fill(E2E_PASSWORD);
  await supervisor.getByTestId('login-submit').click();
  await expect(supervisor.getByTestId('nav-records')).toBeVisible();
  const viewsBefore = server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'still.view'")[0]!.n;
  await supervisor.goto(`${server.url}/console/#/records/${consultationId}`);
  const taken = supervisor.getByTestId('record-timeline').locator('[data-event-type="still_taken"]');
  await expect(taken).toHaveCount(2);
  await expect(taken.first()).toContainText(`${capture.width}×${capture.height}`);
  const recordThumb = taken.first().getByTestId('still-thumb');
  await expect(recordThumb).toHaveAttribute('data-still-id', still!.id);
  await expect.poll(() => recordThumb.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await recordThumb.click();
  await expect(supervisor.getByTestId('still-full')).toBeVisible();
  await expect
    .poll(() => supervisor.getByTestId('still-full').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]))
    .toEqual([capture.width, capture.height]);
  // The supervisor's looks are audited like the operator's.
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'still.view'")[0]!.n).toBeGreaterThanOrEqual(viewsBefore + 2);
});

/** How many of the chat's messages the resident sees whole, and whether the newest is one of them. */
async function chatInView(tablet: Page): Promise<{ whole: number; newestWhole: boolean }> {
  return tablet.getByTestId('chat-messages').evaluate((list) => {
    const box = list.getBoundingClientRect();
    const whole = [...list.children].map((item) => {
      const { top, bottom } = item.getBoundingClientRect();
      return top >= box.top - 1 && bottom <= box.bottom + 1 && bottom <= window.innerHeight;
    });
    return { whole: whole.filter(Boolean).length, newestWhole: whole.at(-1) === true };
  });
}

test('the tablet chat shows several messages at a time and keeps the newest in view', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'citizen1');
  const tablet = await openTablet(browser, server, '中央公民館');
  await tablet.setViewportSize({ width: 1180, height: 820 }); // a 10-inch tablet, landscape
  await connectCall(tablet, operator, 'citizen');

  for (let n = 1; n <= 8; n++) {
    await operator.getByTestId('chat-input').fill(`${n}番目の ご案内です。`);
    await operator.getByTestId('chat-send').click();
    await expect(tablet.getByTestId('chat-messages').locator('li')).toHaveCount(n);
    await expect.poll(() => chatInView(tablet).then((view) => view.newestWhole), { message: `message ${n} in view` }).toBe(true);
  }
  // Muted, the call's controls say so in a line of their own: the chat gets shorter and still ends with the newest.
  await tablet.getByTestId('mute-button').click();
  await expect(tablet.locator('.call__muted')).toBeVisible();
  await expect.poll(() => chatInView(tablet)).toEqual({ whole: expect.any(Number), newestWhole: true });
  const { whole } = await chatInView(tablet);
  expect(whole, 'messages seen at once').toBeGreaterThanOrEqual(4);
  await operator.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
});

import { expect, test } from '@playwright/test';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { checkScreen } from './support/screens.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { waitForMediaFlowing } from './support/webrtcStats.ts';

/**
 * An operator opens the console in a second window in the middle of a call (another tab, the PC
 * at the next desk). The newest window takes the calls: the call goes on there with media both ways,
 * and the first window says so instead of fighting it for the call. 「このウィンドウで受付する」 takes
 * the call back. The resident's tablet stays in the call throughout; the record says how it ended.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('a second console window of the operator takes the live call over; the first says so and takes it back', async ({ browser }) => {
  test.setTimeout(240_000);
  const first = await openConsole(browser, server, 'tax1');
  const tablet = await openTablet(browser, server, '清滝郵便局', { documentCamera: false });
  await connectCall(tablet, first, 'tax');
  await waitForMediaFlowing(first, { video: 1, audio: 1 });

  const second = await openConsole(browser, server, 'tax1', { available: false });
  await expect(first.getByTestId('console-superseded')).toContainText('別のウィンドウで受付しています');
  await expect(first.getByTestId('connection-state')).toHaveText('別のウィンドウで受付中');
  await checkScreen(first, 'console-superseded', 'ja');
  // The call goes on in the new window: it receives the resident, the resident receives it.
  await expect(second.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  console.log(`[second window] media after ${await waitForMediaFlowing(second, { video: 1, audio: 1 })} ms`);
  await waitForMediaFlowing(tablet, { video: 1, audio: 1 });
  await expect(tablet.getByTestId('call-screen')).toBeVisible();
  // The first window holds no media of the call any more (its camera and microphone are released).
  expect(await first.evaluate(() => document.querySelectorAll('video').length)).toBe(0);

  // このウィンドウで受付する: the call comes back to the first window; the second says so in turn.
  await first.getByTestId('console-take-over').click();
  await expect(second.getByTestId('console-superseded')).toBeVisible();
  await expect(first.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  await waitForMediaFlowing(first, { video: 1, audio: 1 });
  await expect(tablet.getByTestId('call-screen')).toBeVisible();

  await first.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
  await expect.poll(() => server.query<{ outcome: string | null }>('SELECT outcome FROM Consultation')[0]?.outcome).toBe('completed');
  const [row] = server.query<{ endedBy: string; connectionLosses: number }>('SELECT endedBy, connectionLosses FROM Consultation');
  expect(row!.endedBy).toBe('operator');
  // Each move set the operator's media up again: on record as such, never as the resident's loss.
  const outages = server.query<{ data: string }>("SELECT data FROM ConsultationEvent WHERE type = 'connection_lost'").map((event) => JSON.parse(event.data) as { party: string; via: string });
  expect(outages.length).toBeGreaterThan(0);
  for (const outage of outages) expect(outage).toMatchObject({ party: 'operator', via: 'media' });
  for (const page of [first, second, tablet]) await page.context().close();
});

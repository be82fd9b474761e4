import { expect, test, type Page } from '@playwright/test';
import { openConsole, openTablet } from './support/call.ts';
import { startServer, type RunningServer } from './support/server.ts';
import { sampleGrowth, trackIdOf } from './support/webrtcStats.ts';

/**
 * A small contact centre: three tablets call 福祉課 while its one operator is away; they see their
 * places and, once the operator is 受付可, an estimated wait; the operator answers them in order and
 * brings a 子育て支援課 specialist into the last call, where all three parties' media is decoding.
 */

let server: RunningServer;
const shot = (page: Page, name: string) => page.screenshot({ path: `../test-output/screens/${name}.png` });
test.beforeAll(async () => {
  // Five browsers on two cores, two of them encoding or decoding a 4K document: offers ring long
  // enough that a starved page still shows them.
  server = await startServer({}, { routing: { wrapUpSeconds: 0, ringTimeoutSeconds: 90 } });
});
test.afterAll(async () => {
  await server?.stop();
});

/** Every inbound stream of the page decodes over the sample: video frames and audio samples rise. */
async function decoding(page: Page): Promise<{ video: number; audio: number }> {
  const samples = await sampleGrowth(page, 2500);
  const video = samples.filter((s) => s.after.kind === 'video' && s.after.framesDecoded > s.before.framesDecoded).length;
  const audio = samples.filter((s) => s.after.kind === 'audio' && s.after.totalSamplesReceived > s.before.totalSamplesReceived).length;
  return { video, audio };
}

test('three tablets queue for 福祉課, are answered in order, and a 子育て支援課 specialist joins the last call', async ({ browser }) => {
  test.setTimeout(240_000);
  const welfare = await openConsole(browser, server, 'welfare1');
  // The operator steps away (離席中) while residents arrive.
  await welfare.getByTestId('presence-away').click();
  await expect(welfare.getByTestId('presence-away')).toHaveAttribute('aria-pressed', 'true');

  const sites = ['清滝郵便局', '江川出張所', '中央公民館'];
  const tablets: Page[] = [];
  for (const site of sites) {
    const tablet = await openTablet(browser, server, site);
    await tablet.getByTestId('department-welfare').click();
    await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
    tablets.push(tablet);
  }
  for (const [index, tablet] of tablets.entries()) {
    await expect(tablet.getByTestId('queue-position')).toHaveAttribute('data-position', String(index + 1));
  }
  await expect(welfare.getByTestId('queue-welfare').getByTestId('queue-waiting')).toHaveText('3人待ち');
  await shot(welfare, 'console-queue');

  // 受付可: the first resident rings; the others see their place and an estimated wait.
  await welfare.getByTestId('presence-available').click();
  await expect(tablets[0]!.getByTestId('waiting-screen')).toHaveAttribute('data-status', 'offered');
  for (const [index, tablet] of tablets.slice(1).entries()) {
    await expect(tablet.getByTestId('queue-position')).toHaveAttribute('data-position', String(index + 1));
    await expect(tablet.getByTestId('wait-estimate')).toBeVisible();
  }
  const estimates = await Promise.all(tablets.slice(1).map(async (tablet) => Number(await tablet.getByTestId('wait-estimate').getAttribute('data-seconds'))));
  console.log('[estimates] seconds for places 1 and 2:', estimates);
  expect(estimates[0]).toBeGreaterThan(0);
  expect(estimates[1]).toBeGreaterThan(estimates[0]!);
  await shot(tablets[2]!, 'tablet-waiting-estimate');

  // Answered in order of arrival; the first two end their calls from the tablet.
  for (const [index, tablet] of tablets.entries()) {
    const offer = welfare.getByTestId('incoming-offer');
    await expect(offer).toContainText(sites[index]!);
    await welfare.getByTestId('accept-offer').click();
    await expect(tablet.getByTestId('call-screen')).toBeVisible();
    await expect(welfare.getByTestId('call-screen')).toBeVisible();
    if (index < 2) {
      await tablet.getByTestId('end-button').click();
      await expect(tablet.getByTestId('call-screen')).toBeHidden();
      await expect(welfare.getByTestId('call-screen')).toBeHidden();
      await tablet.context().close(); // its resident has gone: spare the CPU for the calls that follow
    }
  }

  // One-stop: the welfare operator calls in 子育て支援課.
  const childcare = await openConsole(browser, server, 'childcare1');
  await welfare.getByTestId('routing-target').selectOption({ label: '子育て支援課' });
  await welfare.getByTestId('invite-department').click();
  await expect(welfare.getByTestId('inviting')).toBeVisible();
  const specialistOffer = childcare.getByTestId('incoming-offer');
  await expect(specialistOffer).toContainText('福祉 一郎', { timeout: 60_000 });
  await shot(childcare, 'console-specialist-offer');
  await childcare.getByTestId('accept-offer').click();
  await expect(childcare.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  await expect(welfare.getByTestId('call-operators')).toContainText('子育 一郎', { timeout: 30_000 });

  const resident = tablets[2]!;
  await expect(resident.getByTestId('remote-video-colleague-1')).toBeVisible({ timeout: 20_000 });
  // Every party decodes the other two: the resident two operator cameras and two voices; each
  // operator the resident's face and document, the colleague's camera, and two voices.
  await expect.poll(() => decoding(resident), { timeout: 30_000 }).toEqual({ video: 2, audio: 2 });
  await expect.poll(() => decoding(welfare), { timeout: 30_000 }).toEqual({ video: 3, audio: 2 });
  await expect.poll(() => decoding(childcare), { timeout: 30_000 }).toEqual({ video: 3, audio: 2 });
  const documentTrack = await trackIdOf(childcare, 'remote-video-document');
  const atSpecialist = await sampleGrowth(childcare, 2000);
  const document = atSpecialist.find((s) => s.after.trackIdentifier === documentTrack);
  console.log('[specialist inbound]', atSpecialist.map(({ before, after }) => ({
    kind: after.kind,
    size: after.kind === 'video' ? `${after.frameWidth}x${after.frameHeight}` : undefined,
    framesDecoded: after.framesDecoded - before.framesDecoded,
  })));
  expect(document?.after.frameWidth ?? 0).toBeGreaterThan(0);
  await shot(resident, 'tablet-call-three-party');
  await shot(welfare, 'console-call-three-party');

  // The welfare operator leaves the resident with the specialist; the specialist ends the call.
  await welfare.getByTestId('leave-call').click();
  await expect(welfare.getByTestId('call-screen')).toBeHidden();
  await expect(resident.getByTestId('call-screen')).toBeVisible();
  await childcare.getByTestId('end-button').click();
  await expect(resident.getByTestId('call-screen')).toBeHidden();

  // The screens are told first; the record lands a moment later.
  await expect
    .poll(() => server.query<{ outcome: string | null }>('SELECT outcome FROM Consultation ORDER BY requestedAt').map((row) => row.outcome))
    .toEqual(['completed', 'completed', 'completed']);
  const events = server.query<{ type: string }>(
    `SELECT e.type FROM ConsultationEvent e JOIN Consultation c ON c.id = e.consultationId
     WHERE c.requestedAt = (SELECT MAX(requestedAt) FROM Consultation) ORDER BY e.id`,
  );
  expect(events.map((event) => event.type)).toEqual(
    expect.arrayContaining(['specialist_invited', 'specialist_joined', 'operator_left', 'ended']),
  );
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
});

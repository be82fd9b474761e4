import { expect, test, type Browser, type Page } from '@playwright/test';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { watchContentSecurityPolicy } from './support/csp.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';
import { flowingStreams, inboundStreams, mediaBytesSent, recordPeerConnections, waitForMediaFlowing } from './support/webrtcStats.ts';

/**
 * Live supervision (issue 16, item 13): during a call 清滝郵便局 ↔ 税務課 the supervisor, from the
 * wallboard, listens (decodes the resident's and the operator's voices and sends nothing), whispers
 * (only the operator decodes the supervisor's voice; the tablet has no receiver for it) and barges
 * in (all decode). The operator's banner and the tablet's notice say so at each step.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function openSupervisor(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  watchContentSecurityPolicy(page);
  await recordPeerConnections(page);
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill('supervisor');
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('wallboard')).toBeVisible();
  return page;
}

/** Inbound audio streams that carry sound between two samples `ms` apart (received samples rising, not concealment). */
async function audioFlowing(page: Page, ms = 1_500): Promise<number> {
  const before = await inboundStreams(page);
  await page.waitForTimeout(ms);
  return flowingStreams(before, await inboundStreams(page)).audio;
}

const audioReceivers = async (page: Page) => (await inboundStreams(page)).filter((stream) => stream.kind === 'audio').length;

test('a supervisor listens to a live call, whispers to the operator, then joins it', async ({ browser }) => {
  // Six pages checked with axe take most of it on a loaded 2-core machine.
  test.setTimeout(240_000);
  const tablet = await openTablet(browser, server, '清滝郵便局');
  const operator = await openConsole(browser, server, 'tax1');
  await connectCall(tablet, operator, 'tax');
  await waitForMediaFlowing(operator, { video: 1, audio: 1 });
  await waitForMediaFlowing(tablet, { video: 0, audio: 1 });
  const supervisor = await openSupervisor(browser);

  // 聞く (monitor): the supervisor decodes both voices and the pictures, and sends nothing.
  const live = supervisor.getByTestId('wallboard-consultation').filter({ hasText: '清滝郵便局' });
  await expect(live).toHaveAttribute('data-status', 'in_call');
  await checkScreen(supervisor, 'supervisor-wallboard-call', 'ja');
  await live.getByTestId('supervise-monitor').click();
  await expect(supervisor.getByTestId('supervision-panel')).toHaveAttribute('data-mode', 'monitor');
  await expect(operator.getByTestId('supervision-banner')).toContainText('管理者（管理 太郎）がこの通話を聞いています。');
  await expect(tablet.getByTestId('supervision-notice')).toHaveText('責任者が 通話を 確認しています。');
  await waitForMediaFlowing(supervisor, { video: 3, audio: 2 });
  expect(await audioReceivers(supervisor)).toBe(2); // the resident's voice and the operator's
  expect(await mediaBytesSent(supervisor)).toBe(0);
  await supervisor.waitForTimeout(1_000);
  expect(await mediaBytesSent(supervisor)).toBe(0);
  expect(await audioReceivers(operator)).toBe(1);
  expect(await audioReceivers(tablet)).toBe(1);

  // 職員にだけ話す (whisper): the operator decodes the supervisor's voice; the tablet has no receiver for it.
  await supervisor.getByTestId('supervision-mode-whisper').click();
  await expect(supervisor.getByTestId('supervision-panel')).toHaveAttribute('data-mode', 'whisper');
  await expect(operator.getByTestId('supervision-banner')).toContainText('があなたに話しかけています（相談者には聞こえません）');
  await expect(tablet.getByTestId('supervision-notice')).toHaveText('責任者が 通話を 確認しています。');
  await expect.poll(() => audioFlowing(operator), { timeout: 30_000 }).toBe(2);
  expect(await audioReceivers(operator)).toBe(2);
  await expect.poll(() => mediaBytesSent(supervisor)).toBeGreaterThan(0);
  expect(await audioFlowing(tablet)).toBe(1);
  expect(await audioReceivers(tablet)).toBe(1);

  // 通話に参加 (barge): everyone decodes the supervisor; the tablet says a supervisor joined.
  await supervisor.getByTestId('supervision-mode-barge').click();
  await expect(operator.getByTestId('supervision-banner')).toContainText('管理者（管理 太郎）が通話に参加しています');
  await expect(tablet.getByTestId('supervision-notice')).toHaveText('責任者が 通話に 参加しました。');
  await expect.poll(() => audioFlowing(tablet), { timeout: 30_000 }).toBe(2);
  await expect.poll(() => audioFlowing(operator), { timeout: 30_000 }).toBe(2);
  await waitForMediaFlowing(supervisor, { video: 3, audio: 2 });
  // The three screens in Japanese and English, checked with axe.
  for (const language of ['ja', 'en'] as const) {
    await supervisor.getByTestId('language-select').selectOption(language);
    await operator.getByTestId('language-select').selectOption(language);
    await tablet.getByTestId(`language-${language}`).click();
    await checkScreen(supervisor, 'supervision-barge', language);
    await checkScreen(operator, 'console-supervised', language);
    await checkScreen(tablet, 'kiosk-supervised', language);
  }
  await expect(tablet.getByTestId('supervision-notice')).toHaveText('A supervisor has joined the call.');
  await expect(operator.getByTestId('supervision-banner')).toContainText('A supervisor (管理 太郎) has joined the call');

  // 確認を終える: the banner and the notice go, and only the call's own media is left in the SFU.
  await supervisor.getByTestId('supervision-stop').click();
  await expect(supervisor.getByTestId('supervision-panel')).toHaveCount(0);
  await expect(operator.getByTestId('supervision-banner')).toHaveCount(0);
  await expect(tablet.getByTestId('supervision-notice')).toHaveCount(0);
  await expect.poll(() => server.sfuTotals()).toMatchObject({ routers: 1, transports: 4 });

  await operator.getByTestId('end-button').click();
  await expect.poll(() => server.sfuTotals()).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0 });
  const audit = server.query<{ action: string; details: string }>(
    "SELECT action, details FROM AuditLog WHERE action LIKE 'supervision.%' ORDER BY id",
  );
  expect(audit.map((row) => [row.action, (JSON.parse(row.details) as { mode: string }).mode])).toEqual([
    ['supervision.start', 'monitor'],
    ['supervision.end', 'monitor'],
    ['supervision.start', 'whisper'],
    ['supervision.end', 'whisper'],
    ['supervision.start', 'barge'],
    ['supervision.end', 'barge'],
  ]);
});

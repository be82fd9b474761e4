import { expect, test, type Browser, type Page } from '@playwright/test';
import { pairTablet } from './support/call.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';
import { recordPeerConnections, sampleGrowth } from './support/webrtcStats.ts';

/**
 * A city goes live with its own people: on a city PC's 1366×768 screen the admin adds a staff
 * member whose only way to 保険年金課 is a secondary skill, and a department of the city's own; the
 * new staff member logs in with the password shown once, sets 受付可 and answers a resident who
 * pressed 保険年金課 (media decoding on both sides); the tablet shows the new department at once.
 * Disabled as a leaver, the staff member's console is closed at once and says why; so is a
 * supervisor's, which takes no calls.
 */

let server: RunningServer;
test.beforeAll(async () => {
  // Secondary skills answer at once: the call is routed to the new staff member without a wait.
  server = await startServer({}, { routing: { wrapUpSeconds: 0, secondaryDelaySeconds: 0 } });
});
test.afterAll(async () => {
  await server?.stop();
});

/** A city PC's console, logged in. */
async function consoleAs(browser: Browser, username: string, password: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1366, height: 768 }, locale: 'ja-JP' });
  const page = await context.newPage();
  await recordPeerConnections(page);
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  return page;
}

/** Every inbound stream of the page decodes over the sample: video frames and audio samples rise. */
async function decoding(page: Page): Promise<{ video: number; audio: number }> {
  const samples = await sampleGrowth(page, 2500);
  const video = samples.filter((s) => s.after.kind === 'video' && s.after.framesDecoded > s.before.framesDecoded).length;
  const audio = samples.filter((s) => s.after.kind === 'audio' && s.after.totalSamplesReceived > s.before.totalSamplesReceived).length;
  return { video, audio };
}

test('an admin adds a staff member with a secondary skill who logs in and answers a routed call; disabled, their console is closed', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await consoleAs(browser, 'admin', E2E_PASSWORD);
  await admin.getByTestId('nav-staff').click();

  // 新人: primary 市民課, secondary 保険年金課; the password is left to the server.
  await admin.getByTestId('staff-username').fill('shinjin');
  await admin.getByTestId('staff-display-name').fill('新人 花子');
  await admin.getByTestId('staff-skill-citizen').selectOption('primary');
  await admin.getByTestId('staff-skill-insurance').selectOption('secondary');
  await admin.getByTestId('staff-save').click();
  const password = await admin.getByTestId('staff-password-value').inputValue();
  expect(password.length).toBeGreaterThanOrEqual(10);
  const row = admin.getByTestId('staff-row').filter({ hasText: 'shinjin' });
  await expect(row).toContainText('市民課（主）、保険年金課（副）');
  await expect(row).toHaveAttribute('data-active', 'true');
  await admin.getByTestId('staff-password-close').click();

  // A department of the city's own, on the tablet at once (no reload), with its button text.
  const tablet = await pairTablet(browser, server, '清滝郵便局');
  await admin.getByTestId('nav-departments').click();
  await admin.getByTestId('department-code').fill('environment');
  await admin.getByTestId('department-name').fill('環境課');
  await admin.getByTestId('department-kiosk-text').fill('ごみ・リサイクル');
  await admin.getByTestId('department-categories').fill('ごみの出し方\n粗大ごみ');
  await admin.getByTestId('department-save').click();
  await expect(admin.getByTestId('department-row').filter({ hasText: '環境課' })).toContainText('ごみの出し方、粗大ごみ');
  await expect(tablet.getByTestId('department-environment')).toContainText('ごみ・リサイクル');

  // The new staff member logs in with the shown password, sets 受付可 and is routed 保険年金課's call.
  const shinjin = await consoleAs(browser, 'shinjin', password);
  await shinjin.getByTestId('presence-available').click();
  await expect(shinjin.getByTestId('presence-available')).toHaveAttribute('aria-pressed', 'true');
  await tablet.getByTestId('department-insurance').click();
  await expect(shinjin.getByTestId('incoming-offer')).toContainText('保険年金課');
  await shinjin.getByTestId('accept-offer').click();
  await expect(shinjin.getByTestId('call-screen')).toBeVisible();
  await expect(tablet.getByTestId('call-screen')).toBeVisible();
  await expect(tablet.getByTestId('call-screen')).toContainText('新人 花子');
  // The resident's face and voice reach the new staff member, and theirs the resident.
  const flowing = async (page: Page) => {
    const { video, audio } = await decoding(page);
    return video >= 1 && audio === 1;
  };
  await expect.poll(() => flowing(shinjin), { timeout: 30_000 }).toBe(true);
  await expect.poll(() => flowing(tablet), { timeout: 30_000 }).toBe(true);
  await tablet.getByTestId('end-button').click();
  await expect(shinjin.getByTestId('call-screen')).toBeHidden();

  // A leaver: disabled (after the question), their open console is closed at once and says why.
  await admin.getByTestId('nav-staff').click();
  await row.getByTestId('staff-disable').click();
  await expect(admin.getByTestId('confirm-dialog')).toContainText('開いているコンソールはすぐに切断されます');
  await admin.getByTestId('confirm-ok').click();
  await expect(row).toHaveAttribute('data-active', 'false');
  await expect(shinjin.getByTestId('login-error')).toHaveText('このアカウントは管理者によって無効にされました。ご不明な点は管理者にお問い合わせください。');
  await shinjin.getByTestId('login-username').fill('shinjin');
  await shinjin.getByTestId('login-password').fill(password);
  await shinjin.getByTestId('login-submit').click();
  await expect(shinjin.getByTestId('login-error')).toHaveText('ユーザー名またはパスワードが正しくありません。');
  // The staff member took a call: the account is kept for its records, and cannot be deleted.
  await expect(row.getByTestId('staff-delete')).toHaveCount(0);

  // A supervisor's console (no calls) is closed the same way when the account is disabled.
  const supervisor = await consoleAs(browser, 'supervisor', E2E_PASSWORD);
  await expect(supervisor.getByTestId('nav-records')).toBeVisible();
  await admin.locator('[data-testid="staff-row"][data-username="supervisor"]').getByTestId('staff-disable').click();
  await admin.getByTestId('confirm-ok').click();
  await expect(supervisor.getByTestId('login-error')).toHaveText('このアカウントは管理者によって無効にされました。ご不明な点は管理者にお問い合わせください。');

  const trail = server.query<{ details: string }>("SELECT details FROM AuditLog WHERE action = 'config.change' ORDER BY id");
  expect(trail.map((entry) => (JSON.parse(entry.details) as { change?: string }).change)).toEqual(
    expect.arrayContaining(['staff.create', 'department.create', 'staff.disable']),
  );
  for (const page of [admin, tablet, shinjin, supervisor]) await page.context().close();
});

import { expect, test, type Browser, type Page } from '@playwright/test';
import { enterClerkPin, openTablet } from './support/call.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * Clerk mode: an admin sets 清滝郵便局's clerk PIN in 拠点管理; on the tablet the camera settings
 * refuse a wrong PIN and open with the right one. A resident presses 職員を呼ぶ (twice: one call);
 * the supervisor's and the admin's consoles show it with a chime, the supervisor answers 対応します,
 * every console's alert goes and the tablet says so. The PIN pad and the call's status are
 * screenshot in Japanese and English at a 10-inch tablet's two orientations, and checked with axe.
 */

const SITE = '清滝郵便局';
const PIN = '2468';
const SIZES = [
  { width: 1180, height: 820 },
  { width: 820, height: 1180 },
] as const;

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Counts the oscillators the page starts: the chime is Web Audio, with no sound file. */
function countOscillators(): void {
  const w = window as unknown as { __oscillators: number };
  w.__oscillators = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
    w.__oscillators += 1;
    return start.apply(this, args);
  };
}

/** A city PC's console, logged in. */
async function consoleAs(browser: Browser, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP' });
  await context.addInitScript(countOscillators);
  const page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('nav-wallboard')).toBeVisible();
  return page;
}

/** The tablet's screen in both orientations, in Japanese and English; back in Japanese after. */
async function checkBothWays(tablet: Page, name: string): Promise<void> {
  for (const language of ['ja', 'en'] as const) {
    await tablet.getByTestId(`language-${language}`).click();
    for (const size of SIZES) {
      await tablet.setViewportSize(size);
      await checkScreen(tablet, `${name}-${size.width}x${size.height}`, language);
    }
  }
  await tablet.getByTestId('language-ja').click();
}

test('the clerk PIN guards the tablet’s settings; 職員を呼ぶ reaches the supervisors, who answer', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await consoleAs(browser, 'admin');
  await admin.getByTestId('nav-sites').click();
  const row = admin.getByTestId('site-row').filter({ hasText: SITE });
  await expect(row.getByTestId('site-clerk-pin')).toHaveText('PIN未設定');
  await row.getByTestId('site-clerk-pin-edit').click();
  await admin.getByTestId('clerk-pin-input').fill('12');
  await admin.getByTestId('clerk-pin-save').click();
  await expect(admin.getByText('数字4〜8桁で入力してください。')).toBeVisible();
  await admin.getByTestId('clerk-pin-input').fill(PIN);
  await admin.getByTestId('clerk-pin-save').click();
  await expect(row.getByTestId('site-clerk-pin')).toHaveText('設定済み');
  await expect(admin.getByTestId('site-row').filter({ hasText: '江川出張所' }).getByTestId('site-clerk-pin')).toHaveText('PIN未設定');

  // The clerk's settings: a wrong PIN is refused (with the tries left), the right one opens them.
  const tablet = await openTablet(browser, server, SITE, { clerkPin: PIN });
  await tablet.getByTestId('open-settings').click();
  await enterClerkPin(tablet, '1357');
  await expect(tablet.getByTestId('clerk-pin-message')).toHaveText('PINが 違います。あと 4回 間違えると、しばらく 入力できなくなります。');
  await expect(tablet.getByTestId('settings-screen')).toHaveCount(0);
  await tablet.getByTestId('pin-key-1').click(); // a digit typed: the pad shows it as a dot
  await expect(tablet.getByTestId('clerk-pin-digits')).toHaveText('●');
  await checkBothWays(tablet, 'clerk-pin');
  await tablet.getByTestId('pin-delete').click();
  await enterClerkPin(tablet, PIN);
  await expect(tablet.getByTestId('face-camera-select')).toBeVisible();
  await tablet.getByTestId('settings-back').click();
  await expect(tablet.getByTestId('home-screen')).toBeVisible();

  // 職員を呼ぶ: pressed twice, one call on every supervisor's and admin's console.
  const supervisor = await consoleAs(browser, 'supervisor');
  await tablet.getByTestId('call-for-help').click();
  await expect(tablet.getByTestId('help-status')).toHaveText('職員をお呼びしました。少々お待ちください。');
  await tablet.getByTestId('call-for-help').click();
  for (const page of [supervisor, admin]) {
    await expect(page.getByTestId('help-alert')).toHaveCount(1);
    await expect(page.getByTestId('help-alert')).toContainText(`${SITE}で職員が呼ばれています`);
    await expect.poll(() => page.evaluate(() => (window as unknown as { __oscillators: number }).__oscillators)).toBeGreaterThan(0);
  }
  await expect(supervisor.getByTestId('help-alert')).toContainText('2回押されました');
  await checkScreen(supervisor, 'help-alert-console', 'ja');
  await checkBothWays(tablet, 'help-called');

  await supervisor.getByTestId('help-acknowledge').click();
  await expect(tablet.getByTestId('help-status')).toContainText('職員が 対応します。少々お待ちください。');
  await expect(supervisor.getByTestId('help-alerts')).toHaveCount(0);
  await expect(admin.getByTestId('help-alerts')).toHaveCount(0);
  await checkBothWays(tablet, 'help-acknowledged');
  const [record] = server.query<{ presses: number; acknowledged: number }>('SELECT presses, acknowledgedAt IS NOT NULL AS acknowledged FROM HelpCall');
  expect(record).toEqual({ presses: 2, acknowledged: 1 });

  // Waiting (here: refused, nobody is on duty), the resident can still call for help.
  await tablet.getByTestId('department-tax').click();
  await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
  await expect(tablet.getByTestId('call-for-help')).toBeEnabled();
});

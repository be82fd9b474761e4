import { expect, test, type Browser, type Page } from '@playwright/test';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * Revocable sessions (issue 11, item 1): an operator is logged in on two PCs (one console in
 * Japanese, one in English); the admin signs them out everywhere from 職員管理 (サインアウトさせる,
 * asked first). Both consoles go to the login screen at once and say why; a colleague's console is
 * untouched, and the change is in the audit trail.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function consoleAs(browser: Browser, username: string, language: 'ja' | 'en' = 'ja'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP' });
  await context.addInitScript((chosen) => localStorage.setItem('madoguchi.console.language', chosen), language);
  const page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('logout')).toBeVisible();
  return page;
}

test('an admin signs an operator out everywhere; each of their consoles shows why on the login screen', async ({ browser }) => {
  test.setTimeout(90_000);
  const operator = await consoleAs(browser, 'tax1');
  const operatorElsewhere = await consoleAs(browser, 'tax1', 'en');
  const colleague = await consoleAs(browser, 'tax2');
  const admin = await consoleAs(browser, 'admin');

  await admin.getByTestId('nav-staff').click();
  const row = admin.locator('[data-testid="staff-row"][data-username="tax1"]');
  await row.getByTestId('staff-sign-out').click();
  await expect(admin.getByTestId('confirm-dialog')).toContainText('開いているコンソールはすぐに切断され');
  await admin.getByTestId('confirm-ok').click();

  await expect(operator.getByTestId('login-error')).toHaveText('管理者によりサインアウトされました。もう一度ログインしてください。');
  await expect(operatorElsewhere.getByTestId('login-error')).toHaveText('An administrator has signed you out. Please log in again.');
  await expect(row).toHaveAttribute('data-active', 'true');
  await expect(colleague.getByTestId('logout')).toBeVisible();
  await expect(colleague.getByTestId('login-error')).toHaveCount(0);

  // Signed out is not locked out: the operator logs in again.
  await operator.getByTestId('login-username').fill('tax1');
  await operator.getByTestId('login-password').fill(E2E_PASSWORD);
  await operator.getByTestId('login-submit').click();
  await expect(operator.getByTestId('logout')).toBeVisible();

  const trail = server.query<{ details: string }>("SELECT details FROM AuditLog WHERE action = 'config.change' ORDER BY id");
  expect(trail.map((entry) => JSON.parse(entry.details) as { change?: string; sessionsEnded?: number })).toContainEqual(
    expect.objectContaining({ change: 'staff.sign_out', username: 'tax1', sessionsEnded: 2 }),
  );
  for (const page of [operator, operatorElsewhere, colleague, admin]) await page.context().close();
});

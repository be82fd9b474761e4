import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { openConsole, openTablet, videoPlaying } from './support/call.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * The supervisor's side of the records: a real call is made and ended; the supervisor finds it in
 * 相談記録, opens its timeline, downloads the CSV (whose rows must be the list's rows), looks at 統計
 * and 設定; the admin sees the view and the export in 監査ログ. (console-screens.spec.ts photographs
 * these screens in both languages and checks them with axe-core.)
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function logIn(browser: Browser, username: string): Promise<Page> {
  // A Japanese browser, as at city hall: date fields read 年/月/日.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  return page;
}

test('a finished call in the records list, its timeline, the CSV, the charts and the audit trail', async ({ browser }) => {
  // 待ち状況: the supervisor watches the call ring, then be answered.
  const supervisor = await logIn(browser, 'supervisor');
  await expect(supervisor.getByTestId('nav-wallboard')).toHaveAttribute('aria-current', 'page');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  const operator = await openConsole(browser, server, 'tax1');
  await tablet.getByTestId('department-tax').click();
  await expect(operator.getByTestId('incoming-offer')).toBeVisible();
  const live = supervisor.getByTestId('wallboard-consultation');
  await expect(live).toHaveAttribute('data-status', 'offered');
  await expect(live).toContainText('清滝郵便局');
  await expect(supervisor.getByTestId('wallboard-tax')).toContainText('税務課');
  await operator.getByTestId('accept-offer').click();
  await expect(tablet.getByTestId('call-screen')).toBeVisible();
  await expect(live).toHaveAttribute('data-status', 'in_call');
  // Two seconds after the document reaches the operator, the SFU has sampled every stream at least
  // once (every second in these tests); on a loaded machine the document can take a while to start.
  await videoPlaying(operator, 'remote-video-document');
  await operator.waitForTimeout(2_500);
  await operator.getByTestId('end-button').click();
  await expect(operator.getByTestId('call-screen')).toBeHidden();
  await tablet.context().close();
  await operator.context().close();
  // The screens are told first; the record lands a moment later.
  await expect.poll(() => server.query<{ outcome: string | null }>('SELECT outcome FROM Consultation')[0]?.outcome).toBe('completed');
  const [call] = server.query<{ id: string; outcome: string }>('SELECT id, outcome FROM Consultation');
  const [operatorName] = server.query<{ displayName: string }>("SELECT displayName FROM Staff WHERE username = 'tax1'");

  await expect(live).toHaveCount(0);

  // 相談記録: the call is the list's only row, with its place, department, operator and outcome.
  await supervisor.getByTestId('nav-records').click();
  await expect(supervisor.getByTestId('nav-records')).toHaveAttribute('aria-current', 'page');
  const rows = supervisor.getByTestId('record-row');
  await expect(rows).toHaveCount(1);
  const row = rows.first();
  await expect(row).toHaveAttribute('data-record-id', call!.id);
  await expect(row).toContainText('清滝郵便局');
  await expect(row).toContainText('税務課');
  await expect(row).toContainText(operatorName!.displayName);
  await expect(row).toContainText('対応完了');
  await expect(supervisor.getByTestId('nav-audit')).toHaveCount(0);

  // The record: its timeline, oldest first.
  await row.getByRole('link').click();
  const timeline = supervisor.getByTestId('record-timeline');
  await expect(timeline).toBeVisible();
  await expect(timeline.locator('li:not([data-event-type="media_path"])')).toHaveCount(5);
  expect(await timeline.locator('li:not([data-event-type="media_path"])').evaluateAll((items) => items.map((item) => item.getAttribute('data-event-type')))).toEqual([
    'requested',
    'offered',
    'answered',
    'media_quality',
    'ended',
  ]);
  // Each side's network path, in words: on loopback, straight to the server.
  await expect(timeline.locator('[data-event-type="media_path"]').filter({ hasText: '相談者側' })).toContainText('直接（UDP）');
  await expect(timeline.locator('[data-event-type="media_path"]').filter({ hasText: '職員側' })).toContainText('直接（UDP）');
  // The media quality measured by the SFU, in words: the document camera's average bitrate.
  await expect(timeline.locator('[data-event-type="media_quality"]')).toContainText('書類カメラ 平均');
  await expect(timeline).toContainText('受付');
  await expect(timeline).toContainText('応答');
  await expect(supervisor.getByTestId('record-summary')).toContainText(call!.id);

  // The CSV of the list: UTF-8 with a BOM for Excel, Japanese header, the list's rows.
  await supervisor.getByRole('link', { name: /相談記録の一覧へ戻る/ }).click();
  await expect(rows).toHaveCount(1);
  const [download] = await Promise.all([supervisor.waitForEvent('download'), supervisor.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^相談記録-\d{12}\.csv$/);
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('相談ID,受付日時,窓口,担当課,担当職員,待ち時間(秒),対応時間(秒),結果,満足度(1-5)');
  const listIds = await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-record-id')));
  expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(listIds);
  const fields = lines[1]!.split(',');
  expect(fields.slice(2, 5)).toEqual(['清滝郵便局', '税務課', operatorName!.displayName]);
  expect(fields[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
  expect(fields[7]).toBe('対応完了');

  // 統計 and 設定.
  await supervisor.getByTestId('nav-stats').click();
  await expect(supervisor.getByTestId('kpi-total')).toContainText('1件');
  await expect(supervisor.getByTestId('chart-by-department')).toContainText('税務課');
  await supervisor.getByTestId('nav-settings').click();
  await expect(supervisor.getByLabel('相談記録の保存期間（日）')).toBeDisabled();

  // 監査ログ (admin): the supervisor's view of the record and the export, by name.
  const admin = await logIn(browser, 'admin');
  await admin.getByTestId('nav-audit').click();
  const audit = admin.getByTestId('audit-table');
  await expect(audit.locator('tr[data-action="record.view"]')).toContainText(call!.id);
  await expect(audit.locator('tr[data-action="records.export"]')).toContainText('CSVダウンロード');
});

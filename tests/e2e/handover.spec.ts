import { expect, test } from '@playwright/test';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { startServer, type RunningServer } from './support/server.ts';

/**
 * A call handed on: 税務課 calls in 子育て支援課 (他の課を呼ぶ) and leaves, then 子育て支援課 transfers
 * the resident to 福祉課 (転送). The tablet names whoever serves the resident at each step, and each
 * operator who joins sees what came before: the chat, the stills and the handover note.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer({}, { routing: { wrapUpSeconds: 0, ringTimeoutSeconds: 90 } });
});
test.afterAll(async () => {
  await server?.stop();
});

test('the tablet names the departments serving the resident, and a joining operator gets the chat, the stills and the note', async ({ browser }) => {
  test.setTimeout(180_000);
  const tablet = await openTablet(browser, server, '清滝郵便局');
  const tax = await openConsole(browser, server, 'tax1');
  await connectCall(tablet, tax, 'tax');
  await expect(tablet.getByTestId('call-department')).toHaveText('税務課');
  await expect(tablet.getByTestId('call-operators')).toHaveText('税務 一郎');

  // Before anyone else comes: a chat both ways and a still of the resident's document.
  await tablet.getByTestId('chat-input').fill('児童手当のことも聞きたいです');
  await tablet.getByTestId('chat-send').click();
  await expect(tax.getByTestId('chat-messages')).toContainText('児童手当のことも聞きたいです');
  await tax.getByTestId('chat-input').fill('子育て支援課の職員を呼びます');
  await tax.getByTestId('chat-send').click();
  await expect(tablet.getByTestId('chat-messages')).toContainText('子育て支援課の職員を呼びます');
  await tax.getByTestId('capture-button').click();
  await expect(tax.getByTestId('still-thumb')).toHaveCount(1, { timeout: 30_000 });

  // One-stop with a handover note.
  const childcare = await openConsole(browser, server, 'childcare1');
  await tax.getByTestId('routing-target').selectOption({ label: '子育て支援課' });
  await tax.getByTestId('handover-note-input').fill('児童手当の申請について。住民税の通知書を撮影済み。');
  await tax.getByTestId('invite-department').click();
  await expect(childcare.getByTestId('incoming-offer')).toContainText('税務 一郎', { timeout: 60_000 });
  await childcare.getByTestId('accept-offer').click();
  await expect(childcare.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });

  // The specialist sees the note, the earlier chat marked as such, and the still (fetched and shown).
  await expect(childcare.getByTestId('handover-notes')).toContainText('児童手当の申請について。住民税の通知書を撮影済み。');
  await expect(childcare.getByTestId('handover-notes')).toContainText('税務 一郎');
  const earlier = childcare.getByTestId('chat-messages').locator('[data-before-joining="true"]');
  await expect(earlier).toHaveCount(2);
  await expect(earlier.nth(0)).toContainText('児童手当のことも聞きたいです');
  await expect(earlier.nth(1)).toContainText('子育て支援課の職員を呼びます');
  await expect(childcare.getByTestId('chat-joined-divider')).toBeVisible();
  const thumb = childcare.getByTestId('still-thumb').first();
  await expect(thumb).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 30_000 }).toBeGreaterThan(0);
  await childcare.screenshot({ path: '../test-output/screens/console-handover-ja.png' });

  // The tablet names both departments and both staff members; then only the specialist's.
  await expect(tablet.getByTestId('call-department')).toHaveText('税務課、子育て支援課', { timeout: 30_000 });
  await expect(tablet.getByTestId('call-operators')).toHaveText('税務 一郎、子育 一郎');
  // …in the resident's language.
  await tablet.getByTestId('language-en').click();
  await expect(tablet.getByTestId('call-department')).toHaveText('Taxes and Child Support');
  await tablet.getByTestId('language-ja').click();
  await tax.getByTestId('leave-call').click();
  await expect(tax.getByTestId('call-screen')).toBeHidden();
  await tax.context().close();
  await expect(tablet.getByTestId('call-department')).toHaveText('子育て支援課');
  await expect(tablet.getByTestId('call-operators')).toHaveText('子育 一郎');

  // A transfer to 福祉課: the tablet says where it is being connected, then names 福祉課.
  const welfare = await openConsole(browser, server, 'welfare1');
  await childcare.getByTestId('routing-target').selectOption({ label: '福祉課' });
  await childcare.getByTestId('handover-note-input').fill('介護の相談に移ります。');
  await childcare.getByTestId('transfer-call').click();
  await expect(tablet.getByTestId('transfer-banner')).toBeVisible();
  await expect(tablet.getByTestId('call-department')).toHaveText('福祉課');
  await expect(welfare.getByTestId('incoming-offer')).toBeVisible({ timeout: 60_000 });
  await welfare.getByTestId('accept-offer').click();
  await expect(welfare.getByTestId('call-screen')).toBeVisible({ timeout: 30_000 });
  await expect(tablet.getByTestId('transfer-banner')).toBeHidden();
  await expect(tablet.getByTestId('call-department')).toHaveText('福祉課');
  await expect(tablet.getByTestId('call-operators')).toHaveText('福祉 一郎');
  await expect(welfare.getByTestId('handover-notes')).toContainText('介護の相談に移ります。');
  await expect(welfare.getByTestId('handover-notes')).toContainText('児童手当の申請について。');
  await expect(welfare.getByTestId('chat-messages').locator('[data-before-joining="true"]')).toHaveCount(2);
  await expect(welfare.getByTestId('still-thumb')).toHaveCount(1);

  await welfare.getByTestId('end-button').click();
  await expect(tablet.getByTestId('call-screen')).toBeHidden();
  const notes = server.query<{ data: string }>("SELECT data FROM ConsultationEvent WHERE type = 'handover_note' ORDER BY id");
  expect(notes.map((row) => JSON.parse(row.data).note)).toEqual(['児童手当の申請について。住民税の通知書を撮影済み。', '介護の相談に移ります。']);
});

import { expect, test, type Page } from '@playwright/test';
import type { ReservationList } from '@madoguchi/protocol';
import { checkScreen } from './support/screens.ts';
import { startServer, type RunningServer } from './support/server.ts';

/**
 * 予約ページ: a resident books from their own phone, with no account (PUBLIC_BOOKING is on by
 * default): 福祉課 at 江川出張所, tomorrow's first free slot (tomorrow, so the test does not depend on
 * the time of day). Each screen is screenshot in Japanese and English and checked with axe. The
 * booking is there for staff, with the code the page showed and no operator named; the resident looks
 * it up with the code and their phone number (a wrong number finds nothing) and cancels it.
 */

const SITE = '江川出張所';
const NAME = '緑 花子';
const PHONE = '090-2468-1357';
const WRONG_PHONE = '090-1111-0000';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Both screenshots (and axe) of a screen, then back to Japanese. */
async function bothLanguages(page: Page, name: string): Promise<void> {
  for (const language of ['ja', 'en'] as const) {
    await page.getByTestId(`booking-language-${language}`).click();
    await checkScreen(page, name, language);
  }
  await page.getByTestId('booking-language-ja').click();
}

test('a resident books 福祉課 at 江川出張所 from a phone, reads the code, finds the booking with it and cancels it', async ({ browser }) => {
  test.setTimeout(120_000);
  const tomorrow = new Date(Date.now() + 9 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  // Start: the city, what the service is, 予約する / 予約の確認・取り消し.
  await page.goto(`${server.url}/booking/`);
  const start = page.getByTestId('booking-start');
  await expect(start.getByRole('heading', { level: 1 })).toHaveText('みどり市 リモート窓口 予約');
  await bothLanguages(page, 'booking-start');
  await page.getByTestId('start-book').click();

  // The department, with its hint, then the place to come to and the day.
  await expect(page.getByTestId('department-welfare')).toContainText('介護・障がい・くらしの 相談');
  await bothLanguages(page, 'booking-department');
  await page.getByTestId('department-welfare').click();
  await page.getByTestId('site-option').filter({ hasText: SITE }).click();
  await page.locator(`[data-testid="day-option"][data-date="${tomorrow}"]`).click();

  // Tomorrow's first slot (the demo city is open around the clock): both places free.
  const slot = page.getByTestId('slot-option').first();
  await expect(slot).toHaveAttribute('data-free', '2');
  await expect(slot).toContainText('あと 2人');
  const slotStart = (await slot.getAttribute('data-start'))!;
  expect(slotStart).toBe(new Date(`${tomorrow}T00:00:00+09:00`).toISOString());
  await bothLanguages(page, 'booking-slot');
  await slot.click();

  // Details: nothing typed yet is refused field by field; then the category, name, phone and consent.
  const details = page.getByTestId('booking-details');
  await details.getByTestId('details-next').click();
  await expect(details.getByTestId('details-errors')).toBeVisible();
  await expect(details.getByTestId('details-phone')).toHaveAttribute('aria-invalid', 'true');
  await details.getByTestId('details-category').selectOption({ label: '高齢者福祉' });
  await details.getByTestId('details-name').fill(NAME);
  await details.getByTestId('details-phone').fill(PHONE);
  await details.getByTestId('details-note').fill('介護保険の申請について');
  await details.getByTestId('details-agree').check();
  await expect(details.getByTestId('details-errors')).toHaveCount(0);
  await expect(details.getByTestId('details-language')).toHaveValue('ja');
  await bothLanguages(page, 'booking-details');
  await details.getByTestId('details-next').click();

  // Confirm: everything once more; a double click books once.
  const summary = page.getByTestId('confirm-summary');
  await expect(summary).toContainText(SITE);
  await expect(summary).toContainText('福祉課');
  await expect(summary).toContainText('00:00–00:30');
  await expect(summary).toContainText(NAME);
  await bothLanguages(page, 'booking-confirm');
  await page.getByTestId('booking-submit').dblclick();

  // Done: the code, large and grouped, and what to do with it at the booth.
  const done = page.getByTestId('booking-done');
  await expect(done).toBeVisible();
  const code = (await done.getByTestId('booking-code').getAttribute('data-code'))!;
  expect(code).toMatch(/^\d{6}$/);
  await expect(done.getByTestId('booking-code')).toHaveText(`${code.slice(0, 3)} ${code.slice(3)}`);
  await expect(done.getByTestId('booking-instruction')).toContainText('窓口の タブレットで 入れてください');
  await expect(done.getByTestId('booking-site')).toHaveText(SITE);
  await expect(done.getByTestId('booking-department')).toHaveText('福祉課');
  await bothLanguages(page, 'booking-done');

  // Staff see it: one booking, with that code, at 江川出張所, for 福祉課, no operator named, made by the public page.
  const admin = await server.login('admin');
  const listed = (await (await fetch(`${server.url}/api/reservations?date=${tomorrow}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as ReservationList;
  const mine = listed.reservations.filter((reservation) => reservation.name === NAME);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({
    code,
    site: { name: SITE },
    department: { code: 'welfare', name: '福祉課' },
    slotStart,
    category: { name: '高齢者福祉' },
    note: '介護保険の申請について',
    language: 'ja',
    status: 'booked',
    preferredOperator: null,
  });
  expect(mine[0]!.phone.replace(/\D/g, '')).toBe(PHONE.replace(/\D/g, ''));
  expect(server.query<{ bookedBy: string }>('SELECT bookedBy FROM Reservation WHERE code = ?', code)[0]?.bookedBy).toBe('public');

  // 予約の確認・取り消し: the right code with a wrong phone number finds nothing.
  await done.getByTestId('booking-to-start').click();
  await page.getByTestId('start-lookup').click();
  await page.getByTestId('lookup-code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await page.getByTestId('lookup-phone').fill(WRONG_PHONE);
  await page.getByTestId('lookup-submit').click();
  const error = page.getByTestId('lookup-error');
  await expect(error).toHaveAttribute('data-problem', 'notFound');
  await expect(error).toContainText('この 予約番号と 電話番号の 予約は 見つかりません');
  await expect(page.getByTestId('lookup-code')).toHaveValue(`${code.slice(0, 3)} ${code.slice(3)}`); // what was typed stays

  // The right phone number: the booking, which is cancelled after a second question.
  await page.getByTestId('lookup-phone').fill(PHONE);
  await page.getByTestId('lookup-submit').click();
  const result = page.getByTestId('booking-lookup-result');
  await expect(result.getByTestId('booking-status')).toHaveAttribute('data-status', 'booked');
  await expect(result.getByTestId('booking-site')).toHaveText(SITE);
  await result.getByTestId('lookup-cancel').click();
  await expect(result.getByTestId('cancel-question')).toContainText('本当に 取り消しますか');
  await result.getByTestId('cancel-yes').click();
  await expect(result.getByTestId('lookup-cancelled')).toHaveText('予約を 取り消しました。');
  await expect(result.getByTestId('booking-status')).toHaveAttribute('data-status', 'cancelled');
  await expect(result.getByTestId('booking-status')).toHaveText('取り消しました');
  await expect(result.getByTestId('lookup-cancel')).toHaveCount(0);
  await bothLanguages(page, 'booking-cancelled');
  expect(server.query<{ status: string }>('SELECT status FROM Reservation WHERE code = ?', code)[0]?.status).toBe('cancelled');

  expect(pageErrors).toEqual([]);
  await context.close();
});

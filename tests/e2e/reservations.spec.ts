import { expect, test, type Page } from '@playwright/test';
import type { AdminSitesResponse, RecordDetail, Reservation, ReservationCalendarsResponse, ReservationOptions } from '@madoguchi/protocol';
import { enterClerkPin, openConsole, openTablet } from './support/call.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * 予約 (issue 14): the clerk at 江川出張所 books 福祉課 for the slot under way (the demo city is open
 * around the clock, so "now" always has a slot) and names 福祉 花子. Two walk-in residents already
 * wait for 福祉課 at other sites. The resident types the code at 江川出張所's booth: they are first in
 * line, and 福祉 花子 is offered their call ahead of the walk-ins. The record says reserved.
 * The booking form and the code pad are screenshot in Japanese and English and checked with axe.
 */

const BRANCH = '江川出張所';
const WALK_IN_SITES = ['清滝郵便局', '中央公民館'];

const DAY_MS = 86_400_000;
const tokyoMinute = (now: number) => Math.floor(((now + 9 * 3_600_000) % DAY_MS) / 60_000);
/** Minutes a slot under way must have left for the booking to stay "late" (not yet "no-show") for the whole test. */
const SLOT_LEFT_MINUTES = 15;

/**
 * A slot length for which the slot under way began at least a minute ago and has at least 15 minutes
 * left, so that the booking stays "late" for the whole test at whatever time it runs.
 * The demo city's 福祉課 is open around the clock, so slots are cut from Tokyo midnight.
 */
function slotMinutesWithSlotUnderWay(now = Date.now()): number {
  const minute = tokyoMinute(now);
  for (let length = 30; length <= 240; length += 1) {
    const elapsed = minute % length;
    const fitsTheDay = (Math.floor(minute / length) + 1) * length <= 24 * 60;
    if (elapsed >= 1 && length - elapsed >= SLOT_LEFT_MINUTES && fitsTheDay) return length;
  }
  throw new Error(`no slot length leaves the slot under way at minute ${minute} long enough`);
}

/**
 * In the last minutes of a Tokyo day no slot under way lasts long enough (slots end at midnight), and
 * in its first minute none has begun yet: there, wait until 00:01 Tokyo time rather than book a slot that ends mid-test.
 */
async function waitForRoomInTheDay(): Promise<void> {
  const minute = tokyoMinute(Date.now());
  if (minute >= 1 && minute <= 24 * 60 - SLOT_LEFT_MINUTES) return;
  const wait = ((24 * 60 + 1 - minute) % (24 * 60)) * 60_000;
  console.log(`[reservations] Tokyo minute ${minute} of the day: waiting ${wait / 60_000} min for a slot under way that lasts`);
  test.setTimeout(wait + 60_000);
  await new Promise((resolveWait) => setTimeout(resolveWait, wait));
}

let server: RunningServer;
test.beforeAll(async () => {
  await waitForRoomInTheDay();
  server = await startServer({}, { routing: { wrapUpSeconds: 0, ringTimeoutSeconds: 90 } });
  const admin = await server.login('admin');
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const { calendars } = (await (await fetch(`${server.url}/api/reservations/calendars`, { headers })).json()) as ReservationCalendarsResponse;
  const welfare = calendars.find((calendar) => calendar.department.code === 'welfare')!;
  const settings = { ...welfare.settings!, slotMinutes: slotMinutesWithSlotUnderWay() };
  const saved = await fetch(`${server.url}/api/reservations/calendars/${welfare.department.id}`, { method: 'PUT', headers, body: JSON.stringify({ settings }) });
  expect(saved.ok).toBe(true);
});
test.afterAll(async () => {
  await server?.stop();
});

/** The screen in Japanese and English (axe-checked), back in Japanese after. */
async function checkInBothLanguages(page: Page, name: string): Promise<void> {
  for (const language of ['ja', 'en'] as const) {
    await page.getByTestId(`language-${language}`).click();
    await checkScreen(page, name, language);
  }
  await page.getByTestId('language-ja').click();
}

test('a booking made by the branch clerk goes ahead of walk-ins, to the operator named on it', async ({ browser }) => {
  test.setTimeout(240_000);
  // The named operator is logged in but away while the residents arrive.
  const named = await openConsole(browser, server, 'welfare2');
  await named.getByTestId('presence-away').click();
  await expect(named.getByTestId('presence-away')).toHaveAttribute('aria-pressed', 'true');

  // The clerk books from the tablet's clerk screen: 福祉課, the slot under way, 福祉 花子.
  const booth = await openTablet(browser, server, BRANCH);
  await booth.getByTestId('open-settings').click();
  await booth.getByTestId('open-booking').click();
  await booth.getByTestId('booking-department').selectOption({ label: '福祉課' });
  await expect(booth.getByTestId('booking-slot').locator('option').first()).toContainText('空き 2');
  await booth.getByTestId('booking-category').selectOption({ label: '高齢者福祉' });
  await booth.getByTestId('booking-operator').selectOption({ label: '福祉 花子' });
  await booth.getByTestId('booking-name').fill('緑 太郎');
  await booth.getByTestId('booking-phone').fill('090-1234-5678');
  await checkInBothLanguages(booth, 'kiosk-booking-form');
  await booth.getByTestId('booking-submit').click();
  const code = (await booth.getByTestId('booking-code').textContent())!.trim();
  expect(code).toMatch(/^\d{6}$/);
  await expect(booth.getByTestId('booking-done')).toContainText(`予約番号は ${code} です`);
  await checkInBothLanguages(booth, 'kiosk-booking-done');
  await booth.getByTestId('booking-back').click();
  await booth.getByTestId('settings-back').click();
  await expect(booth.getByTestId('home-screen')).toBeVisible();

  // The named operator's console lists it among today's bookings: the slot is under way, nobody has come yet.
  const listed = named.getByTestId('reservation-item').filter({ hasText: '緑 太郎' });
  await expect(listed).toHaveAttribute('data-state', 'late', { timeout: 40_000 });
  await expect(listed).toContainText('高齢者福祉');
  await expect(listed).toContainText('福祉 花子');

  // Two walk-ins wait for 福祉課.
  const walkIns: Page[] = [];
  for (const site of WALK_IN_SITES) {
    const tablet = await openTablet(browser, server, site);
    await tablet.getByTestId('department-welfare').click();
    await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
    walkIns.push(tablet);
  }
  await expect(walkIns[1]!.getByTestId('queue-position')).toHaveAttribute('data-position', '2');

  // At the booth: 予約の方, a wrong code is refused, the right one puts the resident first in line.
  await booth.getByTestId('reservation-open').click();
  await booth.getByTestId('reservation-code').fill(code === '123456' ? '654321' : '123456');
  await booth.getByTestId('reservation-submit').click();
  await expect(booth.getByTestId('reservation-error')).toContainText('今日の 予約は ありません');
  await checkInBothLanguages(booth, 'kiosk-reservation-code');
  await booth.getByTestId('reservation-code').fill(code);
  await booth.getByTestId('reservation-submit').click();
  await expect(booth.getByTestId('waiting-screen')).toBeVisible();
  await expect(booth.getByTestId('queue-position')).toHaveAttribute('data-position', '1');
  for (const [index, tablet] of walkIns.entries()) {
    await expect(tablet.getByTestId('queue-position')).toHaveAttribute('data-position', String(index + 2));
  }

  // 受付可: the named operator is offered the reserved resident, not the walk-ins who came first.
  await named.getByTestId('presence-available').click();
  const offer = named.getByTestId('incoming-offer');
  await expect(offer).toContainText(BRANCH);
  await named.getByTestId('accept-offer').click();
  await expect(booth.getByTestId('call-screen')).toBeVisible();
  await expect(named.getByTestId('call-screen')).toBeVisible();
  await booth.getByTestId('end-button').click();
  await expect(named.getByTestId('call-screen')).toBeHidden();

  // The record says reserved (the booking points at the consultation once its row is written).
  const [booked] = server.query<{ consultationId: string | null; status: string }>('SELECT consultationId, status FROM Reservation WHERE code = ?', code);
  expect(booked?.status).toBe('arrived');
  const supervisor = await server.login('supervisor');
  const record = async () => {
    const [row] = server.query<{ consultationId: string | null }>('SELECT consultationId FROM Reservation WHERE code = ?', code);
    if (!row?.consultationId) return null;
    const response = await fetch(`${server.url}/api/records/${row.consultationId}`, { headers: { authorization: `Bearer ${supervisor}` } });
    return ((await response.json()) as RecordDetail).arrival;
  };
  await expect.poll(record).toBe('reserved');
  await expect(listed).toHaveAttribute('data-state', 'arrivedLate', { timeout: 40_000 });
  await named.screenshot({ path: '../test-output/screens/console-reservations-today.png' });

  for (const tablet of walkIns) await tablet.getByTestId('cancel-button').click();
  for (const page of [named, booth, ...walkIns]) await page.context().close();

  // 統計: the supervisor sees bookings, arrivals, no-shows and reserved vs walk-in waits per department.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ja-JP' });
  const stats = await context.newPage();
  await stats.goto(`${server.url}/console/`);
  await stats.getByTestId('login-username').fill('supervisor');
  await stats.getByTestId('login-password').fill(E2E_PASSWORD);
  await stats.getByTestId('login-submit').click();
  await stats.getByTestId('nav-stats').click();
  const welfareRow = stats.getByTestId('stats-reservations').locator('tbody tr', { hasText: '福祉課' });
  await expect(welfareRow.locator('td')).toHaveText(['1', '1', '0', '0.0%', /秒|分/, /秒|分/]);
  await welfareRow.scrollIntoViewIfNeeded();
  await checkScreen(stats, 'supervisor-stats-reservations', 'ja');
  await context.close();
});

test('an admin lets 税務課 take bookings in 受付設定 (予約枠)', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ja-JP' });
  const admin = await context.newPage();
  await admin.goto(`${server.url}/console/`);
  await admin.getByTestId('login-username').fill('admin');
  await admin.getByTestId('login-password').fill(E2E_PASSWORD);
  await admin.getByTestId('login-submit').click();
  await admin.getByTestId('nav-routing').click();
  await admin.getByTestId('routing-department').selectOption({ label: '税務課' });
  const panel = admin.getByTestId('reservation-calendar');
  await expect(panel.getByTestId('reservation-enabled')).not.toBeChecked();
  await panel.getByTestId('reservation-enabled').check();
  await panel.getByTestId('reservation-capacity').fill('0');
  await panel.getByTestId('reservation-save').click();
  await expect(panel.getByRole('alert')).toContainText('capacity'); // the server says which number is wrong
  await panel.getByTestId('reservation-capacity').fill('3');
  await panel.getByTestId('reservation-save').click();
  await expect(panel.getByRole('status')).toHaveText('保存しました。受付にはすぐに反映されます。');
  const token = await server.login('admin');
  const calendars = (await (await fetch(`${server.url}/api/reservations/calendars`, { headers: { authorization: `Bearer ${token}` } })).json()) as ReservationCalendarsResponse;
  expect(calendars.calendars.find((calendar) => calendar.department.code === 'tax')?.settings).toEqual({ slotMinutes: 30, capacity: 3, bookableDays: 14 });
  await context.close();
});

test('the clerk finds a resident without their code in today’s bookings of the site, behind the PIN, and checks them in', async ({ browser }) => {
  test.setTimeout(120_000);
  const SITE = '中央公民館';
  const PIN = '2468';
  const admin = await server.login('admin');
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const { sites } = (await (await fetch(`${server.url}/api/admin/sites`, { headers })).json()) as AdminSitesResponse;
  const site = sites.find((candidate) => candidate.name === SITE)!;
  expect((await fetch(`${server.url}/api/admin/sites/${site.id}/clerk-pin`, { method: 'PUT', headers, body: JSON.stringify({ pin: PIN }) })).ok).toBe(true);
  // Staff booked 子育て支援課's slot under way for this site.
  const { calendars } = (await (await fetch(`${server.url}/api/reservations/calendars`, { headers })).json()) as ReservationCalendarsResponse;
  const childcare = calendars.find((calendar) => calendar.department.code === 'childcare')!.department;
  const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
  const options = (await (await fetch(`${server.url}/api/reservations/options?departmentId=${childcare.id}&date=${today}`, { headers })).json()) as ReservationOptions;
  const body = { departmentId: childcare.id, siteId: site.id, slotStart: options.slots[0]!.start, name: '公民 花子', phone: '090-1111-2222', categoryId: options.categories[0]!.id, language: 'ja' };
  const booked = await fetch(`${server.url}/api/reservations`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(booked.status).toBe(201);
  const { id } = (await booked.json()) as Reservation;

  const booth = await openTablet(browser, server, SITE, { clerkPin: PIN });
  await expect(booth.getByTestId('home-screen')).not.toContainText('公民 花子'); // never on the resident's screen
  await booth.getByTestId('open-settings').click();
  await enterClerkPin(booth, PIN);
  const item = booth.getByTestId('today-booking').filter({ hasText: '公民 花子' });
  await expect(item).toContainText('子育て支援課');
  await expect(item).toContainText(options.categories[0]!.name);
  await checkInBothLanguages(booth, 'kiosk-today-bookings');
  await item.getByTestId('today-booking-check-in').click();
  await expect(booth.getByTestId('waiting-screen')).toBeVisible();
  await expect.poll(() => server.query<{ status: string }>('SELECT status FROM Reservation WHERE id = ?', id)[0]?.status).toBe('arrived');
  await booth.getByTestId('cancel-button').click();
  await booth.context().close();
});

test('an operator books a resident by phone from the console (予約を入れる), reads them the code, and cancels a booking not yet kept', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'childcare1');
  const list = operator.getByTestId('reservation-list');
  await list.getByTestId('reservation-book').click();
  const form = operator.getByTestId('console-booking');
  // Only the operator's own department takes bookings here; tomorrow, so the slot does not end mid-test.
  await expect(form.getByTestId('console-booking-department').locator('option')).toHaveText(['子育て支援課']);
  const tomorrow = new Date(Date.now() + 9 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
  await form.getByTestId('console-booking-date').fill(tomorrow);
  await expect(form.getByTestId('console-booking-slot')).toHaveValue(new Date(`${tomorrow}T00:00:00+09:00`).toISOString());
  await form.getByTestId('console-booking-site').selectOption({ label: '移動窓口1号車' });
  await form.getByTestId('console-booking-name').fill('電話 予約子');
  await form.getByTestId('console-booking-phone').fill('090-3333-4444');
  await form.getByTestId('console-booking-language').selectOption('vi');
  await form.getByTestId('console-booking-note').fill('児童手当の現況届');
  for (const language of ['ja', 'en'] as const) {
    await operator.getByTestId('language-select').selectOption(language);
    await checkScreen(operator, 'console-booking-form', language);
  }
  await operator.getByTestId('language-select').selectOption('ja');
  await form.getByTestId('console-booking-submit').click();

  const code = (await form.getByTestId('console-booking-code').textContent()) ?? '';
  expect(code).toMatch(/^\d{6}$/);
  await expect(form.getByTestId('console-booking-done')).toContainText('移動窓口1号車');
  await checkScreen(operator, 'console-booking-done', 'ja');
  const [row] = server.query<{ id: string; status: string; bookedBy: string; language: string; siteName: string }>(
    'SELECT r.id, r.status, r.bookedBy, r.language, s.name AS siteName FROM Reservation r JOIN Site s ON s.id = r.siteId WHERE r.code = ? AND r.name = ?',
    code,
    '電話 予約子',
  );
  expect(row).toMatchObject({ status: 'booked', language: 'vi', siteName: '移動窓口1号車' });
  expect(row!.bookedBy).toMatch(/^staff:/);

  // Today's list is today's: a booking made for today from the form appears there and can be cancelled.
  await form.getByTestId('console-booking-another').click();
  const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
  await form.getByTestId('console-booking-date').fill(today);
  // The day's last 30-minute slot, 23:30 Tokyo time: it runs past the end of the test (the file waits for 15 minutes left in the day).
  const lastSlot = new Date(`${today}T23:30:00+09:00`).toISOString();
  await expect(form.getByTestId('console-booking-slot').locator(`option[value="${lastSlot}"]`)).toHaveCount(1);
  await form.getByTestId('console-booking-slot').selectOption(lastSlot);
  await form.getByTestId('console-booking-site').selectOption({ label: '清滝郵便局' });
  await form.getByTestId('console-booking-name').fill('取消 予定');
  await form.getByTestId('console-booking-phone').fill('090-5555-6666');
  await form.getByTestId('console-booking-submit').click();
  await expect(form.getByTestId('console-booking-code')).toHaveText(/^\d{6}$/);
  const item = list.getByTestId('reservation-item').filter({ hasText: '取消 予定' });
  await expect(item).toHaveAttribute('data-state', /booked|late/);
  await item.getByTestId('reservation-cancel').click();
  await expect(operator.getByTestId('confirm-dialog')).toContainText('取消 予定さんの予約を取り消します');
  await operator.getByTestId('confirm-ok').click();
  await expect(item).toHaveAttribute('data-state', 'cancelled');
  await expect(item.getByTestId('reservation-cancel')).toHaveCount(0);
  const [cancelled] = server.query<{ id: string; status: string; seat: number | null }>('SELECT id, status, seat FROM Reservation WHERE name = ?', '取消 予定');
  expect(cancelled).toMatchObject({ status: 'cancelled', seat: null });
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'reservation.cancel' AND targetId = ?", cancelled!.id)[0]?.n).toBe(1);
  await operator.context().close();
});

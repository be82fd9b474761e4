import { expect, test, type Browser, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, StandardFonts, rgb } from 'pdf-lib';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { at, drag, expectInPlace, markBounds, TOLERANCE, type Bounds } from './support/marks.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * Issue 13, items 2 and 3: documents sent to the tablet, and forms signed on it. An admin adds a leaflet to 市民課's library; in a
 * post-office call the operator sends it; the tablet shows it large, page by page (pdf.js, offline),
 * zooms, and reports it shown; the supervisor downloads the consultation's copy from the record.
 */

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});
// The tests share a server and its operators: a console left open would be an older window of the
// next test's operator (superseded by its console, but still a browser context using the cores).
test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) await context.close();
});

async function consoleAs(browser: Browser, username: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(E2E_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('nav-records')).toBeVisible();
  return page;
}

/** A two-page leaflet: a dark heading band on each page (what the tablet's pixels are checked for). */
async function leaflet(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const title of ['My Number Card', 'Where to apply']) {
    const page = pdf.addPage([595, 842]);
    page.drawRectangle({ x: 0, y: 742, width: 595, height: 100, color: rgb(0.05, 0.2, 0.5) });
    page.drawText(title, { x: 40, y: 690, size: 32, font, color: rgb(0, 0, 0) });
  }
  return Buffer.from(await pdf.save());
}

/** The share of the canvas's pixels in the top band that are dark blue (the heading band drawn by pdf.js). */
function bandShare(page: Page): Promise<number> {
  return page.getByTestId('sent-document-page').evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext('2d')!;
    const { data } = context.getImageData(0, 0, canvas.width, Math.floor(canvas.height * 0.1));
    let dark = 0;
    for (let p = 0; p < data.length; p += 4) if (data[p]! < 60 && data[p + 2]! > 90) dark++;
    return dark / (data.length / 4);
  });
}

test('an admin adds a leaflet to 市民課’s library; sent in a call, the tablet shows it page by page; the record keeps it', async ({ browser }) => {
  const pdf = await leaflet();

  // 書類ライブラリ: a file that is no PDF or image is refused in Japanese; the leaflet is added.
  const admin = await consoleAs(browser, 'admin');
  await admin.getByTestId('nav-library').click();
  await admin.getByTestId('library-department').selectOption({ label: '市民課' });
  await admin.getByTestId('library-kind').selectOption('leaflet');
  await admin.getByTestId('library-title').fill('マイナンバーカードのご案内');
  await admin.getByTestId('library-file').setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('これはPDFではありません') });
  await admin.getByTestId('library-upload').click();
  await expect(admin.getByTestId('library-failed')).toContainText('PDF・JPEG・PNG のファイルではありません');
  await admin.getByTestId('library-file').setInputFiles({ name: 'mynumber.pdf', mimeType: 'application/pdf', buffer: pdf });
  await admin.getByTestId('library-upload').click();
  await expect(admin.getByTestId('library-row')).toHaveCount(1);
  await expect(admin.getByTestId('library-row')).toContainText('マイナンバーカードのご案内');

  const operator = await openConsole(browser, server, 'citizen1');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  await connectCall(tablet, operator, 'citizen');

  // 書類を送る opens in the side column in place of chat and transfer; the document camera stays large.
  await operator.getByTestId('open-document-send').click();
  await expect(operator.getByTestId('chat-input')).toBeHidden();
  await expect(operator.getByTestId('document-library')).toContainText('マイナンバーカードのご案内');
  await operator.getByTestId('document-send-library').click();

  // The tablet draws page 1 of 2 with pdf.js (its worker served by this server: no internet).
  await expect(tablet.getByTestId('sent-document')).toBeVisible();
  await expect(tablet.getByTestId('sent-document-page')).toHaveAttribute('data-page', '1', { timeout: 30_000 });
  await expect(tablet.getByTestId('sent-document-page-number')).toHaveText('1 / 2 ページ');
  expect(await bandShare(tablet)).toBeGreaterThan(0.5);
  await expect(operator.getByTestId('document-sent')).toHaveAttribute('data-state', 'shown');
  await expect(operator.getByTestId('document-sent')).toContainText('タブレットに表示中（2ページ）');
  await checkScreen(tablet, 'tablet-call-sent-document', 'ja');

  await tablet.getByTestId('sent-document-next').click();
  await expect(tablet.getByTestId('sent-document-page')).toHaveAttribute('data-page', '2');
  const before = await tablet.getByTestId('sent-document-page').evaluate((canvas: HTMLCanvasElement) => canvas.getBoundingClientRect().width);
  await tablet.getByTestId('sent-document-zoom-in').click();
  await expect(tablet.getByTestId('sent-document-viewport')).toHaveAttribute('data-zoom', '1.50');
  await expect
    .poll(() => tablet.getByTestId('sent-document-page').evaluate((canvas: HTMLCanvasElement) => canvas.getBoundingClientRect().width))
    .toBeGreaterThan(before * 1.4);

  // The operator takes it off the tablet.
  await operator.getByTestId('document-close').click();
  await expect(tablet.getByTestId('sent-document')).toHaveCount(0);
  await expect(operator.getByTestId('document-sent')).toHaveAttribute('data-state', 'closed');

  const consultationId = await operator.getByTestId('call-screen').getAttribute('data-consultation-id');
  await tablet.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();

  // The record: the sending on the timeline with its hash, the copy downloaded byte for byte, the download audited.
  const sent = server.query<{ data: string }>(`SELECT data FROM ConsultationEvent WHERE type = 'document_sent' AND consultationId = ?`, consultationId);
  expect(sent.map(({ data }) => JSON.parse(data))).toEqual([expect.objectContaining({ title: 'マイナンバーカードのご案内', mime: 'application/pdf', bytes: pdf.length })]);
  const supervisor = await consoleAs(browser, 'supervisor');
  await supervisor.goto(`${server.url}/console/#/records/${consultationId}`);
  const row = supervisor.getByTestId('record-timeline').locator('[data-event-type="document_sent"]');
  await expect(row).toHaveCount(1);
  const downloading = supervisor.waitForEvent('download');
  await row.getByTestId('record-document-download').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('マイナンバーカードのご案内.pdf');
  expect((await readFile((await download.path())!)).equals(pdf)).toBe(true);
  // Two looks: the operator's console opened it in the call (to show the tablet's page), the supervisor downloaded it.
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'document.view'")[0]!.n).toBe(2);
});

test('both sides mark the sent page: the operator’s circle sits on the tablet’s page in place, zoomed too; the resident points back', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'citizen1');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  await connectCall(tablet, operator, 'citizen');
  await operator.getByTestId('open-document-send').click();
  await operator.getByTestId('document-file').setInputFiles({ name: 'mynumber.pdf', mimeType: 'application/pdf', buffer: await leaflet() });
  await operator.getByTestId('document-send-file').click();
  await expect(tablet.getByTestId('sent-document-page')).toHaveAttribute('data-page', '1', { timeout: 30_000 });

  // The console shows the page the tablet shows, and follows a page turn.
  const view = operator.getByTestId('sent-page-view');
  await expect(view).toHaveAttribute('data-page', '1');
  await tablet.getByTestId('sent-document-next').click();
  await expect(view).toHaveAttribute('data-page', '2');
  const consolePage = view.getByTestId('sent-page-canvas');
  await expect.poll(() => consolePage.evaluate((canvas: HTMLCanvasElement) => canvas.getBoundingClientRect().height)).toBeGreaterThan(200);
  await consolePage.scrollIntoViewIfNeeded();

  // The operator circles the page's heading band.
  await view.getByTestId('mark-tool-circle').click();
  const field: Bounds = { left: 0.3, top: 0.05, right: 0.6, bottom: 0.15 };
  const seen = (await consolePage.boundingBox())!;
  await drag(operator, at(seen, field.left, field.top), at(seen, field.right, field.bottom));
  const tabletPage = tablet.getByTestId('sent-document-page');
  const onTablet = await markBounds(tablet.getByTestId('sent-document-marks'), 'circle', (await tabletPage.boundingBox())!);
  console.log('[documents] circle drawn at', field, 'on the tablet at', onTablet);
  expectInPlace(onTablet, field, 'the circle on the tablet');
  // Zoomed in, the circle stays on the same spot of the page.
  const shownWidth = (await tabletPage.boundingBox())!.width;
  await tablet.getByTestId('sent-document-zoom-in').click();
  await expect(tablet.getByTestId('sent-document-viewport')).toHaveAttribute('data-zoom', '1.50');
  await expect.poll(async () => (await tabletPage.boundingBox())!.width).toBeGreaterThan(shownWidth * 1.4);
  // Polled: the overlay redraws its paths as the page grows, and a measure may meet a replaced one.
  const offBy = async () => {
    const got = await markBounds(tablet.getByTestId('sent-document-marks'), 'circle', (await tabletPage.boundingBox())!).catch(() => null);
    return got ? Math.max(...(['left', 'top', 'right', 'bottom'] as const).map((side) => Math.abs(got[side] - field[side]))) : 1;
  };
  await expect.poll(offBy, { message: 'the circle, zoomed' }).toBeLessThan(TOLERANCE);
  await tablet.getByTestId('sent-document-zoom-out').click();
  await expect(tablet.getByTestId('sent-document-viewport')).toHaveAttribute('data-zoom', '1.00');

  // The resident points back with a finger; the console shows it on its page.
  const sheet = tablet.getByTestId('sent-document');
  await sheet.getByTestId('mark-pen').click();
  await expect(sheet.getByTestId('mark-pen')).toHaveAttribute('aria-pressed', 'true');
  // Within the top of the page: the part the tablet's viewer shows without scrolling.
  const pointed: Bounds = { left: 0.2, top: 0.02, right: 0.5, bottom: 0.08 };
  const shown = (await tabletPage.boundingBox())!;
  await drag(tablet, at(shown, pointed.left, pointed.top), at(shown, pointed.right, pointed.bottom));
  const finger = await markBounds(view.getByTestId('sent-page-marks'), 'freehand', (await consolePage.boundingBox())!);
  console.log('[documents] finger stroke drawn at', pointed, 'on the console at', finger);
  expectInPlace(finger, pointed, 'the finger stroke on the console');
  await checkScreen(tablet, 'tablet-call-sent-document-marks', 'ja');
  await tablet.getByTestId('language-en').click();
  await checkScreen(tablet, 'tablet-call-sent-document-marks', 'en');
  await tablet.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();
});

/** A stroke across the pad, from and to fractions of its box. */
async function stroke(page: Page, pad: { x: number; y: number; width: number; height: number }, points: [number, number][]): Promise<void> {
  const at = ([x, y]: [number, number]) => ({ x: pad.x + x * pad.width, y: pad.y + y * pad.height });
  const [first, ...rest] = points.map(at);
  await page.mouse.move(first!.x, first!.y);
  await page.mouse.down();
  for (const point of rest) await page.mouse.move(point.x, point.y, { steps: 6 });
  await page.mouse.up();
}

test('post office ↔ 市民課: the operator fills 住民票の写し等交付申請書, the resident signs on the tablet, the record keeps the signed PDF', async ({ browser }) => {
  const operator = await openConsole(browser, server, 'citizen1');
  const tablet = await openTablet(browser, server, '清滝郵便局');
  await connectCall(tablet, operator, 'citizen');

  await operator.getByTestId('open-form-fill').click();
  await operator.getByTestId('form-template').selectOption({ label: '住民票の写し等交付申請書' });
  // A required field left empty is refused in Japanese.
  await operator.getByTestId('form-field-requestDate').fill('2026-12-04');
  await operator.getByTestId('form-field-applicantName').fill('緑川 花子');
  await operator.getByTestId('form-send').click();
  await expect(operator.getByTestId('form-error')).toHaveText('「生年月日」を入力してください。');
  await operator.getByTestId('form-field-birthDate').fill('1958-04-12');
  await operator.getByTestId('form-field-address').fill('みどり市清滝町1丁目2番3号');
  await operator.getByTestId('form-field-targetName').fill('緑川 花子');
  await operator.getByTestId('form-field-wholeHousehold').check();
  await operator.getByTestId('form-field-copies').fill('1');
  await operator.getByTestId('form-field-purpose').fill('年金の手続き');
  await operator.getByTestId('form-send').click();
  await expect(operator.getByTestId('form-status')).toHaveAttribute('data-state', 'awaiting_signature');

  // The tablet: the filled form drawn, the fields to check highlighted, the values in large type.
  const signing = tablet.getByTestId('form-signing');
  await expect(signing).toBeVisible();
  await expect(tablet.getByTestId('form-signing-page')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(tablet.getByTestId('form-signing-highlight')).toHaveCount(11);
  await expect(tablet.getByTestId('form-signing-values')).toContainText('みどり市清滝町1丁目2番3号');
  await expect(tablet.getByTestId('form-signing-values')).toContainText('1958年4月12日');
  await expect(tablet.getByTestId('signature-submit')).toBeDisabled();
  await checkScreen(tablet, 'tablet-form-signing', 'ja');

  // The resident signs with a finger (strokes drawn by the mouse).
  await tablet.getByTestId('signature-pad').scrollIntoViewIfNeeded();
  const pad = (await tablet.getByTestId('signature-pad').boundingBox())!;
  await stroke(tablet, pad, [[0.1, 0.6], [0.2, 0.3], [0.3, 0.7], [0.4, 0.35], [0.5, 0.65]]);
  await stroke(tablet, pad, [[0.55, 0.5], [0.7, 0.3], [0.85, 0.6]]);
  await expect(tablet.getByTestId('signature-submit')).toBeEnabled();
  await tablet.getByTestId('language-en').click();
  await expect(tablet.getByTestId('signature-submit')).toHaveText('Confirm and send signature');
  await checkScreen(tablet, 'tablet-form-signing', 'en');
  await tablet.getByTestId('language-ja').click();
  await tablet.getByTestId('signature-submit').click();
  await expect(tablet.getByTestId('form-signed-notice')).toBeVisible();
  await expect(signing).toHaveCount(0);
  await expect(operator.getByTestId('form-status')).toHaveAttribute('data-state', 'signed');
  const formId = (await operator.getByTestId('form-status').getAttribute('data-form-id'))!;

  // 印刷: the tablet prints the signed form through the browser. The booth's Chromium (--kiosk-printing)
  // would print at once; here the page's print call is counted, and the print-only view is what paper gets.
  await tablet.evaluate(() => {
    const counted = window as unknown as { prints: number };
    counted.prints = 0;
    window.print = () => {
      counted.prints++;
    };
  });
  await operator.getByTestId('print-form').click();
  await expect(operator.getByTestId('print-form-state')).toHaveAttribute('data-state', 'printed', { timeout: 30_000 });
  expect(await tablet.evaluate(() => (window as unknown as { prints: number }).prints)).toBe(1);
  await expect(tablet.getByTestId('booth-print')).toHaveAttribute('data-pages', '1');
  await tablet.emulateMedia({ media: 'print' });
  await expect(tablet.getByTestId('booth-print')).toBeVisible();
  await expect(tablet.getByTestId('call-screen')).toBeHidden();
  await tablet.screenshot({ path: '../test-output/screens/tablet-print-signed-form.png' });
  await tablet.emulateMedia({ media: 'screen' });
  await expect(tablet.getByTestId('booth-print')).toBeHidden();

  const consultationId = await operator.getByTestId('call-screen').getAttribute('data-consultation-id');
  await tablet.getByTestId('end-button').click();
  await expect(tablet.getByTestId('rating-screen')).toBeVisible();

  // The record: form_signed with the hash; the supervisor downloads the signed PDF; values and signature read back.
  const [event] = server
    .query<{ data: string }>(`SELECT data FROM ConsultationEvent WHERE type = 'form_signed' AND consultationId = ?`, consultationId)
    .map(({ data }) => JSON.parse(data) as { formId: string; sha256: string });
  expect(event).toMatchObject({ formId, title: '住民票の写し等交付申請書' });
  const supervisor = await consoleAs(browser, 'supervisor');
  await supervisor.goto(`${server.url}/console/#/records/${consultationId}`);
  const row = supervisor.getByTestId('record-timeline').locator('[data-event-type="form_signed"]');
  await expect(row.getByTestId('record-form-sha256')).toHaveText(`SHA-256 ${event!.sha256}`);
  const downloading = supervisor.waitForEvent('download');
  await row.getByTestId('record-form-download').click();
  const file = await readFile((await (await downloading).path())!);
  expect(createHash('sha256').update(file).digest('hex')).toBe(event!.sha256);
  const pdf = await PDFDocument.load(file);
  const fields = pdf.getForm();
  expect(fields.getTextField('applicantName').getText()).toBe('緑川 花子');
  expect(fields.getTextField('birthDate').getText()).toBe('1958年4月12日');
  expect(fields.getTextField('address').getText()).toBe('みどり市清滝町1丁目2番3号');
  expect(fields.getTextField('purpose').getText()).toBe('年金の手続き');
  expect(fields.getCheckBox('wholeHousehold').isChecked()).toBe(true);
  const xObjects = pdf.getPage(0).node.Resources()!.lookupMaybe(PDFName.of('XObject'), PDFDict)!;
  const images = xObjects
    .entries()
    .map(([, ref]) => pdf.context.lookup(ref))
    .filter((object): object is PDFRawStream => object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
  expect(images).toHaveLength(1);
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'form.view'")[0]!.n).toBe(1);
  expect(server.query<{ data: string }>(`SELECT data FROM ConsultationEvent WHERE type = 'printed' AND consultationId = ?`, consultationId).map(({ data }) => JSON.parse(data))).toEqual([
    expect.objectContaining({ kind: 'form', id: formId, title: '住民票の写し等交付申請書' }),
  ]);
});

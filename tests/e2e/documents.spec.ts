import { expect, test, type Browser, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { checkScreen } from './support/screens.ts';
import { E2E_PASSWORD, startServer, type RunningServer } from './support/server.ts';

/**
 * Issue 13, item 2: documents sent to the tablet. An admin adds a leaflet to 市民課's library; in a
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
  expect(server.query<{ n: number }>("SELECT COUNT(*) AS n FROM AuditLog WHERE action = 'document.view'")[0]!.n).toBe(1);
});

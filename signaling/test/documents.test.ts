import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryResponse, LibraryUploadResponse, RecordDetail, SendDocumentResponse, sentPageSource, type LibraryDocument, type MarkDrawing, type SentDocument } from '@madoguchi/protocol';
import { systemClock, type Clock } from '../src/clock.ts';
import { DOCUMENT_ERRORS } from '../src/documents/DocumentService.ts';
import { sniffDocument } from '../src/documents/sniff.ts';
import { placeCall, type PlacedCall } from './callFlow.ts';
import { png } from './images.ts';
import { blankPdf } from './pdfs.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('document sniffing', () => {
  it('knows a PDF, a PNG and a JPEG from their bytes, and nothing else', () => {
    expect(sniffDocument(blankPdf())).toBe('application/pdf');
    expect(sniffDocument(png(4, 4))).toBe('image/png');
    expect(sniffDocument(Buffer.from('%PDF-1.7\n1 0 obj\n'))).toBeNull(); // cut short: no end marker
    expect(sniffDocument(Buffer.from('%PDF-x\n%%EOF\n'))).toBeNull();
    expect(sniffDocument(Buffer.from('<html><body>%PDF-1.4</body></html>'))).toBeNull();
    expect(sniffDocument(Buffer.from('GIF89a\x01\x00\x01\x00'))).toBeNull();
    expect(sniffDocument(Buffer.alloc(0))).toBeNull();
  });
});

describe('documents sent to the tablet', () => {
  let t: TestServer;
  let offsetMs = 0;
  const clock: Clock = { ...systemClock, now: () => new Date(Date.now() + offsetMs) };
  let taxId: string;

  beforeAll(async () => {
    t = await startTestServer({}, clock);
    taxId = (await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } })).id;
  });
  afterAll(() => t.close());

  const auth = async (username?: string) => (username ? { authorization: `Bearer ${await t.staffToken(username)}` } : ({} as Record<string, string>));
  const addToLibrary = async (username: string, query: Record<string, string>, body: Buffer, type = 'application/pdf') =>
    fetch(`${t.server.url}/api/documents/library?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { ...(await auth(username)), 'content-type': type },
      body: new Uint8Array(body),
    });
  const listLibrary = async (username: string, departmentId: string) =>
    fetch(`${t.server.url}/api/documents/library?departmentId=${departmentId}`, { headers: await auth(username) });
  const send = async (username: string, query: Record<string, string>, body?: Buffer) =>
    fetch(`${t.server.url}/api/documents/sent?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { ...(await auth(username)), 'content-type': 'application/octet-stream' },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
  const open = async (documentId: string, token?: string) =>
    fetch(`${t.server.url}/api/documents/sent/${documentId}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const openAs = async (documentId: string, username?: string) => open(documentId, username ? await t.staffToken(username) : undefined);

  async function libraryPdf(title = '確定申告のてびき', pages = 2): Promise<{ document: LibraryDocument; pdf: Buffer }> {
    const pdf = blankPdf(pages);
    const response = await addToLibrary('admin', { departmentId: taxId, kind: 'leaflet', title }, pdf);
    expect(response.status).toBe(201);
    return { document: LibraryUploadResponse.parse(await response.json()).document, pdf };
  }

  /** The operator sends a library document; the tablet and the operator are told. */
  async function sendFromLibrary(call: PlacedCall, libraryDocumentId: string): Promise<SentDocument> {
    const shownOnTablet = nextEvent(call.device, 'document:shown');
    const shownToOperator = nextEvent(call.operator, 'document:shown');
    const response = await send('tax1', { consultationId: call.consultationId, libraryDocumentId });
    expect(response.status).toBe(201);
    const { document } = SendDocumentResponse.parse(await response.json());
    expect(await shownOnTablet).toEqual({ consultationId: call.consultationId, document });
    expect(await shownToOperator).toEqual({ consultationId: call.consultationId, document });
    return document;
  }

  it('keeps a library per department that admins manage, refusing what is not a PDF or an image in Japanese', async () => {
    const refused = async (response: Response, message: string) => {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message } });
    };
    const query = { departmentId: taxId, kind: 'form', title: '申告書' };
    await refused(await addToLibrary('admin', query, Buffer.alloc(0)), DOCUMENT_ERRORS.empty);
    await refused(await addToLibrary('admin', query, Buffer.from('これはPDFではありません')), DOCUMENT_ERRORS.notDocument);
    // Declared a PDF, named like one: what counts is the content.
    await refused(await addToLibrary('admin', query, Buffer.from('<html>%PDF-1.4</html>')), DOCUMENT_ERRORS.notDocument);
    await refused(await addToLibrary('admin', query, Buffer.alloc(21 * 1024 * 1024, 0x25)), DOCUMENT_ERRORS.tooLarge);
    const untitled = await addToLibrary('admin', { ...query, title: '  ' }, blankPdf());
    expect(untitled.status).toBe(400);
    expect(((await untitled.json()) as { error: { message: string } }).error.message).toContain('タイトルを入力してください');
    expect((await addToLibrary('admin', { ...query, kind: 'poster' }, blankPdf())).status).toBe(400);
    // Only admins add.
    expect((await addToLibrary('tax1', query, blankPdf())).status).toBe(403);
    expect((await addToLibrary('supervisor', query, blankPdf())).status).toBe(403);
    expect(await t.db.libraryDocument.count()).toBe(0);

    const { document: leaflet } = await libraryPdf('確定申告のてびき');
    expect(leaflet).toMatchObject({ departmentId: taxId, title: '確定申告のてびき', kind: 'leaflet', mime: 'application/pdf' });
    // An image declared as anything is stored as what it is.
    const image = await addToLibrary('admin', { departmentId: taxId, kind: 'leaflet', title: '窓口案内図' }, png(800, 600), 'application/octet-stream');
    expect(image.status).toBe(201);
    const map = LibraryUploadResponse.parse(await image.json()).document;
    expect(map.mime).toBe('image/png');

    // The department's operators list it; another department's operator may not.
    const listed = await listLibrary('tax1', taxId);
    expect(listed.status).toBe(200);
    expect(LibraryResponse.parse(await listed.json()).documents.map(({ title }) => title)).toEqual(['確定申告のてびき', '窓口案内図']);
    expect((await listLibrary('welfare1', taxId)).status).toBe(403);

    // Removed by an admin: row and file gone, audited both ways.
    expect((await fetch(`${t.server.url}/api/documents/library/${map.id}`, { method: 'DELETE', headers: await auth('tax1') })).status).toBe(403);
    expect((await fetch(`${t.server.url}/api/documents/library/${map.id}`, { method: 'DELETE', headers: await auth('admin') })).status).toBe(204);
    expect(readdirSync(join(t.config.documents.dir, 'library')).filter((name) => name.startsWith(map.id))).toEqual([]);
    expect(await t.db.auditLog.count({ where: { action: 'library.change', targetId: map.id } })).toBe(2);
    expect((await fetch(`${t.server.url}/api/documents/library/${map.id}`, { method: 'DELETE', headers: await auth('admin') })).status).toBe(404);
  });

  it('sends a library document in a call: shown on the tablet, stored with the consultation, on record with its hash', async () => {
    const { document: leaflet, pdf } = await libraryPdf('住民税のしおり', 3);
    const call = await placeCall(t);
    const { consultationId } = call;
    const deviceToken = await t.deviceToken('清滝郵便局');
    const sent = await sendFromLibrary(call, leaflet.id);
    expect(sent).toMatchObject({ consultationId, title: '住民税のしおり', mime: 'application/pdf', bytes: pdf.length, sha256: sha256(pdf), libraryDocumentId: leaflet.id });

    // The tablet of the call fetches it, byte for byte; another tablet cannot.
    const fetched = await open(sent.id, deviceToken);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(pdf)).toBe(true);
    expect((await open(sent.id, await t.deviceToken('江川出張所'))).status).toBe(404);

    // A reloaded tablet asks what the call shows; the tablet reports it drawn, and the operator is told.
    expect(await call.device.request('document:current', { consultationId })).toEqual({ document: sent });
    const displayState = nextEvent(call.operator, 'document:displayState');
    await call.device.request('document:displayed', { consultationId, documentId: sent.id, state: 'shown', pages: 3, page: 1 });
    expect(await displayState).toEqual({ consultationId, documentId: sent.id, state: 'shown', pages: 3, page: 1 });
    // A page turn on the tablet: the console shows that page.
    const turned = nextEvent(call.operator, 'document:displayState');
    await call.device.request('document:displayed', { consultationId, documentId: sent.id, state: 'shown', pages: 3, page: 2 });
    expect(await turned).toMatchObject({ state: 'shown', page: 2 });

    // Taken off the screen by the operator: both sides are told; it stays in the record.
    const closedOnTablet = nextEvent(call.device, 'document:closed');
    await call.operator.request('document:close', { consultationId, documentId: sent.id });
    expect(await closedOnTablet).toEqual({ consultationId, documentId: sent.id });
    expect(await call.device.request('document:current', { consultationId })).toEqual({ document: null });
    await expect(call.device.request('document:close', { consultationId, documentId: sent.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // The library copy may go; the consultation's copy stays.
    expect((await fetch(`${t.server.url}/api/documents/library/${leaflet.id}`, { method: 'DELETE', headers: await auth('admin') })).status).toBe(204);
    await call.device.request('consultation:end', { consultationId });
    await t.server.recorder.flush();
    // After the call, the tablet may not fetch it any more.
    expect((await open(sent.id, deviceToken)).status).toBe(404);

    const tax1 = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    const response = await fetch(`${t.server.url}/api/records/${consultationId}`, { headers: await auth('supervisor') });
    const detail = RecordDetail.parse(await response.json());
    expect(detail.documents).toEqual([sent]);
    expect(detail.events.filter((event) => event.type === 'document_sent')).toEqual([
      {
        type: 'document_sent',
        at: sent.createdAt,
        actor: { type: 'staff', id: tax1.id, name: tax1.displayName },
        data: { documentId: sent.id, title: '住民税のしおり', mime: 'application/pdf', bytes: pdf.length, sha256: sha256(pdf), libraryDocumentId: leaflet.id },
      },
    ]);
    call.device.close();
    call.operator.close();
  });

  it('sends a file from the operator’s own disk, checked as the library’s are, only in their own connected call', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    const refusedBefore = await t.db.sentDocument.count();
    const bad = await send('tax1', { consultationId, title: '案内' }, Buffer.from('MZ\x90\x00 not a document'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'BAD_REQUEST', message: DOCUMENT_ERRORS.notDocument } });
    expect((await send('tax1', { consultationId, title: '案内' }, Buffer.alloc(21 * 1024 * 1024, 0x25))).status).toBe(400);
    expect((await send('tax1', { consultationId }, png(10, 10))).status).toBe(400); // no title
    expect((await send('tax2', { consultationId, title: '案内' }, png(10, 10))).status).toBe(404); // not in the call
    expect((await send('supervisor', { consultationId, title: '案内' }, png(10, 10))).status).toBe(403);
    expect(await t.db.sentDocument.count()).toBe(refusedBefore);

    const shown = nextEvent(call.device, 'document:shown');
    const image = png(1200, 1600);
    const response = await send('tax1', { consultationId, title: '記入例' }, image);
    expect(response.status).toBe(201);
    const { document } = SendDocumentResponse.parse(await response.json());
    expect(document).toMatchObject({ title: '記入例', mime: 'image/png', libraryDocumentId: null, sha256: sha256(image) });
    expect((await shown).document).toEqual(document);

    // 印刷 at the booth: the tablet is asked, reports printed; the operator is told; the record keeps it.
    const requested = nextEvent(call.device, 'print:requested');
    const { printId } = await call.operator.request('print:request', { consultationId, kind: 'document', id: document.id });
    expect(await requested).toEqual({ consultationId, printId, kind: 'document', id: document.id, title: '記入例' });
    await expect(call.operator.request('print:request', { consultationId, kind: 'form', id: document.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call.device.request('print:request', { consultationId, kind: 'document', id: document.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const reported = nextEvent(call.operator, 'print:reported');
    await call.device.request('print:result', { consultationId, printId, state: 'printed' });
    expect(await reported).toEqual({ consultationId, printId, state: 'printed' });
    await expect(call.device.request('print:result', { consultationId, printId, state: 'printed' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await t.server.recorder.flush();
    const printed = await t.db.consultationEvent.findMany({ where: { consultationId, type: 'printed' } });
    expect(printed.map(({ data }) => JSON.parse(data!))).toEqual([expect.objectContaining({ printId, kind: 'document', id: document.id, title: '記入例' })]);
    await call.device.request('consultation:end', { consultationId });
    call.device.close();
    call.operator.close();
  });

  it('takes marks on a sent page both ways, only for a document sent in this call', async () => {
    const { document: leaflet } = await libraryPdf('国保のてびき', 3);
    const first = await placeCall(t);
    const sent = await sendFromLibrary(first, leaflet.id);
    const source = sentPageSource(sent.id, 2);
    const circle: MarkDrawing = { kind: 'circle', colour: 'red', points: [[0.2, 0.3], [0.4, 0.35]] };

    const onTablet = nextEvent(first.device, 'annotation:added');
    const { markId } = await first.operator.request('annotation:add', { consultationId: first.consultationId, source, mark: circle });
    expect((await onTablet).mark).toEqual({ ...circle, markId, source, by: 'operator' });
    const onConsole = nextEvent(first.operator, 'annotation:added');
    await first.device.request('annotation:add', { consultationId: first.consultationId, source, mark: { kind: 'dot', colour: 'blue', points: [[0.7, 0.8]] } });
    expect((await onConsole).mark).toMatchObject({ source, by: 'resident', points: [[0.7, 0.8]] });
    await expect(
      first.device.request('annotation:add', { consultationId: first.consultationId, source: `sent:${sent.id}` as never, mark: circle }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Once the tablet has said how many pages it opened, a page past the last is refused.
    await first.device.request('document:displayed', { consultationId: first.consultationId, documentId: sent.id, state: 'shown', pages: 3, page: 1 });
    await expect(
      first.operator.request('annotation:add', { consultationId: first.consultationId, source: sentPageSource(sent.id, 4), mark: circle }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await first.operator.request('annotation:add', { consultationId: first.consultationId, source: sentPageSource(sent.id, 3), mark: circle });
    await first.device.request('consultation:end', { consultationId: first.consultationId });
    first.device.close();
    first.operator.close();

    // The next call has not been sent that document: its pages are not there to mark.
    const second = await placeCall(t);
    for (const documentId of [sent.id, randomUUID()]) {
      await expect(
        second.operator.request('annotation:add', { consultationId: second.consultationId, source: sentPageSource(documentId, 1), mark: circle }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await second.device.request('annotation:list', { consultationId: second.consultationId })).marks).toEqual([]);
    await second.device.request('consultation:end', { consultationId: second.consultationId });
    second.device.close();
    second.operator.close();
  });

  it('is opened only with need-to-know, every look audited, and goes after the retention period', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    const image = png(640, 480);
    const response = await send('tax1', { consultationId, title: '記入例' }, image);
    const { document } = SendDocumentResponse.parse(await response.json());
    await call.device.request('consultation:end', { consultationId });
    await t.server.recorder.flush();

    const before = await t.db.auditLog.count({ where: { action: 'document.view', targetId: document.id } });
    expect(before).toBe(0);
    for (const username of ['tax1', 'supervisor', 'admin']) {
      const opened = await openAs(document.id, username);
      expect(opened.status, username).toBe(200);
      expect(opened.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await opened.arrayBuffer()).equals(image)).toBe(true);
    }
    expect((await openAs(document.id, 'tax2')).status).toBe(404);
    expect((await openAs(document.id, 'welfare1')).status).toBe(404);
    expect((await openAs(document.id)).status).toBe(401);
    const audited = await t.db.auditLog.findMany({ where: { action: 'document.view', targetId: document.id }, orderBy: { id: 'asc' } });
    const ids = await Promise.all(['tax1', 'supervisor', 'admin'].map(async (username) => (await t.db.staff.findUniqueOrThrow({ where: { username } })).id));
    expect(audited.map(({ staffId, details }) => ({ staffId, details }))).toEqual(ids.map((staffId) => ({ staffId, details: JSON.stringify({ consultationId }) })));

    // Past DOCUMENT_RETENTION_DAYS (30 by default) the file and the row go; the record's event stays.
    const file = join(t.config.documents.dir, 'sent', `${document.id}.png`);
    expect(existsSync(file)).toBe(true);
    offsetMs = 31 * DAY_MS;
    try {
      expect(await t.server.documents.purgeExpired()).toBeGreaterThanOrEqual(1);
    } finally {
      offsetMs = 0;
    }
    expect(existsSync(file)).toBe(false);
    expect(await t.db.sentDocument.count({ where: { id: document.id } })).toBe(0);
    expect((await openAs(document.id, 'supervisor')).status).toBe(404);
    expect(await t.db.consultationEvent.count({ where: { consultationId, type: 'document_sent' } })).toBe(1);
    call.device.close();
    call.operator.close();
  });
});

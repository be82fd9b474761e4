import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseProvider, rebuildAllDerived } from '@madoguchi/db';
import {
  OUTCOME_LABELS,
  type AuditListResponse,
  type RecordDetail,
  type RecordListItem,
  type RecordsListResponse,
  type RecordsStatsResponse,
  type Reservation,
  type ReservationOptions,
} from '@madoguchi/protocol';
import { tokyoTime } from '../src/routing/core/index.ts';
import { csvField, csvLine } from '../src/records/csv.ts';
import { listStatement } from '../src/records/RecordsQuery.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';
import { placeCall } from './callFlow.ts';
import { blankPdf } from './pdfs.ts';

let t: TestServer;
/** A call tax1 answered, with chat and a rating. */
let callId: string;
/** A consultation taken by tax1 that tax2 only declined (an actor in its events, not its operator). */
let declinedId: string;
let transferredId: string;
/** A document tax1 sent to the tablet in `callId` (issue 13): opened with the record's need-to-know. */
let documentId: string;
/** A signed form of `callId` (its row and PDF as FormService stores them; the signing itself is in forms.test.ts). */
let formId: string;
/** Today's 福祉課 booking made at the post office's tablet (issue 14): names and phone numbers, read on a need-to-know. */
let reservationId: string;
const today = () => tokyoTime(Date.now()).date;
const tokens: Record<string, string> = {};
const staffIdOf: Record<string, string> = {};

async function api(path: string, who?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${t.server.url}/api${path}`, {
    ...init,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), 'content-type': 'application/json' },
  });
}

async function json<T>(path: string, who: string): Promise<T> {
  const res = await api(path, who);
  expect(res.status, `${path} as ${who}`).toBe(200);
  return (await res.json()) as T;
}

/** Derive the summary columns and the daily statistics of rows inserted directly, as an import would. */
async function rebuildDerived(): Promise<void> {
  for (const statement of rebuildAllDerived(databaseProvider(t.config.databaseUrl))) await t.db.$executeRawUnsafe(statement);
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

beforeAll(async () => {
  t = await startTestServer();
  tokens.device = await t.deviceToken('清滝郵便局');
  for (const username of ['tax1', 'tax2', 'citizen1', 'supervisor', 'admin']) {
    tokens[username] = await t.staffToken(username);
    staffIdOf[username] = (await t.db.staff.findUniqueOrThrow({ where: { username } })).id;
  }
  // Signed with another secret, claiming to be the admin.
  tokens.forged = jwt.sign({ kind: 'staff', role: 'admin' }, 'not-the-server-secret-0123456789abcdef', {
    algorithm: 'HS256',
    issuer: 'madoguchi',
    audience: 'staff',
    subject: staffIdOf.admin,
    expiresIn: '1h',
  });

  const call = await placeCall(t, { operator: 'tax1', department: 'tax' });
  callId = call.consultationId;
  await call.device.request('chat:send', { consultationId: callId, text: '申告書の書き方を教えてください' });
  await call.operator.request('chat:send', { consultationId: callId, text: '書類カメラに映してください。' });
  const sent = await fetch(`${t.server.url}/api/documents/sent?${new URLSearchParams({ consultationId: callId, title: '申告書の記入例' })}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.tax1}`, 'content-type': 'application/pdf' },
    body: new Uint8Array(blankPdf()),
  });
  expect(sent.status).toBe(201);
  documentId = ((await sent.json()) as { document: { id: string } }).document.id;
  const ended = nextEvent(call.device, 'call:ended');
  await call.device.request('consultation:end', { consultationId: callId });
  await ended;
  await call.device.request('consultation:rate', { consultationId: callId, score: 4, comment: '顔が見えて安心しました' });
  await t.server.recorder.flush();
  call.device.close();
  call.operator.close();
  const template = await t.db.formTemplate.findUniqueOrThrow({ where: { code: 'juminhyo' } });
  formId = randomUUID();
  await t.db.consultationForm.create({
    data: { id: formId, consultationId: callId, templateId: template.id, title: template.title, values: '{}', filledBy: staffIdOf.tax1!, status: 'signed', signedAt: new Date(), sha256: '0'.repeat(64), bytes: 8 },
  });
  mkdirSync(join(t.config.documents.dir, 'signed'), { recursive: true });
  writeFileSync(join(t.config.documents.dir, 'signed', `${formId}.pdf`), '%PDF-1.7');

  const welfare = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
  const options = (await (await api(`/reservations/options?departmentId=${welfare.id}&date=${today()}`, 'device')).json()) as ReservationOptions;
  const booked = await api('/reservations', 'device', {
    method: 'POST',
    body: JSON.stringify({ departmentId: welfare.id, slotStart: options.slots[0]!.start, name: '予約 花子', phone: '090-1234-5678', categoryId: options.categories[0]!.id, language: 'ja' }),
  });
  expect(booked.status).toBe(201);
  reservationId = ((await booked.json()) as Reservation).id;

  const site = await t.db.site.findFirstOrThrow({ where: { name: '江川出張所' }, include: { devices: true } });
  const tax = await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } });
  const at = new Date('2026-01-05T01:00:00Z');
  const after = (ms: number) => new Date(at.getTime() + ms);
  declinedId = randomUUID();
  await t.db.consultation.create({
    data: {
      id: declinedId,
      siteId: site.id,
      deviceId: site.devices[0]!.id,
      departmentId: tax.id,
      operatorId: staffIdOf.tax1,
      requestedAt: at,
      answeredAt: after(40_000),
      endedAt: after(340_000),
      outcome: 'completed',
      endedBy: 'operator',
      events: {
        create: [
          { type: 'requested', at, actorType: 'device', actorId: site.devices[0]!.id },
          { type: 'offered', at: after(1000), actorType: 'system', data: JSON.stringify({ operatorId: staffIdOf.tax2 }) },
          { type: 'declined', at: after(5000), actorType: 'staff', actorId: staffIdOf.tax2 },
          { type: 'answered', at: after(40_000), actorType: 'staff', actorId: staffIdOf.tax1 },
          { type: 'ended', at: after(340_000), actorType: 'staff', actorId: staffIdOf.tax1 },
        ],
      },
    },
  });
  transferredId = randomUUID();
  await t.db.consultation.create({
    data: {
      id: transferredId,
      siteId: site.id,
      deviceId: site.devices[0]!.id,
      departmentId: tax.id,
      operatorId: staffIdOf.tax1,
      requestedAt: after(3_600_000),
      answeredAt: after(3_610_000),
      endedAt: after(3_900_000),
      outcome: 'completed',
      endedBy: 'operator',
      events: {
        create: [
          { type: 'requested', at: after(3_600_000), actorType: 'device', actorId: site.devices[0]!.id },
          { type: 'offered', at: after(3_601_000), actorType: 'system', data: JSON.stringify({ operatorId: staffIdOf.tax1 }) },
          { type: 'answered', at: after(3_610_000), actorType: 'staff', actorId: staffIdOf.tax1 },
          { type: 'transferred', at: after(3_700_000), actorType: 'staff', actorId: staffIdOf.tax1, data: JSON.stringify({ toDepartmentId: tax.id }) },
          { type: 'answered', at: after(3_710_000), actorType: 'staff', actorId: staffIdOf.tax2, data: JSON.stringify({ departmentId: tax.id }) },
          { type: 'ended', at: after(3_900_000), actorType: 'staff', actorId: staffIdOf.tax2 },
        ],
      },
    },
  });
  await rebuildDerived();
});

afterAll(async () => {
  await t?.close();
});

describe('records of real consultations', () => {
  it('a call with chat and a rating: event sequence, durations, satisfaction, transcript', async () => {
    const detail = await json<RecordDetail>(`/records/${callId}`, 'supervisor');
    expect(detail.events.map((e) => e.type)).toEqual(['requested', 'offered', 'answered', 'chat', 'chat', 'document_sent', 'ended', 'rated']);
    const at = (type: string) => detail.events.find((e) => e.type === type)!.at;
    expect(detail.answeredAt).toBe(at('answered'));
    expect(detail.endedAt).toBe(at('ended'));
    expect(detail.waitSeconds).toBe(seconds(at('requested'), at('answered')));
    expect(detail.talkSeconds).toBe(seconds(at('answered'), at('ended')));
    expect(detail).toMatchObject({
      outcome: 'completed',
      endedBy: 'resident',
      satisfaction: 4,
      satisfactionComment: '顔が見えて安心しました',
      site: { name: '清滝郵便局' },
      department: { code: 'tax' },
      operator: { id: staffIdOf.tax1 },
      departmentsServed: [{ code: 'tax' }],
      operatorsInvolved: [{ id: staffIdOf.tax1 }],
    });
    expect(detail.events[0]).toMatchObject({ type: 'requested', actor: { type: 'device', name: detail.device.name } });
    expect(detail.events.find((e) => e.type === 'answered')!.actor).toMatchObject({ type: 'staff', id: staffIdOf.tax1 });
    expect(detail.chat.map((m) => [m.from, m.text])).toEqual([
      ['resident', '申告書の書き方を教えてください'],
      ['operator', '書類カメラに映してください。'],
    ]);

    const [row] = (await json<RecordsListResponse>('/records?limit=1', 'supervisor')).records;
    expect(row).toMatchObject({ id: callId, satisfaction: 4, waitSeconds: detail.waitSeconds, talkSeconds: detail.talkSeconds });
  });

  it('a request is acknowledged once its row and requested event are in the database (a crash after the ack loses nothing)', async () => {
    const device = await t.connect(await t.deviceToken('江川出張所'));
    const { id: welfareId } = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
    const away = await t.connect(await t.staffToken('welfare2'));
    const { consultationId } = await device.request('consultation:request', { departmentId: welfareId });
    // Read at once, with no flush: what a restart or a take-over would restore.
    const row = await t.db.consultation.findUnique({ where: { id: consultationId }, include: { events: true } });
    expect(row).toMatchObject({ endedAt: null, events: [expect.objectContaining({ type: 'requested' })] });
    await device.request('consultation:cancel', { consultationId });
    await t.server.recorder.flush();
    device.close();
    away.close();
  });

  it('an abandoned wait ends as abandoned, with its wait and no handling time', async () => {
    const device = await t.connect(await t.deviceToken('中央公民館'));
    const { id: welfareId } = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
    // welfare1 is logged in but 離席中, so the request waits (with nobody logged in it would be refused).
    const away = await t.connect(await t.staffToken('welfare1'));
    const { consultationId } = await device.request('consultation:request', { departmentId: welfareId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await device.request('consultation:cancel', { consultationId });
    await t.server.recorder.flush();
    device.close();
    away.close();

    const detail = await json<RecordDetail>(`/records/${consultationId}`, 'supervisor');
    expect(detail.outcome).toBe('abandoned');
    expect(detail.events.map((e) => e.type)).toEqual(['requested', 'cancelled']);
    expect(detail.waitSeconds).toBe(seconds(detail.events[0]!.at, detail.events[1]!.at));
    expect(detail.waitSeconds).toBeGreaterThanOrEqual(0.3);
    expect(detail).toMatchObject({ talkSeconds: null, answeredAt: null, operator: null, satisfaction: null, operatorsInvolved: [] });
  });

  it('the summary columns and daily statistics written live equal the ones rebuilt from the events', async () => {
    // Nobody of 子育て支援課 is logged in: the request is refused, then the resident leaves.
    const device = await t.connect(await t.deviceToken('江川出張所'));
    const { id: childcareId } = await t.db.department.findUniqueOrThrow({ where: { code: 'childcare' } });
    const { consultationId: refusedId } = await device.request('consultation:request', { departmentId: childcareId });
    await device.request('consultation:cancel', { consultationId: refusedId });
    await t.server.recorder.flush();
    device.close();
    expect(await t.db.consultation.findUniqueOrThrow({ where: { id: refusedId } })).toMatchObject({ outcome: 'no_operator' });

    const columns = { id: true, waitMs: true, talkMs: true, satisfaction: true } as const;
    const live = await t.db.consultation.findMany({ select: columns, orderBy: { id: 'asc' } });
    const liveDaily = await t.db.consultationDaily.findMany({ orderBy: [{ day: 'asc' }, { departmentId: 'asc' }, { siteId: 'asc' }] });
    await rebuildDerived();
    expect(await t.db.consultation.findMany({ select: columns, orderBy: { id: 'asc' } })).toEqual(live);
    expect(await t.db.consultationDaily.findMany({ orderBy: [{ day: 'asc' }, { departmentId: 'asc' }, { siteId: 'asc' }] })).toEqual(liveDaily);
    expect(live.find((row) => row.id === callId)).toMatchObject({ satisfaction: 4, waitMs: expect.any(Number), talkMs: expect.any(Number) });
    // The live call, the abandoned wait and the refused request of today are in the daily rows.
    expect(liveDaily.reduce((sum, row) => sum + row.total, 0)).toBeGreaterThanOrEqual(3);
    expect(liveDaily.reduce((sum, row) => sum + row.refused, 0)).toBe(1);
  });
});

describe('records: who may see what', () => {
  type Who = 'none' | 'forged' | 'device' | 'tax1' | 'citizen1' | 'supervisor' | 'admin';
  const everyone = (status: number, overrides: Partial<Record<Who, number>> = {}): Record<Who, number> => ({
    none: 401,
    forged: 401,
    device: 403,
    tax1: status,
    citizen1: status,
    supervisor: status,
    admin: status,
    ...overrides,
  });
  const supervisorsOnly = everyone(200, { tax1: 403, citizen1: 403 });
  // tax1 answered the call; citizen1 took part in nothing.
  const matrix: { endpoint: string; path: () => string; method?: string; body?: unknown; allowed: Record<Who, number> }[] = [
    { endpoint: 'list', path: () => '/records', allowed: everyone(200) },
    { endpoint: 'detail', path: () => `/records/${callId}`, allowed: everyone(200, { citizen1: 404 }) },
    { endpoint: 'filter options', path: () => '/records/options', allowed: supervisorsOnly },
    { endpoint: 'export', path: () => '/records/export.csv', allowed: supervisorsOnly },
    { endpoint: 'stats', path: () => '/records/stats', allowed: supervisorsOnly },
    { endpoint: 'settings', path: () => '/admin/settings', allowed: supervisorsOnly },
    {
      endpoint: 'settings change',
      path: () => '/admin/settings',
      method: 'PUT',
      body: { serviceLevelSeconds: 60 },
      allowed: everyone(403, { admin: 200 }),
    },
    { endpoint: 'audit trail', path: () => '/audit', allowed: everyone(403, { admin: 200 }) },
    // A document sent in the call: those who took part, supervisors and admins; the tablet only during the call.
    { endpoint: 'sent document', path: () => `/documents/sent/${documentId}`, allowed: everyone(200, { citizen1: 404, device: 404 }) },
    // A signed form of the call: the same need-to-know; the tablet only during the call (to print it).
    { endpoint: 'signed form', path: () => `/forms/${formId}/signed`, allowed: everyone(200, { citizen1: 404, device: 404 }) },
    // Today's bookings: an operator's list holds their departments' only (tax1 and citizen1: none of 福祉課's); the tablet lists none.
    { endpoint: 'bookings of the day', path: () => `/reservations?date=${today()}`, allowed: everyone(200) },
    { endpoint: 'booking .ics', path: () => `/reservations/${reservationId}/ics`, allowed: everyone(200, { tax1: 404, citizen1: 404 }) },
  ];

  for (const { endpoint, path, method, body, allowed } of matrix) {
    for (const who of Object.keys(allowed) as Who[]) {
      it(`${endpoint} as ${who} → ${allowed[who]}`, async () => {
        const auditBefore = await t.db.auditLog.count();
        const res = await api(path(), who === 'none' ? undefined : who, { method, body: body === undefined ? undefined : JSON.stringify(body) });
        expect(res.status).toBe(allowed[who]);
        await res.arrayBuffer();
        const added = await t.db.auditLog.findMany({ where: { id: { gt: 0 } }, orderBy: { id: 'asc' }, skip: auditBefore });
        if (allowed[who] !== 200) {
          expect(added).toEqual([]);
        } else if (endpoint === 'detail') {
          // Exactly one audit row per detail view, naming the viewer and the record.
          expect(added).toMatchObject([{ action: 'record.view', staffId: staffIdOf[who], targetId: callId }]);
        } else if (endpoint === 'sent document') {
          // Every view and download of a sent document is one audit row, naming the viewer and the consultation.
          expect(added).toMatchObject([{ action: 'document.view', staffId: staffIdOf[who], targetId: documentId, details: JSON.stringify({ consultationId: callId }) }]);
        } else if (endpoint === 'signed form') {
          // Every view and download of a signed form is one audit row.
          expect(added).toMatchObject([{ action: 'form.view', staffId: staffIdOf[who], targetId: formId, details: JSON.stringify({ consultationId: callId }) }]);
        } else if (endpoint === 'bookings of the day') {
          // One row per booking shown (coalesced like callback requests); an empty list leaves none.
          const shown = who === 'supervisor' || who === 'admin' ? [{ action: 'reservation.view', staffId: staffIdOf[who], targetId: reservationId, details: null }] : [];
          expect(added).toMatchObject(shown);
        } else if (endpoint === 'booking .ics') {
          expect(added).toMatchObject([{ action: 'reservation.view', staffId: staffIdOf[who], targetId: reservationId, details: JSON.stringify({ download: 'ics' }) }]);
        } else if (endpoint === 'export') {
          expect(added).toMatchObject([{ action: 'records.export', staffId: staffIdOf[who] }]);
        } else {
          // Unchanged settings and plain reads leave no trace.
          expect(added).toEqual([]);
        }
      });
    }
  }

  it('an operator sees the call they answered in the list; another operator does not', async () => {
    const mine = await json<RecordsListResponse>('/records', 'tax1');
    expect(mine.records.map((r) => r.id)).toContain(callId);
    const theirs = await json<RecordsListResponse>('/records', 'citizen1');
    expect(theirs.records).toEqual([]);
  });

  it("both plans for an operator's own records (many / few consultations) find the same rows", async () => {
    for (const username of ['tax1', 'tax2', 'citizen1']) {
      const scope = { kind: 'participant', staffId: staffIdOf[username]! } as const;
      const [dense, sparse] = await Promise.all(
        (['dense', 'sparse'] as const).map((plan) => t.db.$queryRaw<{ id: string }[]>(listStatement({}, scope, undefined, 500, plan))),
      );
      expect(sparse!.map((r) => r.id), username).toEqual(dense!.map((r) => r.id));
    }
  });

  it('need-to-know: declining an offer grants nothing; answering after a transfer grants the record', async () => {
    // tax2 declined the offer of `declinedId` (tax1 then answered it) and answered `transferredId` after tax1 transferred it.
    const list = await json<RecordsListResponse>('/records', 'tax2');
    expect(list.records.map((r) => r.id)).toEqual([transferredId]);
    expect((await api(`/records/${declinedId}`, 'tax2')).status).toBe(404);
    expect((await api(`/records/${callId}`, 'tax2')).status).toBe(404);
    const detail = await json<RecordDetail>(`/records/${transferredId}`, 'tax2');
    expect(detail.events.map((e) => e.type)).toEqual(['requested', 'offered', 'answered', 'transferred', 'answered', 'ended']);
    // The one who answered first keeps their view; the decliner is still named in the record for those who may read it.
    expect((await api(`/records/${transferredId}`, 'tax1')).status).toBe(200);
    const declined = await json<RecordDetail>(`/records/${declinedId}`, 'tax1');
    expect(declined.operatorsInvolved.map((s) => s.id)).toEqual([staffIdOf.tax1, staffIdOf.tax2]);
    expect(declined).toMatchObject({ waitSeconds: 40, talkSeconds: 300 });
  });

  it('an unknown or over-long id is 404 for everyone, and refused requests write no audit rows', async () => {
    const before = await t.db.auditLog.count();
    expect((await api(`/records/${randomUUID()}`, 'admin')).status).toBe(404);
    expect((await api(`/records/${'x'.repeat(200)}`, 'admin')).status).toBe(404);
    expect((await api('/records', 'device')).status).toBe(403);
    expect((await api('/records/export.csv', 'tax1')).status).toBe(403);
    expect(await t.db.auditLog.count()).toBe(before);
  });

  it('exports are audited with their filter; settings changes with old and new value; the trail pages newest first', async () => {
    const res = await api('/records/export.csv?outcome=completed', 'supervisor');
    await res.arrayBuffer();
    const exported = await t.db.auditLog.findFirstOrThrow({ where: { action: 'records.export' }, orderBy: { id: 'desc' } });
    expect(JSON.parse(exported.details!)).toEqual({ filter: { outcome: 'completed' } });

    const changed = await api('/admin/settings', 'admin', { method: 'PUT', body: JSON.stringify({ serviceLevelSeconds: 45, retentionDays: 400 }) });
    expect(await changed.json()).toEqual({ serviceLevelSeconds: 45, retentionDays: 400, keepChatTranscript: true, tellResidentOfSupervision: true });
    expect(await json('/admin/settings', 'supervisor')).toEqual({ serviceLevelSeconds: 45, retentionDays: 400, keepChatTranscript: true, tellResidentOfSupervision: true });
    const changes = await t.db.auditLog.findMany({ where: { action: 'config.change' }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.staffId, c.targetId, JSON.parse(c.details!)])).toEqual([
      [staffIdOf.admin, 'retentionDays', { from: 1825, to: 400 }],
      [staffIdOf.admin, 'serviceLevelSeconds', { from: 60, to: 45 }],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
    for (const bad of [{ retentionDays: 1 }, { serviceLevelSeconds: 'soon' }, { keepChatTranscript: 'no' }, { unknown: 1 }]) {
      const refused = await api('/admin/settings', 'admin', { method: 'PUT', body: JSON.stringify(bad) });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    await api('/admin/settings', 'admin', { method: 'PUT', body: JSON.stringify({ serviceLevelSeconds: 60, retentionDays: 1825 }) });

    const total = await t.db.auditLog.count();
    const seen: AuditListResponse['entries'] = [];
    let cursor: number | null = null;
    do {
      const page: AuditListResponse = await json(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, 'admin');
      seen.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(total);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => b - a));
    const supervisor = await t.db.staff.findUniqueOrThrow({ where: { username: 'supervisor' } });
    expect(seen.find((e) => e.action === 'records.export')).toMatchObject({ staffId: supervisor.id, staffName: supervisor.displayName });
  });

  it('bad queries are 400: unknown filter, malformed date, bad cursor, over-large limit, repeated key', async () => {
    for (const query of ['colour=red', 'from=yesterday', 'cursor=nonsense', 'limit=100000', 'outcome=happy', 'satisfaction=6', 'siteId=a&siteId=b']) {
      expect((await api(`/records?${query}`, 'supervisor')).status, query).toBe(400);
    }
    for (const query of ['serviceLevelSeconds=0', 'from=2024-06-01T00:00:00Z', 'to=2024-13-01', 'outcome=completed']) {
      expect((await api(`/records/stats?${query}`, 'supervisor')).status, query).toBe(400);
    }
    expect((await api('/audit?cursor=-1', 'admin')).status).toBe(400);
  });
});

describe('records: list filters, keyset paging, CSV', () => {
  const FROM = '2025-03-01T00:00:00Z';
  const TO = '2025-04-01T00:00:00Z';
  const N = 230;
  interface Made {
    id: string;
    requestedAt: Date;
    departmentId: string;
    siteId: string;
    operatorId: string | null;
    outcome: string;
  }
  const made: Made[] = [];

  beforeAll(async () => {
    const sites = await t.db.site.findMany({ include: { devices: true }, orderBy: { name: 'asc' } });
    const departments = await t.db.department.findMany({ orderBy: { sortOrder: 'asc' } });
    const operators = await t.db.staff.findMany({ where: { role: 'operator' }, orderBy: { username: 'asc' } });
    const outcomes = ['completed', 'completed', 'completed', 'abandoned', 'no_operator', 'failed'];
    const start = Date.parse('2025-03-02T00:00:00Z');
    const rows = [];
    for (let i = 0; i < N; i++) {
      // Every fifth pair shares a timestamp: the id must break the tie.
      const requestedAt = new Date(start + Math.floor(i / 2) * 3_600_000 * (i % 5 === 0 ? 1 : 1.01));
      const site = sites[i % sites.length]!;
      const outcome = outcomes[i % outcomes.length]!;
      const answered = outcome === 'completed' || outcome === 'failed';
      const operator = answered ? operators[i % operators.length]! : null;
      const answeredAt = answered ? new Date(requestedAt.getTime() + (i % 7) * 10_000) : null;
      const endedAt = new Date(requestedAt.getTime() + (answered ? 600_000 : 30_000));
      const row = {
        id: randomUUID(),
        siteId: site.id,
        deviceId: site.devices[0]!.id,
        departmentId: departments[i % departments.length]!.id,
        operatorId: operator?.id ?? null,
        requestedAt,
        answeredAt,
        endedAt,
        outcome,
        endedBy: 'resident',
      };
      rows.push(row);
      made.push(row);
    }
    await t.db.consultation.createMany({ data: rows });
    await rebuildDerived();
    made.sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime() || (a.id < b.id ? 1 : -1));
  });

  async function allPages(query: string, limit: number): Promise<RecordListItem[]> {
    const out: RecordListItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: RecordsListResponse = await json(
        `/records?from=${FROM}&to=${TO}&limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
        'supervisor',
      );
      expect(page.records.length).toBeLessThanOrEqual(limit);
      out.push(...page.records);
      cursor = page.nextCursor;
      if (++pages > 100) throw new Error('paging does not end');
    } while (cursor);
    return out;
  }

  it('pages through every row exactly once, newest first, ties broken by id', async () => {
    const rows = await allPages('', 40);
    expect(rows.map((r) => r.id)).toEqual(made.map((m) => m.id));
    expect(new Set(rows.map((r) => r.id)).size).toBe(N);
  });

  it('each filter returns exactly the matching rows', async () => {
    const probe = made[17]!;
    const cases: [string, (m: Made) => boolean][] = [
      [`&departmentId=${probe.departmentId}`, (m) => m.departmentId === probe.departmentId],
      [`&siteId=${probe.siteId}`, (m) => m.siteId === probe.siteId],
      [`&operatorId=${made.find((m) => m.operatorId)!.operatorId}`, (m) => m.operatorId === made.find((x) => x.operatorId)!.operatorId],
      ['&outcome=abandoned', (m) => m.outcome === 'abandoned'],
      [`&departmentId=${probe.departmentId}&outcome=completed`, (m) => m.departmentId === probe.departmentId && m.outcome === 'completed'],
    ];
    for (const [query, match] of cases) {
      const rows = await allPages(query, 25);
      expect(rows.map((r) => r.id), query).toEqual(made.filter(match).map((m) => m.id));
    }
    // A narrower time window.
    const narrow: RecordsListResponse = await json(
      `/records?from=${made[50]!.requestedAt.toISOString()}&to=${made[10]!.requestedAt.toISOString()}&limit=500`,
      'supervisor',
    );
    const expected = made.filter((m) => m.requestedAt >= made[50]!.requestedAt && m.requestedAt < made[10]!.requestedAt);
    expect(narrow.records.map((r) => r.id)).toEqual(expected.map((m) => m.id));
  });

  it('rows carry names and derived wait/talk seconds', async () => {
    const [first] = (await json<RecordsListResponse>(`/records?from=${FROM}&to=${TO}&limit=1`, 'supervisor')).records;
    const source = await t.db.consultation.findUniqueOrThrow({
      where: { id: first!.id },
      include: { site: true, department: true, operator: true },
    });
    expect(first).toEqual({
      id: source.id,
      requestedAt: source.requestedAt.toISOString(),
      site: { id: source.site.id, name: source.site.name },
      department: { id: source.department.id, code: source.department.code, name: source.department.name },
      operator: source.operator ? { id: source.operator.id, name: source.operator.displayName } : null,
      waitSeconds: ((source.answeredAt ?? source.endedAt)!.getTime() - source.requestedAt.getTime()) / 1000,
      talkSeconds: source.answeredAt ? (source.endedAt!.getTime() - source.answeredAt.getTime()) / 1000 : null,
      outcome: source.outcome,
      satisfaction: null,
    });
  });

  it('CSV: BOM, Japanese header, one CRLF line per row, matching the list', async () => {
    const res = await api(`/records/export.csv?from=${FROM}&to=${TO}`, 'supervisor');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('相談ID,受付日時,窓口,担当課,担当職員,待ち時間(秒),対応時間(秒),結果,満足度(1-5)');
    expect(lines.length).toBe(N + 1);
    const list = await allPages('', 500);
    lines.slice(1).forEach((line, i) => {
      const row = list[i]!;
      const fields = line.split(',');
      expect(fields[0]).toBe(row.id);
      // ISO 8601 in JST, the same instant as the list's UTC time.
      expect(fields[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
      expect(Date.parse(fields[1]!)).toBe(Math.floor(Date.parse(row.requestedAt) / 1000) * 1000);
      expect(fields.slice(2)).toEqual([
        row.site.name,
        row.department.name,
        row.operator?.name ?? '',
        row.waitSeconds === null ? '' : String(row.waitSeconds),
        row.talkSeconds === null ? '' : String(row.talkSeconds),
        OUTCOME_LABELS[row.outcome!],
        '',
      ]);
    });
  });

  it('CSV fields are quoted when needed and never start a formula', () => {
    expect(csvField('江川出張所')).toBe('江川出張所');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });
});

describe('records: statistics on a known dataset', () => {
  const FROM = '2024-06-01';
  const TO = '2024-06-09';
  let ids: { tax: string; citizen: string; siteA: string; siteB: string };

  beforeAll(async () => {
    const siteA = await t.db.site.findFirstOrThrow({ where: { name: '清滝郵便局' }, include: { devices: true } });
    const siteB = await t.db.site.findFirstOrThrow({ where: { name: '江川出張所' }, include: { devices: true } });
    const tax = await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } });
    const citizen = await t.db.department.findUniqueOrThrow({ where: { code: 'citizen' } });
    ids = { tax: tax.id, citizen: citizen.id, siteA: siteA.id, siteB: siteB.id };
    const row = (site: typeof siteA, departmentId: string, at: string, answerS: number | null, endS: number, outcome: string) => {
      const requestedAt = new Date(at);
      return {
        id: randomUUID(),
        siteId: site.id,
        deviceId: site.devices[0]!.id,
        departmentId,
        requestedAt,
        answeredAt: answerS === null ? null : new Date(requestedAt.getTime() + answerS * 1000),
        endedAt: new Date(requestedAt.getTime() + endS * 1000),
        outcome,
      };
    };
    const rows = [
        // tax: waits 30, 90, 45 (abandoned); talks 300, 600
        row(siteA, tax.id, '2024-06-03T00:00:00Z', 30, 330, 'completed'), // JST 06-03 09:00
        row(siteA, tax.id, '2024-06-03T01:00:00Z', 90, 690, 'completed'), // JST 06-03 10:00
        row(siteB, tax.id, '2024-06-03T01:30:00Z', null, 45, 'abandoned'), // JST 06-03 10:30
        // citizen: waits 60, 10; talks 120, 200
        row(siteB, citizen.id, '2024-06-04T02:00:00Z', 60, 180, 'completed'), // JST 06-04 11:00
        row(siteA, citizen.id, '2024-06-03T15:30:00Z', 10, 210, 'completed'), // JST 06-04 00:30
    ];
    await t.db.consultation.createMany({ data: rows });
    // Ratings 5, 4 and 2 for three of them: the satisfaction column is derived from these events.
    await t.db.consultationEvent.createMany({
      data: [5, 4, 2].map((score, i) => ({
        consultationId: rows[i === 2 ? 3 : i]!.id,
        type: 'rated',
        at: rows[i === 2 ? 3 : i]!.endedAt,
        actorType: 'device',
        data: JSON.stringify({ score }),
      })),
    });
    await rebuildDerived();
  });

  it('computes volumes, averages, p90, service level and abandonment exactly', async () => {
    const stats = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}`, 'supervisor');
    expect(stats.total).toBe(5);
    const hours = Object.fromEntries(stats.byHour.filter((h) => h.count).map((h) => [h.hour, h.count]));
    expect(hours).toEqual({ 0: 1, 9: 1, 10: 2, 11: 1 });
    expect(stats.byHour).toHaveLength(24);
    expect(stats.byDay).toEqual([
      { day: '2024-06-03', count: 3 },
      { day: '2024-06-04', count: 2 },
    ]);
    const byDept = Object.fromEntries(stats.byDepartment.map((d) => [d.department.code, d]));
    expect(byDept.tax).toMatchObject({ count: 3, waitSeconds: { average: 55, p90: 90 }, talkSeconds: { average: 450, p90: 600 } });
    expect(byDept.citizen).toMatchObject({ count: 2, waitSeconds: { average: 35, p90: 60 }, talkSeconds: { average: 160, p90: 200 } });
    expect(Object.keys(byDept).sort()).toEqual(['citizen', 'tax']);
    expect(stats.bySite.map((s) => [s.site.id, s.count]).sort()).toEqual(
      [
        [ids.siteA, 3],
        [ids.siteB, 2],
      ].sort(),
    );
    // answered within 60 s (30, 60, 10) of 5 decided
    expect(stats.serviceLevel).toEqual({ thresholdSeconds: 60, ratio: 0.6 });
    expect(stats.abandonmentRate).toBe(0.2);
    expect(stats.satisfaction).toEqual({
      distribution: [
        { score: 1, count: 0 },
        { score: 2, count: 1 },
        { score: 3, count: 0 },
        { score: 4, count: 1 },
        { score: 5, count: 1 },
      ],
      rated: 3,
      satisfiedShare: 2 / 3,
    });
  });

  it('honours the threshold, the department and site filters and the day range', async () => {
    const strict = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}&serviceLevelSeconds=30`, 'admin');
    expect(strict.serviceLevel).toEqual({ thresholdSeconds: 30, ratio: 0.4 });
    const tax = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}&departmentId=${ids.tax}`, 'supervisor');
    expect(tax.total).toBe(3);
    expect(tax.abandonmentRate).toBeCloseTo(1 / 3, 10);
    expect(tax.serviceLevel.ratio).toBeCloseTo(1 / 3, 10);
    expect(tax.byDepartment.map((d) => d.department.code)).toEqual(['tax']);
    const siteB = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}&siteId=${ids.siteB}`, 'supervisor');
    expect(siteB.total).toBe(2);
    expect(siteB.bySite.map((s) => s.site.id)).toEqual([ids.siteB]);
    // Local (JST) days, both ends included: 06-04 JST holds the consultation of 06-03 15:30 UTC.
    const oneDay = await json<RecordsStatsResponse>(`/records/stats?from=2024-06-04&to=2024-06-04`, 'supervisor');
    expect(oneDay.total).toBe(2);
    expect(oneDay.byDay).toEqual([{ day: '2024-06-04', count: 2 }]);
  });

  it('leaves requests refused outside hours or with nobody on duty out of the service level and abandonment', async () => {
    const site = await t.db.site.findFirstOrThrow({ where: { name: '清滝郵便局' }, include: { devices: true } });
    const requestedAt = new Date('2024-06-10T01:00:00Z');
    const later = (seconds: number) => new Date(requestedAt.getTime() + seconds * 1000);
    const consultation = (outcome: string, answerS: number | null, endS: number) => ({
      id: randomUUID(),
      siteId: site.id,
      deviceId: site.devices[0]!.id,
      departmentId: ids.tax,
      requestedAt,
      answeredAt: answerS === null ? null : later(answerS),
      endedAt: later(endS),
      outcome,
    });
    const answered = consultation('completed', 30, 300);
    const refusedThenCancelled = consultation('no_operator', null, 5); // as imported: no events
    const refusedThenCallback = consultation('callback_requested', null, 20);
    const waitedThenCallback = consultation('callback_requested', null, 100);
    await t.db.consultation.createMany({ data: [answered, refusedThenCancelled, refusedThenCallback, waitedThenCallback] });
    await t.db.consultationEvent.create({
      data: { consultationId: refusedThenCallback.id, type: 'refused', at: requestedAt, actorType: 'system', data: JSON.stringify({ reason: 'outside_hours' }) },
    });
    await rebuildDerived();

    const stats = await json<RecordsStatsResponse>('/records/stats?from=2024-06-10&to=2024-06-10', 'supervisor');
    expect(stats.total).toBe(4);
    // Of the two that waited for an operator, one was answered within 60 s and none was abandoned.
    expect(stats.serviceLevel).toEqual({ thresholdSeconds: 60, ratio: 0.5 });
    expect(stats.abandonmentRate).toBe(0);
  });

  it('an empty range gives zeros and nulls, not errors', async () => {
    const empty = await json<RecordsStatsResponse>('/records/stats?from=2000-01-01&to=2000-01-02', 'supervisor');
    expect(empty).toMatchObject({
      total: 0,
      byDay: [],
      byDepartment: [],
      bySite: [],
      abandonmentRate: null,
      serviceLevel: { ratio: null },
      satisfaction: { rated: 0, satisfiedShare: null },
    });
  });
});

describe('records: retention', () => {
  it('purges finished consultations older than the retention period with their events, and audits the purge', async () => {
    const site = await t.db.site.findFirstOrThrow({ include: { devices: true } });
    const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: 'general' } });
    const old = (requestedAt: Date, endedAt: Date | null) =>
      t.db.consultation.create({
        data: {
          siteId: site.id,
          deviceId: site.devices[0]!.id,
          departmentId,
          requestedAt,
          endedAt,
          outcome: endedAt ? 'abandoned' : null,
          events: { create: [{ type: 'requested', at: requestedAt, actorType: 'device' }] },
        },
      });
    const { id: staffId } = await t.db.staff.findUniqueOrThrow({ where: { username: 'general1' } });
    const oldSession = await t.db.staffSession.create({
      data: { staffId, createdAt: new Date('2015-04-01T00:00:00Z'), expiresAt: new Date('2015-04-01T12:00:00Z'), endedAt: new Date('2015-04-01T03:00:00Z'), endReason: 'logged_out' },
    });
    const sessionsBefore = await t.db.staffSession.count();
    const expired = await old(new Date('2015-04-01T01:00:00Z'), new Date('2015-04-01T01:01:00Z'));
    const stillOpen = await old(new Date('2015-04-02T01:00:00Z'), null);
    const before = await t.db.consultation.count();
    await rebuildDerived();
    const oldDays = { where: { day: { lt: '2016-01-01' } } };
    expect(await t.db.consultationDailyBreakdown.count(oldDays)).toBeGreaterThan(0);

    expect(await t.server.retention.purgeExpired()).toEqual({ consultations: 1, events: 1, sessions: 1 });
    expect(await t.db.consultation.findUnique({ where: { id: expired.id } })).toBeNull();
    // The session that expired in 2015 goes; today's sessions stay.
    expect(await t.db.staffSession.findUnique({ where: { id: oldSession.id } })).toBeNull();
    expect(await t.db.staffSession.count()).toBe(sessionsBefore - 1);
    expect(await t.db.consultationEvent.count({ where: { consultationId: expired.id } })).toBe(0);
    expect(await t.db.consultation.findUnique({ where: { id: stillOpen.id } })).not.toBeNull();
    expect(await t.db.consultation.count()).toBe(before - 1);
    // The statistics of the purged days go too.
    expect(await t.db.consultationDaily.count(oldDays)).toBe(0);
    expect(await t.db.consultationDailyBreakdown.count(oldDays)).toBe(0);
    const purge = await t.db.auditLog.findFirstOrThrow({ where: { action: 'records.purge' } });
    expect(purge.staffId).toBe('system');
    expect(JSON.parse(purge.details!)).toMatchObject({ retentionDays: 1825, consultations: 1, events: 1, sessions: 1 });

    // Nothing left to purge: no empty audit rows.
    expect(await t.server.retention.purgeExpired()).toEqual({ consultations: 0, events: 0, sessions: 0 });
    expect(await t.db.auditLog.count({ where: { action: 'records.purge' } })).toBe(1);
    await t.db.consultationEvent.deleteMany({ where: { consultationId: stillOpen.id } });
    await t.db.consultation.delete({ where: { id: stillOpen.id } });
  });
});

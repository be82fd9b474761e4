import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseProvider, rebuildAllDerived } from '@madoguchi/db';
import type { CallbacksResponse, CallbackUpdated, RecordsStatsResponse } from '@madoguchi/protocol';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';
import { placeCall } from './callFlow.ts';

/**
 * Statistics per operator and per 相談種別, and callback requests with their outcomes (issue 16.13):
 * a known dataset (rows and events inserted as an import would, then rebuilt), a live call noted by
 * its operator (the records writer's incremental rollup), the callbacks API and the CSV export.
 */
let t: TestServer;
const tokens: Record<string, string> = {};
const staffIdOf: Record<string, string> = {};
const ids: Record<string, string> = {};
const FROM = '2024-07-01';
const TO = '2024-07-05';

async function api(path: string, who: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${t.server.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' } });
}

/** A CSV download's lines, its BOM kept (fetch's text() drops it). */
async function csvLines(res: Response): Promise<string[]> {
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer()).toString('utf8').split('\r\n');
}

async function json<T>(path: string, who: string, init?: RequestInit): Promise<T> {
  const res = await api(path, who, init);
  expect(res.status, `${path} as ${who}`).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  t = await startTestServer();
  for (const username of ['tax1', 'tax2', 'citizen1', 'insurance1', 'supervisor', 'admin']) {
    tokens[username] = await t.staffToken(username);
    staffIdOf[username] = (await t.db.staff.findUniqueOrThrow({ where: { username } })).id;
  }
  const siteA = await t.db.site.findFirstOrThrow({ where: { name: '清滝郵便局' }, include: { devices: true } });
  const siteB = await t.db.site.findFirstOrThrow({ where: { name: '江川出張所' }, include: { devices: true } });
  const tax = await t.db.department.findUniqueOrThrow({ where: { code: 'tax' }, include: { categories: true } });
  const citizen = await t.db.department.findUniqueOrThrow({ where: { code: 'citizen' } });
  Object.assign(ids, {
    tax: tax.id,
    citizen: citizen.id,
    siteA: siteA.id,
    siteB: siteB.id,
    residentTax: tax.categories.find((c) => c.name === '住民税')!.id,
    propertyTax: tax.categories.find((c) => c.name === '固定資産税')!.id,
  });

  /** A consultation answered `answerS` after the request by `operator`, ended `endS` after it, with extra events. */
  const consultation = async (
    site: typeof siteA,
    departmentId: string,
    at: string,
    { operator, answerS, endS, outcome, events = [] }: { operator?: string; answerS?: number; endS: number; outcome: string; events?: { type: string; s: number; by?: string; data?: unknown }[] },
  ) => {
    const requestedAt = new Date(at);
    const after = (s: number) => new Date(requestedAt.getTime() + s * 1000);
    const id = randomUUID();
    await t.db.consultation.create({
      data: {
        id,
        siteId: site.id,
        deviceId: site.devices[0]!.id,
        departmentId,
        operatorId: operator ? staffIdOf[operator] : null,
        requestedAt,
        answeredAt: answerS === undefined ? null : after(answerS),
        endedAt: after(endS),
        outcome,
        events: {
          create: [
            { type: 'requested', at: requestedAt, actorType: 'device', actorId: site.devices[0]!.id },
            ...(operator && answerS !== undefined ? [{ type: 'answered', at: after(answerS), actorType: 'staff', actorId: staffIdOf[operator] }] : []),
            ...events.map((e) => ({
              type: e.type,
              at: after(e.s),
              actorType: e.by ? 'staff' : 'device',
              actorId: e.by ? staffIdOf[e.by] : site.devices[0]!.id,
              data: e.data === undefined ? null : JSON.stringify(e.data),
            })),
            { type: 'ended', at: after(endS), actorType: 'system' },
          ],
        },
      },
    });
    return id;
  };
  const note = (by: string, categoryId: string, s: number) => ({ type: 'note', s, by, data: { categoryId, category: 'x', text: '' } });
  const rated = (score: number, s: number) => ({ type: 'rated', s, data: { score } });
  // tax1: 300 s and 100 s (then transferred to tax2, who talks 200 s); tax2: that 200 s and 600 s.
  await consultation(siteA, tax.id, '2024-07-01T00:00:00Z', { operator: 'tax1', answerS: 30, endS: 330, outcome: 'completed', events: [note('tax1', ids.residentTax!, 340), rated(5, 335)] });
  await consultation(siteB, tax.id, '2024-07-01T01:00:00Z', {
    operator: 'tax1',
    answerS: 20,
    endS: 330,
    outcome: 'completed',
    events: [
      { type: 'transferred', s: 120, by: 'tax1', data: { toDepartmentId: tax.id } },
      { type: 'answered', s: 130, by: 'tax2' },
      // A later note corrects the category: the latest one counts.
      note('tax1', ids.residentTax!, 125),
      note('tax2', ids.propertyTax!, 340),
      rated(3, 335),
    ],
  });
  await consultation(siteA, tax.id, '2024-07-02T00:00:00Z', { operator: 'tax2', answerS: 60, endS: 660, outcome: 'completed', events: [note('tax2', ids.propertyTax!, 670)] });
  await consultation(siteA, tax.id, '2024-07-02T01:00:00Z', { endS: 90, outcome: 'abandoned' });
  await consultation(siteA, citizen.id, '2024-07-03T00:00:00Z', { operator: 'citizen1', answerS: 10, endS: 130, outcome: 'completed' });

  // Three callback requests to 税務課 on 07-04 (JST), one to 市民課 out of the range (07-20).
  for (const [n, day] of [[1, '2024-07-04'], [2, '2024-07-04'], [3, '2024-07-04'], [4, '2024-07-20']] as const) {
    const consultationId = await consultation(siteA, n === 4 ? citizen.id : tax.id, `${day}T00:00:0${n}Z`, { endS: 1, outcome: 'callback_requested' });
    const row = await t.db.callbackRequest.create({
      data: { consultationId, departmentId: n === 4 ? citizen.id : tax.id, name: `住民 ${n}`, phone: `0900000000${n}`, createdAt: new Date(`${day}T00:00:0${n}Z`) },
    });
    ids[`callback${n}`] = row.id;
  }
  for (const statement of rebuildAllDerived(databaseProvider(t.config.databaseUrl))) await t.db.$executeRawUnsafe(statement);
});

afterAll(async () => {
  await t?.close();
});

describe('callback requests and their outcomes', () => {
  it('an operator records done or unreachable with a note; it is stored, shown and audited', async () => {
    const unreachable = await json<CallbackUpdated>(`/callbacks/${ids.callback1}`, 'tax1', {
      method: 'PATCH',
      body: JSON.stringify({ status: 'unreachable', note: '  14時に電話、不在。留守電なし  ' }),
    });
    expect(unreachable.callback).toMatchObject({ status: 'unreachable', note: '14時に電話、不在。留守電なし', outcomeBy: '税務 一郎' });
    expect(unreachable.callback.outcomeAt).not.toBeNull();
    await json(`/callbacks/${ids.callback2}`, 'tax2', { method: 'PATCH', body: JSON.stringify({ status: 'done', note: '住民税の納付書を再送' }) });

    const row = await t.db.callbackRequest.findUniqueOrThrow({ where: { id: ids.callback1 } });
    expect(row).toMatchObject({ status: 'unreachable', note: '14時に電話、不在。留守電なし', outcomeById: staffIdOf.tax1 });
    const audit = await t.db.auditLog.findMany({ where: { action: 'callback.outcome' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.staffId, a.targetId, JSON.parse(a.details!)])).toEqual([
      [staffIdOf.tax1, ids.callback1, { status: 'unreachable', previous: 'open', noted: true }],
      [staffIdOf.tax2, ids.callback2, { status: 'done', previous: 'open', noted: true }],
    ]);

    // The operator's list: what is still to call back (open and unreachable), oldest first.
    const pending = await json<CallbacksResponse>('/callbacks?status=pending', 'tax1');
    expect(pending.callbacks.map((c) => [c.name, c.status])).toEqual([
      ['住民 1', 'unreachable'],
      ['住民 3', 'open'],
    ]);
    // Set back to open: who and when are cleared, the note stays as written.
    const reopened = await json<CallbackUpdated>(`/callbacks/${ids.callback3}`, 'tax1', { method: 'PATCH', body: JSON.stringify({ status: 'open', note: '' }) });
    expect(reopened.callback).toMatchObject({ status: 'open', outcomeAt: null, outcomeBy: null });
  });

  it('a supervisor lists every department filtered by department, status and days; each row shown is audited', async () => {
    const all = await json<CallbacksResponse>('/callbacks', 'supervisor');
    expect(all.callbacks.map((c) => c.name)).toEqual(['住民 4', '住民 3', '住民 2', '住民 1']); // newest first
    const done = await json<CallbacksResponse>(`/callbacks?status=done&departmentId=${ids.tax}`, 'supervisor');
    expect(done.callbacks).toEqual([expect.objectContaining({ name: '住民 2', status: 'done', note: '住民税の納付書を再送', outcomeBy: '税務 花子' })]);
    const inRange = await json<CallbacksResponse>('/callbacks?from=2024-07-04&to=2024-07-04', 'supervisor');
    expect(inRange.callbacks.map((c) => c.name).sort()).toEqual(['住民 1', '住民 2', '住民 3']);
    expect((await json<CallbacksResponse>('/callbacks?from=2024-07-20&to=2024-07-20', 'supervisor')).callbacks.map((c) => c.name)).toEqual(['住民 4']);
    const views = await t.db.auditLog.findMany({ where: { action: 'callback.view', staffId: staffIdOf.supervisor } });
    expect(views.map((v) => v.targetId).sort()).toEqual([ids.callback1, ids.callback2, ids.callback3, ids.callback4].sort());
  });

  it('need-to-know and validation at the boundary', async () => {
    // Another department's operator neither sees nor changes them (404, so ids cannot be probed).
    expect((await json<CallbacksResponse>('/callbacks', 'insurance1')).callbacks).toEqual([]);
    expect((await api(`/callbacks/${ids.callback1}`, 'insurance1', { method: 'PATCH', body: JSON.stringify({ status: 'done' }) })).status).toBe(404);
    // An operator asking for another department's list gets none of it.
    expect((await json<CallbacksResponse>(`/callbacks?departmentId=${ids.tax}`, 'citizen1')).callbacks).toEqual([]);
    for (const query of ['status=finished', 'from=2024-13-01', 'limit=0', 'limit=501', 'status=open&status=done', 'departmentId=', 'color=red']) {
      expect((await api(`/callbacks?${query}`, 'supervisor')).status, query).toBe(400);
    }
    for (const body of [{ done: true }, { status: 'called' }, { status: 'done', note: 'x'.repeat(501) }, { status: 'done', extra: 1 }]) {
      expect((await api(`/callbacks/${ids.callback1}`, 'tax1', { method: 'PATCH', body: JSON.stringify(body) })).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('statistics per operator and per 相談種別', () => {
  it('per operator: consultations taken part in, own handling time, transfers, ratings, callbacks', async () => {
    const stats = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}`, 'supervisor');
    const byName = Object.fromEntries(stats.byOperator.map((o) => [o.operator.name, o]));
    expect(byName['税務 一郎']).toEqual({
      operator: { id: staffIdOf.tax1, name: '税務 一郎' },
      count: 2,
      talkSeconds: { average: 200, median: 100 },
      transfers: 1,
      satisfaction: { average: 4, rated: 2 },
      callbacks: { done: 0, unreachable: 1 },
    });
    expect(byName['税務 花子']).toMatchObject({ count: 2, talkSeconds: { average: 400, median: 200 }, transfers: 0, satisfaction: { average: 3, rated: 1 }, callbacks: { done: 1, unreachable: 0 } });
    expect(byName['市民 一郎']).toMatchObject({ count: 1, talkSeconds: { average: 120, median: 120 }, callbacks: { done: 0, unreachable: 0 } });
    expect(stats.byOperator.map((o) => o.count)).toEqual([2, 2, 1]); // most consultations first
  });

  it('per category: the latest category filed, waits, handling times, outcomes and ratings; unfiled per department', async () => {
    const stats = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}`, 'supervisor');
    const rows = stats.byCategory.map((c) => [c.department.name, c.category?.name ?? null, c.count, c.waitSeconds.median, c.talkSeconds.median, c.outcomes.completed, c.outcomes.abandoned, c.satisfaction]);
    expect(rows).toEqual([
      ['市民課', null, 1, 10, 120, 1, 0, { average: null, rated: 0 }],
      ['税務課', '住民税', 1, 30, 300, 1, 0, { average: 5, rated: 1 }],
      ['税務課', '固定資産税', 2, 20, 310, 2, 0, { average: 3, rated: 1 }],
      // The abandoned wait and the three callback requests of 07-04.
      ['税務課', null, 4, 1, null, 0, 1, { average: null, rated: 0 }],
    ]);
    expect(stats.callbacks).toEqual({
      open: 1,
      done: 1,
      unreachable: 1,
      byDepartment: [{ department: { id: ids.tax, code: 'tax', name: '税務課' }, open: 1, done: 1, unreachable: 1 }],
    });
  });

  it('honours the department, site and day filters', async () => {
    const citizen = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}&departmentId=${ids.citizen}`, 'supervisor');
    expect(citizen.byOperator.map((o) => o.operator.name)).toEqual(['市民 一郎']);
    expect(citizen.callbacks.byDepartment).toEqual([]);
    const siteB = await json<RecordsStatsResponse>(`/records/stats?from=${FROM}&to=${TO}&siteId=${ids.siteB}`, 'supervisor');
    expect(siteB.byOperator.map((o) => [o.operator.name, o.count, o.talkSeconds.median]).sort()).toEqual([
      ['税務 一郎', 1, 100],
      ['税務 花子', 1, 200],
    ]);
    expect(siteB.callbacks).toMatchObject({ open: 0, done: 0, unreachable: 0 });
    const firstDay = await json<RecordsStatsResponse>('/records/stats?from=2024-07-01&to=2024-07-01', 'supervisor');
    expect(firstDay.byCategory.map((c) => [c.category?.name, c.count])).toEqual([
      ['住民税', 1],
      ['固定資産税', 1],
    ]);
  });

  it('CSV of each table for Excel, audited; operators may not have it', async () => {
    const res = await api(`/records/stats.csv?from=${FROM}&to=${TO}&breakdown=operator`, 'supervisor');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('職員別統計'));
    const lines = await csvLines(res);
    expect(lines[0]).toBe('\uFEFF担当職員,対応件数,対応時間 中央値(秒),対応時間 平均(秒),転送,満足度 平均(1-5),満足度 回答数,折り返し 対応済み,折り返し 不在・つながらず');
    expect(lines).toContain('税務 一郎,2,100,200,1,4,2,0,1');
    const categories = await csvLines(await api(`/records/stats.csv?from=${FROM}&to=${TO}&breakdown=category`, 'admin'));
    expect(categories[0]).toBe('\uFEFF担当課,相談種別,件数,待ち時間 中央値(秒),対応時間 中央値(秒),対応完了,待ち中に終了,対応者なし,折り返し希望,通信障害,満足度 平均(1-5),満足度 回答数');
    expect(categories).toContain('税務課,固定資産税,2,20,310,2,0,0,0,0,3,1');
    expect(categories).toContain('税務課,（相談種別なし）,4,1,,0,1,0,3,0,,0');
    const callbacks = await csvLines(await api(`/records/stats.csv?from=${FROM}&to=${TO}&breakdown=callbacks`, 'supervisor'));
    expect(callbacks.slice(0, 3)).toEqual(['\uFEFF担当課,折り返し依頼,未対応,対応済み,不在・つながらず', '税務課,3,1,1,1', '合計,3,1,1,1']);
    const exports = await t.db.auditLog.findMany({ where: { action: 'records.export', staffId: staffIdOf.supervisor } });
    expect(exports.map((e) => (JSON.parse(e.details!) as { statistics: string }).statistics).sort()).toEqual(['callbacks', 'operator']);
    expect((await api(`/records/stats.csv?breakdown=operator`, 'tax1')).status).toBe(403);
    expect((await api(`/records/stats.csv?from=${FROM}`, 'supervisor')).status).toBe(400);
    expect((await api(`/records/stats.csv?breakdown=site`, 'supervisor')).status).toBe(400);
  });

  it('a live call filed under a category counts at once (the records writer keeps the rollup)', async () => {
    const call = await placeCall(t, { operator: 'citizen1', department: 'citizen' });
    const ended = nextEvent(call.device, 'call:ended');
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await ended;
    await t.server.recorder.flush(); // the answer must be on record before the operator may file a note
    const category = await t.db.consultationCategory.findFirstOrThrow({ where: { departmentId: ids.citizen, name: '転入・転出' } });
    const filed = await api(`/consultations/${call.consultationId}/notes`, 'citizen1', { method: 'POST', body: JSON.stringify({ categoryId: category.id, text: '転入届の書き方' }) });
    expect(filed.status).toBe(201);
    await t.server.recorder.flush();
    call.device.close();
    call.operator.close();
    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const stats = await json<RecordsStatsResponse>(`/records/stats?from=${today}&to=${today}&departmentId=${ids.citizen}`, 'supervisor');
    expect(stats.byCategory.map((c) => [c.category?.name, c.count, c.outcomes.completed])).toEqual([['転入・転出', 1, 1]]);
    expect(stats.byOperator).toEqual([expect.objectContaining({ operator: { id: staffIdOf.citizen1, name: '市民 一郎' }, count: 1 })]);
  });
});

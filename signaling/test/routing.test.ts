import type { ServerPayload, Wallboard } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingSettingsStore } from '../src/routing/RoutingSettingsStore.ts';
import { joinMedia, placeCall, waitFor } from './callFlow.ts';
import { nextEvent, oneMorningAWeek, startTestServer, type TestServer } from './harness.ts';

/** Routing through the real server: queues and estimates, transfer, one-stop, callbacks, configuration. */
describe('routing by department', () => {
  let t: TestServer;
  const departmentIds: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestServer();
    for (const { id, code } of await t.db.department.findMany()) departmentIds[code] = id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function eventTypes(consultationId: string): Promise<string[]> {
    await t.server.recorder.flush();
    const rows = await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' } });
    return rows.map((row) => row.type);
  }

  it('tells each waiting tablet its place and an estimate, and offers them in order', async () => {
    // welfare2 is in a call (serving); welfare1 is logged in but away.
    const busy = await placeCall(t, { site: '移動窓口1号車', operator: 'welfare2', department: 'welfare' });
    const operator = await t.connect(await t.staffToken('welfare1'));
    const queues: ServerPayload<'queues:changed'>[] = [];
    operator.on('queues:changed', (queue) => queues.push(queue));
    const tablets = await Promise.all(['清滝郵便局', '江川出張所', '中央公民館'].map(async (site) => t.connect(await t.deviceToken(site))));
    const ids: string[] = [];
    for (const tablet of tablets) {
      ids.push((await tablet.request('consultation:request', { departmentId: departmentIds.welfare! })).consultationId);
    }
    // The last to arrive sees everyone's final places: 1, 2, 3, with estimates growing with the place.
    const statuses = await Promise.all(
      tablets.map((tablet, index) => nextEvent(tablet, 'consultation:status', (s) => s.queuePosition === index + 1, 2000).catch(() => null)),
    );
    // Pushes may already have arrived before we listened: ask the routing state directly too.
    const places = ids.map((id) => t.server.consultations.routing.consultation(id)?.phase);
    expect(places).toEqual(['waiting', 'waiting', 'waiting']);
    const queue = t.server.consultations.routing.queue(departmentIds.welfare!);
    expect(queue.positions.map((p) => [p.consultationId, p.position])).toEqual(ids.map((id, i) => [id, i + 1]));
    const estimates = queue.positions.map((p) => p.estimatedWaitMs!);
    expect(estimates[0]).toBeLessThan(estimates[1]!);
    expect(estimates[1]).toBeLessThan(estimates[2]!);
    for (const status of statuses) if (status) expect(status.estimatedWaitSeconds).toBeGreaterThan(0);
    await waitFor(() => queues.some((q) => q.queues.some((d) => d.department.code === 'welfare' && d.waiting === 3)));

    // The operator becomes available: the first to arrive is offered first.
    const offer = nextEvent(operator, 'offer:incoming');
    await operator.request('presence:set', { presence: 'available' });
    expect((await offer).consultationId).toBe(ids[0]);
    for (const [index, tablet] of tablets.entries()) await tablet.request('consultation:cancel', { consultationId: ids[index]! });
    await busy.device.request('consultation:end', { consultationId: busy.consultationId });
    for (const client of [operator, busy.device, busy.operator, ...tablets]) client.close();
  });

  it('transfers a resident blind: they stay connected, wait ahead of others, and the next department answers in the same room', async () => {
    const call = await placeCall(t, { site: '清滝郵便局', operator: 'tax1', department: 'tax' });
    const welfare = await t.connect(await t.staffToken('welfare2'));
    await welfare.request('presence:set', { presence: 'available' });
    const roomBefore = (await t.server.sfu.stats()).reduce((sum, worker) => sum + worker.routers, 0);

    const left = nextEvent(call.operator, 'call:left');
    const offered = nextEvent(welfare, 'offer:incoming');
    await call.operator.request('consultation:transfer', { consultationId: call.consultationId, departmentId: departmentIds.welfare! });
    expect(await left).toEqual({ consultationId: call.consultationId, reason: 'transferred' });
    expect(await offered).toMatchObject({ consultationId: call.consultationId, kind: 'resident', transferred: true, department: { code: 'welfare' } });
    // The transferring operator is out of the call: no more chat or media for them.
    await expect(call.operator.request('chat:send', { consultationId: call.consultationId, text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const participants = nextEvent(call.device, 'call:participants', (p) => p.operators.length === 1 && p.operators[0]!.department.code === 'welfare');
    const joined = nextEvent(welfare, 'call:joined');
    await welfare.request('offer:accept', { consultationId: call.consultationId });
    const welfareJoined = await joined;
    await participants;
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(welfare, welfareJoined, [{ source: 'operator-mic', kind: 'audio' }], consumers);
    // The resident's media, still flowing in the same room, reaches the new operator.
    await waitFor(() => consumers.filter((c) => c.participant === 'resident').length >= 3);
    expect((await t.server.sfu.stats()).reduce((sum, worker) => sum + worker.routers, 0)).toBe(roomBefore);

    await welfare.request('consultation:end', { consultationId: call.consultationId });
    await waitFor(async () => (await eventTypes(call.consultationId)).includes('ended'));
    const types = await eventTypes(call.consultationId);
    expect(types.slice(types.indexOf('answered'))).toEqual(['answered', 'transferred', 'offered', 'answered', 'ended']);
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: call.consultationId } });
    expect(row.outcome).toBe('completed');
    for (const client of [call.device, call.operator, welfare]) client.close();
  });

  it('brings a specialist into the call (one-stop), lets the first operator leave, and ends for everyone', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'tax2', department: 'tax' });
    const childcare = await t.connect(await t.staffToken('childcare1'));
    await childcare.request('presence:set', { presence: 'available' });

    const offered = nextEvent(childcare, 'offer:incoming');
    const answer = await call.operator.request('consultation:invite', { consultationId: call.consultationId, departmentId: departmentIds.childcare! });
    expect(answer.status).toBe('offered');
    expect(await offered).toMatchObject({ kind: 'specialist', invitedBy: '税務 花子', department: { code: 'childcare' } });

    const threeParty = nextEvent(call.device, 'call:participants', (p) => p.operators.length === 2);
    const joined = nextEvent(childcare, 'call:joined');
    await childcare.request('offer:accept', { consultationId: call.consultationId });
    const childcareJoined = await joined;
    expect((await threeParty).operators.map((o) => o.department.code)).toEqual(['tax', 'childcare']);
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(childcare, childcareJoined, [{ source: 'operator-mic', kind: 'audio' }, { source: 'operator-cam', kind: 'video' }], consumers);
    // The specialist receives the resident and the first operator; both of them receive the specialist.
    await waitFor(() => consumers.some((c) => c.participant === 'resident') && consumers.some((c) => c.participant === 'operator'));
    await waitFor(() => call.deviceConsumers.filter((c) => c.participant === 'operator').length >= 3);
    await waitFor(() => call.operatorConsumers.some((c) => c.participant === 'operator'));

    // Chat reaches all three.
    const chatAtSpecialist = nextEvent(childcare, 'chat:message');
    await call.device.request('chat:send', { consultationId: call.consultationId, text: '児童手当のことも聞きたいです' });
    expect((await chatAtSpecialist).from).toBe('resident');

    const firstLeft = nextEvent(call.operator, 'call:left');
    await call.operator.request('consultation:leave', { consultationId: call.consultationId });
    expect((await firstLeft).reason).toBe('left');
    const ended = nextEvent(call.device, 'call:ended');
    await childcare.request('consultation:end', { consultationId: call.consultationId });
    expect((await ended).outcome).toBe('completed');
    const types = await eventTypes(call.consultationId);
    expect(types.slice(types.indexOf('answered'))).toEqual([
      'answered',
      'specialist_invited',
      'specialist_offered',
      'specialist_joined',
      'chat',
      'operator_left',
      'ended',
    ]);
    for (const client of [call.device, call.operator, childcare]) client.close();
  });

  it('refuses outside hours with the next opening, and keeps a callback request for the department', async () => {
    const adminToken = await t.staffToken('admin');
    const operatorToken = await t.staffToken('insurance1');
    const api = (path: string, token: string, init: RequestInit = {}) =>
      fetch(`${t.server.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

    // An admin closes 保険年金課 on every day but one morning three days on; an operator may not change routing.
    const { departments } = (await (await api('/admin/routing', adminToken)).json()) as { departments: { department: { code: string } }[] };
    const insurance = departments.find((d) => d.department.code === 'insurance') as Record<string, unknown> & { department: unknown };
    const { department: _department, ...settings } = insurance;
    const { hours: oneMorning, weekday } = oneMorningAWeek();
    const closedHours = { ...settings, hours: oneMorning };
    expect((await api(`/admin/routing/${departmentIds.insurance}`, operatorToken, { method: 'PUT', body: JSON.stringify(closedHours) })).status).toBe(403);
    expect((await api(`/admin/routing/${departmentIds.insurance}`, adminToken, { method: 'PUT', body: JSON.stringify({ ...closedHours, ringTimeoutSeconds: 0 }) })).status).toBe(400);
    const bad = await api(`/admin/routing/${departmentIds.insurance}`, adminToken, {
      method: 'PUT',
      body: JSON.stringify({ ...closedHours, hours: { ...closedHours.hours, sat: [{ open: '12:00', close: '09:00' }] } }), // closes before it opens
    });
    expect(bad.status).toBe(400);
    expect((await api(`/admin/routing/${departmentIds.insurance}`, adminToken, { method: 'PUT', body: JSON.stringify(closedHours) })).status).toBe(200);
    expect(await t.db.auditLog.count({ where: { action: 'config.change', targetId: `routing:${departmentIds.insurance}` } })).toBe(1);

    const tablet = await t.connect(await t.deviceToken('移動窓口1号車'));
    const refused = nextEvent(tablet, 'consultation:refused');
    const { consultationId } = await tablet.request('consultation:request', { departmentId: departmentIds.insurance! });
    const refusal = await refused;
    expect(refusal).toMatchObject({ consultationId, reason: 'outside_hours', department: { code: 'insurance' } });
    // That morning, 09:00 in Tokyo.
    const next = new Date(refusal.nextOpeningAt!);
    expect(next.toLocaleString('en-US', { timeZone: 'Asia/Tokyo', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false })).toBe(`${weekday} 09:00`);

    // A malformed phone number is refused at the boundary; a real one ends the request as callback_requested.
    await expect(tablet.request('consultation:callback', { consultationId, name: '山田 太郎', phone: '123' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const ended = nextEvent(tablet, 'call:ended');
    await tablet.request('consultation:callback', { consultationId, name: '山田 太郎', phone: '090-1234-5678' });
    expect((await ended).outcome).toBe('callback_requested');
    await t.server.recorder.flush(); // the records are written in their own thread
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId } });
    expect(row.outcome).toBe('callback_requested');
    expect(await eventTypes(consultationId)).toEqual(['requested', 'refused', 'callback_requested']);

    // 保険年金課's operator sees it and records it done; 税務課's operator does not see it.
    const list = (await (await api('/callbacks', operatorToken)).json()) as { callbacks: { id: string; phone: string; name: string }[] };
    expect(list.callbacks).toEqual([expect.objectContaining({ name: '山田 太郎', phone: '09012345678' })]);
    const taxList = (await (await api('/callbacks', await t.staffToken('tax1'))).json()) as { callbacks: unknown[] };
    expect(taxList.callbacks).toEqual([]);
    expect((await api(`/callbacks/${list.callbacks[0]!.id}`, await t.staffToken('tax1'), { method: 'PATCH', body: JSON.stringify({ status: 'done' }) })).status).toBe(404);
    expect((await api(`/callbacks/${list.callbacks[0]!.id}`, operatorToken, { method: 'PATCH', body: JSON.stringify({ status: 'done' }) })).status).toBe(200);
    const open = (await (await api('/callbacks?status=pending', operatorToken)).json()) as { callbacks: unknown[] };
    expect(open.callbacks).toEqual([]);
    // A 総合窓口 operator with 保険年金課 as a secondary skill is not shown it: callbacks are never routed to a secondary tier.
    const generalList = (await (await api('/callbacks', await t.staffToken('general1'))).json()) as { callbacks: unknown[] };
    expect(generalList.callbacks).toEqual([]);
    // Every time the name and number are shown is audited: repeats within the window add to one row's count.
    await api('/callbacks', operatorToken);
    await api('/callbacks', operatorToken);
    const views = await t.db.auditLog.findMany({ where: { action: 'callback.view', targetId: list.callbacks[0]!.id } });
    const insurance1 = await t.db.staff.findUniqueOrThrow({ where: { username: 'insurance1' } });
    expect(views).toMatchObject([{ staffId: insurance1.id, views: 3 }]);
    expect(views[0]!.lastAt!.getTime()).toBeGreaterThanOrEqual(views[0]!.at.getTime());
    const device = await t.deviceToken('移動窓口1号車');
    expect((await api('/callbacks', device)).status).toBe(403);
    tablet.close();
  });

  it('puts an operator in wrap-up after a call, ended early by choosing 受付可', async () => {
    await t.db.departmentRouting.updateMany({ data: { wrapUpSeconds: 60 } });
    for (const { department, ...settings } of await new RoutingSettingsStore(t.db).list()) {
      t.server.consultations.applyRoutingSettings(department, settings);
    }
    const call = await placeCall(t, { site: '中央公民館', operator: 'citizen1', department: 'citizen' });
    const wrapUp = nextEvent(call.operator, 'presence:changed', (p) => p.presence === 'wrap_up');
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await wrapUp;
    const available = nextEvent(call.operator, 'presence:changed', (p) => p.presence === 'available');
    await call.operator.request('presence:set', { presence: 'available' });
    await available;
    // The end of 後処理 is a step of the consultation's record.
    await waitFor(async () => (await eventTypes(call.consultationId)).at(-1) === 'wrap_up_ended');
    call.device.close();
    call.operator.close();
  });

  it('shows supervisors a live wallboard: the call ringing, then in call; tablets online; today\'s figures', async () => {
    const supervisor = await t.staffToken('supervisor');
    const wallboard = async (token = supervisor) => {
      const response = await fetch(`${t.server.url}/api/supervisor/wallboard`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as Wallboard };
    };
    expect((await wallboard(await t.staffToken('tax1'))).status).toBe(403);
    expect((await wallboard(await t.deviceToken('清滝郵便局'))).status).toBe(403);

    // With nobody of 子育て支援課 logged in, a request is refused: it never waited, so it is in no answer rate.
    const early = await t.connect(await t.deviceToken('江川出張所'));
    const refused = nextEvent(early, 'consultation:refused');
    const { consultationId: refusedId } = await early.request('consultation:request', { departmentId: departmentIds.childcare! });
    expect(await refused).toMatchObject({ reason: 'no_operator' });
    await early.request('consultation:cancel', { consultationId: refusedId });
    await t.server.recorder.flush(); // the records are written in their own thread
    expect((await t.db.consultation.findUniqueOrThrow({ where: { id: refusedId } })).outcome).toBe('no_operator');
    const afterRefusal = (await wallboard()).body.departments.find((d) => d.department.code === 'childcare')!;
    expect(afterRefusal).toMatchObject({ answeredToday: 0, serviceLevelToday: null });
    early.close();

    const operator = await t.connect(await t.staffToken('childcare2'));
    await operator.request('presence:set', { presence: 'available' });
    const tablet = await t.connect(await t.deviceToken('清滝郵便局'));
    const offered = nextEvent(operator, 'offer:incoming');
    const { consultationId } = await tablet.request('consultation:request', { departmentId: departmentIds.childcare! });
    await offered;
    const ringing = (await wallboard()).body;
    expect(ringing.live).toEqual([expect.objectContaining({ consultationId, status: 'offered', site: expect.objectContaining({ name: '清滝郵便局' }) })]);
    const childcare = ringing.departments.find((d) => d.department.code === 'childcare')!;
    expect(childcare.operators.offered).toBe(1);
    const site = ringing.sites.find((s) => s.site.name === '清滝郵便局')!;
    expect(site.tablets[0]).toMatchObject({ online: true, state: 'waiting' });

    await operator.request('offer:accept', { consultationId });
    await waitFor(async () => (await wallboard()).body.live[0]?.status === 'in_call');
    await t.server.recorder.flush(); // today's figures come from the records, written in their own thread
    const inCall = (await wallboard()).body;
    expect(inCall.live[0]!.operators).toEqual(['子育 花子']);
    const after = inCall.departments.find((d) => d.department.code === 'childcare')!;
    expect(after.operators.in_call).toBe(1);
    expect(after.answeredToday).toBeGreaterThanOrEqual(1);
    await tablet.request('consultation:end', { consultationId });
    // Once it has ended, the call counts for today's service level: answered within the threshold.
    const childcareServiceLevel = async () => (await wallboard()).body.departments.find((d) => d.department.code === 'childcare')!.serviceLevelToday;
    await waitFor(async () => (await childcareServiceLevel()) !== null); // the end reaches the database asynchronously
    expect(await childcareServiceLevel()).toBe(1);
    tablet.close();
    operator.close();
  });
});

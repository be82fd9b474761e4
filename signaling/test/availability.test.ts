import type { DepartmentAvailability, ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './callFlow.ts';
import { nextEvent, oneMorningAWeek, startTestServer, type TestServer } from './harness.ts';

/**
 * Issue 16, item 10: a waiting resident is told when every operator of the department is away, and
 * the home screen knows before a press which departments are closed, unstaffed, all away or busy —
 * both kept live as operators come and go, queues move and hours change.
 */
describe('department availability on the tablet', () => {
  let t: TestServer;
  const departmentIds: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestServer();
    for (const { id, code } of await t.db.department.findMany()) departmentIds[code] = id;
  });
  afterAll(async () => {
    await t.close();
  });

  /** A tablet and every departments:availability it has been pushed, the one sent on arrival included. */
  async function tabletWatchingAvailability(site: string): Promise<{ tablet: ProtocolClient; latest(code: string): DepartmentAvailability | undefined }> {
    const pushes: ServerPayload<'departments:availability'>[] = [];
    const tablet = await t.connect(await t.deviceToken(site), (client) => client.on('departments:availability', (push) => pushes.push(push)));
    await waitFor(() => pushes.length > 0);
    return {
      tablet,
      latest: (code) => pushes.at(-1)?.departments.find((department) => department.departmentId === departmentIds[code]),
    };
  }

  it('tells the home screen which departments are unstaffed, all away, busy or closed, and pushes each change', async () => {
    const { tablet, latest } = await tabletWatchingAvailability('清滝郵便局');
    // Nobody is logged in yet (the demo city is open around the clock): a press would be refused.
    expect(latest('childcare')).toEqual({
      departmentId: departmentIds.childcare,
      refusal: 'no_operator',
      nextOpeningAt: null,
      waiting: 0,
      estimatedWaitSeconds: null,
      allOperatorsAway: false,
    });

    // An operator logs in (離席中 at first): queued, but nobody answers until they come back.
    const operator = await t.connect(await t.staffToken('childcare1'));
    await waitFor(() => latest('childcare')?.refusal === null);
    expect(latest('childcare')).toMatchObject({ allOperatorsAway: true, estimatedWaitSeconds: null });

    // 受付可: the estimate for a new request is one handling time (the default 10 minutes) for one operator.
    await operator.request('presence:set', { presence: 'available' });
    await waitFor(() => latest('childcare')?.allOperatorsAway === false);
    expect(latest('childcare')).toMatchObject({ refusal: null, waiting: 0, estimatedWaitSeconds: 600 });

    // A resident waits (the operator is ringing for them, then declines): the next one would be second.
    const other = await t.connect(await t.deviceToken('江川出張所'));
    const offered = nextEvent(operator, 'offer:incoming');
    const { consultationId } = await other.request('consultation:request', { departmentId: departmentIds.childcare! });
    await offered;
    await operator.request('offer:decline', { consultationId });
    await waitFor(() => latest('childcare')?.waiting === 1);
    expect(latest('childcare')?.estimatedWaitSeconds).toBe(1200);
    await other.request('consultation:cancel', { consultationId });
    await waitFor(() => latest('childcare')?.waiting === 0);

    // The operator logs out: unstaffed again.
    operator.close();
    await waitFor(() => latest('childcare')?.refusal === 'no_operator');

    // An admin closes 子育て支援課 for every day but one morning three days on: closed, with the next opening.
    const adminToken = await t.staffToken('admin');
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${t.server.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' } });
    const { departments } = (await (await api('/admin/routing')).json()) as { departments: ({ department: { id: string } } & Record<string, unknown>)[] };
    const { department: _department, ...settings } = departments.find((d) => d.department.id === departmentIds.childcare)!;
    const { hours: oneMorning, weekday } = oneMorningAWeek();
    const closing = await api(`/admin/routing/${departmentIds.childcare}`, { method: 'PUT', body: JSON.stringify({ ...settings, hours: oneMorning }) });
    expect(closing.status).toBe(200);
    await waitFor(() => latest('childcare')?.refusal === 'outside_hours');
    const next = new Date(latest('childcare')!.nextOpeningAt!);
    expect(next.toLocaleString('en-US', { timeZone: 'Asia/Tokyo', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false })).toBe(`${weekday} 09:00`);
    await api(`/admin/routing/${departmentIds.childcare}`, { method: 'PUT', body: JSON.stringify(settings) });
    await waitFor(() => latest('childcare')?.refusal === 'no_operator');
    for (const client of [tablet, other]) client.close();
  });

  it('tells a waiting resident when every operator of the department is away, and when one is back', async () => {
    const operator = await t.connect(await t.staffToken('insurance1'));
    const tablet = await t.connect(await t.deviceToken('中央公民館'));
    const statuses: ServerPayload<'consultation:status'>[] = [];
    tablet.on('consultation:status', (status) => statuses.push(status));
    const latest = () => statuses.at(-1);

    // Logged in but 離席中: the resident waits, and is told nobody is at their desk — in the ack, so no push repeats it.
    const ack = await tablet.request('consultation:request', { departmentId: departmentIds.insurance! });
    const { consultationId } = ack;
    expect(ack).toMatchObject({ status: 'waiting', queuePosition: 1, estimatedWaitSeconds: null, allOperatorsAway: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statuses).toEqual([]);

    // Back at the desk: it rings (no longer all away); declined, the resident waits with an estimate.
    const offered = nextEvent(operator, 'offer:incoming');
    await operator.request('presence:set', { presence: 'available' });
    await offered;
    await waitFor(() => latest()?.status === 'offered');
    expect(latest()?.allOperatorsAway).toBe(false);
    await operator.request('offer:decline', { consultationId });
    await waitFor(() => latest()?.status === 'waiting');
    expect(latest()).toMatchObject({ allOperatorsAway: false, queuePosition: 1 });
    expect(latest()?.estimatedWaitSeconds).toBeGreaterThan(0);

    // Away again: said at once, without the resident doing anything.
    await operator.request('presence:set', { presence: 'away' });
    await waitFor(() => latest()?.allOperatorsAway === true);
    // And logged out altogether: still all away (the request stays queued; the resident may ask for a callback).
    operator.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(latest()).toMatchObject({ status: 'waiting', allOperatorsAway: true });
    await tablet.request('consultation:cancel', { consultationId });
    tablet.close();
  });
});

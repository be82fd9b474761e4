import type { ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinMedia, placeCall, produce, waitFor, type PlacedCall } from './callFlow.ts';
import { nextEvent, rawEmit, sfuTotals, startTestServer, type TestServer } from './harness.ts';

type NewConsumer = ServerPayload<'media:newConsumer'>;

/**
 * Live supervision (issue 16, item 13): a supervisor monitors a call (consumes everyone, sends
 * nothing), whispers (only the operators consume the supervisor's microphone) and barges in (all
 * do); the operators are shown it, the tablet is told unless the city turned that off, every mode
 * is on the audit trail and in the record, and every media object of the supervision is closed at
 * the end, the call's end, a transfer and the supervisor's disconnection.
 */
describe('live supervision', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  interface Supervisor {
    client: ProtocolClient;
    /** Every consumer it was told to create, and those since closed. */
    consumers: NewConsumer[];
    closed: Set<string>;
    sendTransportId: string;
  }

  const live = (consumers: NewConsumer[], closed: Set<string>) => consumers.filter((consumer) => !closed.has(consumer.consumerId));
  const sourcesOf = (consumers: NewConsumer[]) => consumers.map((consumer) => consumer.source).sort();

  /** Consumers closed since, per client (the tablet's and the operator's), kept from the start of the call. */
  function track(client: ProtocolClient): Set<string> {
    const closed = new Set<string>();
    client.on('media:consumerClosed', ({ consumerId }) => closed.add(consumerId));
    return closed;
  }

  async function supervise(call: PlacedCall, username: string, mode: 'monitor' | 'whisper' | 'barge'): Promise<Supervisor> {
    const client = await t.connect(await t.staffToken(username));
    const closed = track(client);
    const joined = nextEvent(client, 'call:joined');
    await client.request('supervision:start', { consultationId: call.consultationId, mode });
    const joinedPayload = await joined;
    expect(joinedPayload.role).toBe('supervisor');
    const consumers: NewConsumer[] = [];
    const { sendTransportId } = await joinMedia(client, joinedPayload, [], consumers);
    return { client, consumers, closed, sendTransportId };
  }

  async function produceSupervisorMic(call: PlacedCall, supervisor: Supervisor) {
    await produce(supervisor.client, call.consultationId, supervisor.sendTransportId, 'supervisor-mic', 'audio');
  }

  it('refuses operators and tablets; a supervisor monitors, whispers and barges in, and the operator, the tablet, the audit trail and the record know', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    const deviceClosed = track(call.device);
    const operatorClosed = track(call.operator);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);

    // Only supervisors and admins may supervise, and only a call in progress; payloads are checked.
    await expect(call.operator.request('supervision:start', { consultationId, mode: 'monitor' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await rawEmit(call.device, 'supervision:start', { consultationId, mode: 'monitor' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const stranger = await t.connect(await t.staffToken('welfare1'));
    expect(await rawEmit(stranger, 'supervision:start', { consultationId, mode: 'barge' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const admin = await t.connect(await t.staffToken('admin'));
    for (const bad of [{ consultationId, mode: 'spy' }, { consultationId }, { consultationId: 'x'.repeat(65), mode: 'monitor' }, { mode: 'monitor' }, 'x']) {
      expect(await rawEmit(admin, 'supervision:start', bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await rawEmit(admin, 'supervision:start', { consultationId: 'no-such-call', mode: 'monitor' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await rawEmit(admin, 'supervision:mode', { consultationId, mode: 'barge' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    // monitor: the supervisor consumes the resident's three sources and the operator's two; nobody consumes the supervisor.
    const operatorBanner = nextEvent(call.operator, 'call:supervision', ({ supervisors }) => supervisors.length === 1);
    const deviceNotice = nextEvent(call.device, 'call:supervisionNotice', ({ notice }) => notice !== null);
    const supervisor = await supervise(call, 'supervisor', 'monitor');
    const { id: supervisorId } = await t.db.staff.findUniqueOrThrow({ where: { username: 'supervisor' } });
    expect((await operatorBanner).supervisors).toEqual([{ staffId: supervisorId, name: expect.any(String), mode: 'monitor', since: expect.any(String) }]);
    expect((await deviceNotice).notice).toBe('listening');
    await waitFor(() => supervisor.consumers.length === 5);
    expect(supervisor.consumers.map((c) => [c.participant, c.source]).sort()).toEqual([
      ['operator', 'operator-cam'],
      ['operator', 'operator-mic'],
      ['resident', 'document'],
      ['resident', 'face'],
      ['resident', 'mic'],
    ]);
    await expect(produceSupervisorMic(call, supervisor)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The supervisor may not send what belongs to another role either.
    await supervisor.client.request('supervision:mode', { consultationId, mode: 'whisper' });
    await expect(produce(supervisor.client, consultationId, supervisor.sendTransportId, 'operator-mic', 'audio')).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // whisper: the operator consumes the supervisor's microphone, the tablet does not.
    await produceSupervisorMic(call, supervisor);
    await waitFor(() => call.operatorConsumers.some((c) => c.participant === 'supervisor'));
    expect(live(call.operatorConsumers, operatorClosed).filter((c) => c.participant === 'supervisor').map((c) => c.source)).toEqual(['supervisor-mic']);
    expect(call.deviceConsumers.some((c) => c.participant === 'supervisor')).toBe(false);
    let totals = await sfuTotals(t.server);
    expect(totals).toMatchObject({ producers: 6, consumers: 3 + 2 + 5 + 1 });

    // barge: everyone hears the supervisor; the tablet says a supervisor joined.
    const joinedNotice = nextEvent(call.device, 'call:supervisionNotice', ({ notice }) => notice === 'joined');
    const bargeBanner = nextEvent(call.operator, 'call:supervision', ({ supervisors }) => supervisors[0]?.mode === 'barge');
    await supervisor.client.request('supervision:mode', { consultationId, mode: 'barge' });
    await joinedNotice;
    await bargeBanner;
    await waitFor(() => live(call.deviceConsumers, deviceClosed).some((c) => c.participant === 'supervisor'));
    expect(sourcesOf(live(call.deviceConsumers, deviceClosed))).toEqual(['operator-cam', 'operator-mic', 'supervisor-mic']);
    expect(sourcesOf(live(call.operatorConsumers, operatorClosed))).toEqual(['document', 'face', 'mic', 'supervisor-mic']);

    // Back to whisper: the tablet's consumer of the supervisor closes (and it is told); the operator's stays.
    await supervisor.client.request('supervision:mode', { consultationId, mode: 'whisper' });
    await waitFor(() => !live(call.deviceConsumers, deviceClosed).some((c) => c.participant === 'supervisor'));
    expect(sourcesOf(live(call.operatorConsumers, operatorClosed))).toEqual(['document', 'face', 'mic', 'supervisor-mic']);

    // Back to monitor: the supervisor's microphone is closed, nobody consumes anything of theirs.
    await supervisor.client.request('supervision:mode', { consultationId, mode: 'monitor' });
    await waitFor(() => !live(call.operatorConsumers, operatorClosed).some((c) => c.participant === 'supervisor'));
    totals = await sfuTotals(t.server);
    expect(totals).toMatchObject({ producers: 5, consumers: 3 + 2 + 5 });
    expect(live(supervisor.consumers, supervisor.closed)).toHaveLength(5);

    // Stop: the supervisor's transports and consumers are gone; the banner and the notice clear.
    const cleared = nextEvent(call.operator, 'call:supervision', ({ supervisors }) => supervisors.length === 0);
    const noticeCleared = nextEvent(call.device, 'call:supervisionNotice', ({ notice }) => notice === null);
    await supervisor.client.request('supervision:stop', { consultationId });
    await cleared;
    await noticeCleared;
    totals = await sfuTotals(t.server);
    expect(totals).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });

    // The audit trail: one start and one end row per mode, with the consultation, the mode and the times.
    const audit = await t.db.auditLog.findMany({ where: { targetId: consultationId, action: { startsWith: 'supervision.' } }, orderBy: { id: 'asc' } });
    expect(audit.every((row) => row.staffId === supervisorId)).toBe(true);
    const rows = audit.map((row) => [row.action, JSON.parse(row.details!) as Record<string, string>] as const);
    expect(rows.map(([action, details]) => [action, details.mode, details.reason])).toEqual([
      ['supervision.start', 'monitor', undefined],
      ['supervision.end', 'monitor', 'mode_changed'],
      ['supervision.start', 'whisper', undefined],
      ['supervision.end', 'whisper', 'mode_changed'],
      ['supervision.start', 'barge', undefined],
      ['supervision.end', 'barge', 'mode_changed'],
      ['supervision.start', 'whisper', undefined],
      ['supervision.end', 'whisper', 'mode_changed'],
      ['supervision.start', 'monitor', undefined],
      ['supervision.end', 'monitor', 'stopped'],
    ]);
    for (const [action, details] of rows) {
      if (action === 'supervision.end') expect(Date.parse(details.endedAt!)).toBeGreaterThanOrEqual(Date.parse(details.startedAt!));
    }

    // The record: started, each change, ended.
    await waitFor(async () => (await t.db.consultationEvent.count({ where: { consultationId, type: 'supervision_ended' } })) === 1);
    const events = await t.db.consultationEvent.findMany({ where: { consultationId, type: { startsWith: 'supervision_' } }, orderBy: { id: 'asc' } });
    expect(events.map((event) => [event.type, JSON.parse(event.data!)])).toEqual([
      ['supervision_started', { mode: 'monitor' }],
      ['supervision_mode_changed', { from: 'monitor', to: 'whisper' }],
      ['supervision_mode_changed', { from: 'whisper', to: 'barge' }],
      ['supervision_mode_changed', { from: 'barge', to: 'whisper' }],
      ['supervision_mode_changed', { from: 'whisper', to: 'monitor' }],
      ['supervision_ended', { mode: 'monitor', reason: 'stopped' }],
    ]);
    expect(events.every((event) => event.actorType === 'staff' && event.actorId === supervisorId)).toBe(true);

    // The end of the call closes a supervision still running: nothing of the room is left.
    const admins = await supervise(call, 'admin', 'barge');
    await produceSupervisorMic(call, admins);
    await waitFor(() => live(call.deviceConsumers, deviceClosed).some((c) => c.participant === 'supervisor'));
    const ended = nextEvent(admins.client, 'supervision:ended');
    await call.operator.request('consultation:end', { consultationId });
    expect(await ended).toEqual({ consultationId, reason: 'call_ended' });
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    await waitFor(async () => (await t.db.auditLog.count({ where: { targetId: consultationId, action: 'supervision.end' } })) === 6);
    const last = await t.db.auditLog.findFirstOrThrow({ where: { targetId: consultationId, action: 'supervision.end' }, orderBy: { id: 'desc' } });
    expect(JSON.parse(last.details!)).toMatchObject({ mode: 'barge', reason: 'call_ended' });
  });

  it('ends the supervision when the supervisor disconnects and when the call is transferred, leaving no media objects', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'welfare1', department: 'welfare' });
    const { consultationId } = call;
    await waitFor(() => call.operatorConsumers.length === 3);
    const before = await sfuTotals(t.server);

    const first = await supervise(call, 'supervisor', 'whisper');
    await produceSupervisorMic(call, first);
    await waitFor(() => call.operatorConsumers.some((c) => c.participant === 'supervisor'));
    const cleared = nextEvent(call.operator, 'call:supervision', ({ supervisors }) => supervisors.length === 0);
    first.client.close();
    await cleared;
    await waitFor(async () => (await sfuTotals(t.server)).consumers === before.consumers);
    expect(await sfuTotals(t.server)).toMatchObject({ transports: before.transports, producers: before.producers, consumers: before.consumers });
    await waitFor(async () => (await t.db.consultationEvent.count({ where: { consultationId, type: 'supervision_ended' } })) === 1);
    const ended = await t.db.consultationEvent.findFirstOrThrow({ where: { consultationId, type: 'supervision_ended' } });
    expect(JSON.parse(ended.data!)).toEqual({ mode: 'whisper', reason: 'disconnected' });

    // A transfer hands the resident to another department: the supervision of this operator ends.
    const second = await supervise(call, 'admin', 'monitor');
    await waitFor(() => second.consumers.length === 5);
    const { id: childcareId } = await t.db.department.findUniqueOrThrow({ where: { code: 'childcare' } });
    const childcare = await t.connect(await t.staffToken('childcare1'));
    await childcare.request('presence:set', { presence: 'available' });
    const transferred = nextEvent(second.client, 'supervision:ended');
    await call.operator.request('consultation:transfer', { consultationId, departmentId: childcareId });
    expect(await transferred).toEqual({ consultationId, reason: 'transferred' });
    // The resident waits in the room alone: only their transports and producers are left.
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 2, producers: 3, consumers: 0 });
    await call.device.request('consultation:cancel', { consultationId });
    await waitFor(async () => (await sfuTotals(t.server)).routers === 0);
  });

  it('does not tell the resident when the city turned the notice off', async () => {
    const admin = await t.staffToken('admin');
    const put = (tellResidentOfSupervision: boolean) =>
      fetch(`${t.server.url}/api/admin/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tellResidentOfSupervision }),
      });
    expect((await put(false)).status).toBe(200);
    try {
      const call = await placeCall(t, { site: '中央公民館', operator: 'citizen1', department: 'citizen' });
      const notices: unknown[] = [];
      call.device.on('call:supervisionNotice', (payload) => notices.push(payload));
      const banner = nextEvent(call.operator, 'call:supervision', ({ supervisors }) => supervisors[0]?.mode === 'barge');
      await supervise(call, 'supervisor', 'barge');
      await banner; // the operator is always shown
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notices).toEqual([]);
      await call.operator.request('consultation:end', { consultationId: call.consultationId });
      await waitFor(async () => (await sfuTotals(t.server)).routers === 0);
    } finally {
      expect((await put(true)).status).toBe(200);
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerPayload } from '@madoguchi/protocol';
import { joinMedia, placeCall, waitFor } from './callFlow.ts';
import { nextEvent, sfuTotals, startTestServer, type TestServer } from './harness.ts';

const RESIDENT_SOURCES = [
  { source: 'mic', kind: 'audio' },
  { source: 'face', kind: 'video' },
  { source: 'document', kind: 'video' },
] as const;
const OPERATOR_SOURCES = [
  { source: 'operator-mic', kind: 'audio' },
  { source: 'operator-cam', kind: 'video' },
] as const;

async function events(t: TestServer, consultationId: string) {
  await t.server.recorder.flush();
  const row = await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId }, include: { events: { orderBy: { id: 'asc' } } } });
  return { row, events: row.events.map((event) => ({ type: event.type, data: event.data ? (JSON.parse(event.data) as Record<string, unknown>) : null })) };
}

describe('a consultation held while its parties come back', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ resumeWindows: { tabletMs: 4_000, operatorMs: 4_000 } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('restarts ICE on a transport whose connection was lost, keeping its media, and records the outage', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3);
    const told = nextEvent(call.operator, 'call:connection', (event) => event.state === 'lost');
    const { iceParameters } = await call.device.request('media:restartIce', {
      consultationId: call.consultationId,
      transportId: call.deviceTransports.sendTransportId,
      disconnectedForMs: 2_500,
    });
    expect(iceParameters.usernameFragment).toEqual(expect.any(String));
    expect(await told).toMatchObject({ consultationId: call.consultationId, party: { role: 'resident', staffId: null }, state: 'lost' });
    // Same transports, producers and consumers: nothing was rebuilt.
    expect(await sfuTotals(t.server)).toMatchObject({ transports: 4, producers: 5, consumers: 5 });

    const restored = nextEvent(call.operator, 'call:connection', (event) => event.state === 'restored');
    await call.device.request('media:recovered', { consultationId: call.consultationId });
    await restored;
    const { events: log } = await events(t, call.consultationId);
    expect(log.find((event) => event.type === 'connection_lost')?.data).toEqual({ party: 'resident', via: 'media' });
    const back = log.find((event) => event.type === 'reconnected')?.data;
    expect(back).toMatchObject({ party: 'resident', how: 'ice_restart' });
    expect(back!.gapMs as number).toBeGreaterThanOrEqual(2_500);
    // The statistics add it up per site: which site's network is bad.
    const { row } = await events(t, call.consultationId);
    expect(row.connectionLosses).toBe(1);
    expect(row.connectionLostMs).toBe(back!.gapMs);
    const daily = await t.db.consultationDaily.findFirstOrThrow({ where: { siteId: row.siteId, departmentId: row.departmentId } });
    expect(daily.lossCount).toBe(1);
    expect(Number(daily.lostSumMs)).toBe(back!.gapMs);
  });

  it('refuses an ICE restart of a transport that is not the caller’s, and a rejoin of a call it is not in', async () => {
    const call = await placeCall(t);
    await expect(
      call.operator.request('media:restartIce', { consultationId: call.consultationId, transportId: call.deviceTransports.sendTransportId, disconnectedForMs: 0 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const stranger = await t.connect(await t.deviceToken('江川出張所'));
    await expect(stranger.request('call:rejoin', { consultationId: call.consultationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tells a tablet whose socket came back what it should be receiving, and records an outage only the browser saw', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.deviceConsumers.length === 2);
    let resumable!: Promise<ServerPayload<'call:resumable'>>;
    const announced: ServerPayload<'media:newConsumer'>[] = [];
    const again = await t.connect(await t.deviceToken('清滝郵便局'), (client) => {
      resumable = nextEvent(client, 'call:resumable');
      client.on('media:newConsumer', (consumer) => announced.push(consumer));
    });
    const expected = call.deviceConsumers.map((consumer) => consumer.consumerId).sort();
    expect((await resumable).consumerIds.sort()).toEqual(expected);
    await waitFor(() => announced.length === 2);
    expect(announced.map((consumer) => consumer.consumerId).sort()).toEqual(expected);
    // Nothing was rebuilt: the media never stopped on the server's side.
    expect(await sfuTotals(t.server)).toMatchObject({ transports: 4, producers: 5, consumers: 5 });

    await again.request('media:recovered', { consultationId: call.consultationId, lostForMs: 3_000 });
    const { events: log } = await events(t, call.consultationId);
    expect(log.find((event) => event.type === 'connection_lost')?.data).toEqual({ party: 'resident', via: 'media' });
    expect(log.find((event) => event.type === 'reconnected')?.data).toMatchObject({ party: 'resident', how: 'network_returned' });
    expect(log.find((event) => event.type === 'reconnected')!.data!.gapMs as number).toBeGreaterThanOrEqual(3_000);
  });

  it('rejoins a call with new transports when asked, and leaves exactly one call’s worth of media', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const joined = nextEvent(call.device, 'call:joined');
    await call.device.request('call:rejoin', { consultationId: call.consultationId });
    const again = await joined;
    expect(again.consultationId).toBe(call.consultationId);
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(call.device, again, [...RESIDENT_SOURCES], consumers);
    await waitFor(() => consumers.length === 2 && call.operatorConsumers.length === 6);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });
    await call.device.request('media:recovered', { consultationId: call.consultationId });
    const { events: log } = await events(t, call.consultationId);
    expect(log.find((event) => event.type === 'reconnected')?.data).toMatchObject({ party: 'resident', how: 'rejoin' });
  });

  it('refuses a set-up request of an earlier join (in flight when the party rejoined): it cannot take the new join’s place', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const rejoin = async () => {
      const joined = nextEvent(call.device, 'call:joined');
      await call.device.request('call:rejoin', { consultationId: call.consultationId });
      return joined;
    };
    const earlier = await rejoin();
    const latest = await rejoin();
    expect(latest.joinId).not.toBe(earlier.joinId);
    const { consultationId } = call;
    await expect(call.device.request('media:createTransport', { consultationId, direction: 'send', joinId: earlier.joinId })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(call.device.request('call:ready', { consultationId, rtpCapabilities: earlier.routerRtpCapabilities, joinId: earlier.joinId })).rejects.toMatchObject({ code: 'CONFLICT' });
    // The latest join sets up as if the earlier one had never been.
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(call.device, latest, [...RESIDENT_SOURCES], consumers);
    await waitFor(() => consumers.length === 2);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });
  });

  it('keeps a call and three waiting residents across a restart: the call goes on in the same consultation, the queue in its order', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3);
    const { id: welfare } = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
    const away = await t.connect(await t.staffToken('welfare1')); // logged in but 離席中: the residents wait
    const waiting: { site: string; consultationId: string; client: Awaited<ReturnType<TestServer['connect']>> }[] = [];
    for (const site of ['江川出張所', '中央公民館', '移動窓口1号車']) {
      const client = await t.connect(await t.deviceToken(site));
      const { consultationId } = await client.request('consultation:request', { departmentId: welfare });
      waiting.push({ site, consultationId, client });
    }
    await t.server.recorder.flush(); // the records are written in their own thread
    const before = await t.db.consultation.findMany({ where: { departmentId: welfare, endedAt: null }, orderBy: { requestedAt: 'asc' } });

    const places = waiting.map(({ client, consultationId }) =>
      nextEvent(client, 'consultation:status', (status) => status.consultationId === consultationId && status.status === 'waiting', 15_000),
    );
    const deviceJoined = nextEvent(call.device, 'call:joined', () => true, 15_000);
    const operatorJoined = nextEvent(call.operator, 'call:joined', () => true, 15_000);
    await t.restart();

    // Everyone reconnects by themselves; the call is rebuilt in the same consultation.
    const [device, operator] = await Promise.all([deviceJoined, operatorJoined]);
    expect([device.consultationId, operator.consultationId]).toEqual([call.consultationId, call.consultationId]);
    const deviceConsumers: ServerPayload<'media:newConsumer'>[] = [];
    const operatorConsumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(call.device, device, [...RESIDENT_SOURCES], deviceConsumers);
    await joinMedia(call.operator, operator, [...OPERATOR_SOURCES], operatorConsumers);
    await waitFor(() => deviceConsumers.length === 2 && operatorConsumers.length === 3);
    await call.device.request('media:recovered', { consultationId: call.consultationId });
    await call.operator.request('media:recovered', { consultationId: call.consultationId });

    // The queue keeps its order and its original request times.
    expect((await Promise.all(places)).map((status) => status.queuePosition)).toEqual([1, 2, 3]);
    const after = await t.db.consultation.findMany({ where: { departmentId: welfare, endedAt: null }, orderBy: { requestedAt: 'asc' } });
    expect(after.map((row) => [row.id, row.requestedAt.getTime()])).toEqual(before.map((row) => [row.id, row.requestedAt.getTime()]));

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    const { row, events: log } = await events(t, call.consultationId);
    expect(row).toMatchObject({ outcome: 'completed', endedBy: 'resident' });
    const types = log.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(['requested', 'offered', 'answered']);
    expect(types).toContain('held');
    expect(types.indexOf('resumed')).toBeGreaterThan(types.indexOf('held'));
    expect(log.find((event) => event.type === 'held')?.data).toEqual({ reason: 'server_stop' });
    expect(log.filter((event) => event.type === 'reconnected').map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ party: 'resident', how: 'resume_after_restart' }),
        expect.objectContaining({ party: 'operator', how: 'resume_after_restart' }),
      ]),
    );
    expect(types.at(-1)).toBe('ended');
    away.close();
  });

  it('ends a held call as failed / server_restart when its tablet does not come back in time, and says so to the operator', async () => {
    const call = await placeCall(t);
    call.device.close(); // the tablet is gone for good
    const ended = nextEvent(call.operator, 'call:ended', () => true, 15_000);
    await t.restart();
    expect(await ended).toEqual({ consultationId: call.consultationId, outcome: 'failed', endedBy: 'system', reason: 'server_restart' });
    const { row } = await events(t, call.consultationId);
    expect(row).toMatchObject({ outcome: 'failed', endedBy: 'system' });
    expect(row.endedAt).not.toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerPayload } from '@madoguchi/protocol';
import { joinMedia, placeCall, waitFor } from './callFlow.ts';
import { nextEvent, sfuTotals, startTestServer, type TestServer } from './harness.ts';

describe('a consultation through the real SFU and socket server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is offered, answered, carries media both ways, and closes everything when the tablet ends it', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    expect(call.operatorConsumers.map((c) => c.source).sort()).toEqual(['document', 'face', 'mic']);
    expect(call.operatorConsumers.every((c) => c.participant === 'resident')).toBe(true);
    expect(call.deviceConsumers.map((c) => c.source).sort()).toEqual(['operator-cam', 'operator-mic']);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });

    const operatorEnded = nextEvent(call.operator, 'call:ended');
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    expect(await operatorEnded).toEqual({ consultationId: call.consultationId, outcome: 'completed', endedBy: 'resident', reason: null });
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });

    await t.server.recorder.flush();
    const row = await t.db.consultation.findUniqueOrThrow({
      where: { id: call.consultationId },
      include: { events: { orderBy: { id: 'asc' } } },
    });
    expect(row.answeredAt).not.toBeNull();
    expect(row.endedAt).not.toBeNull();
    expect(row.outcome).toBe('completed');
    expect(row.endedBy).toBe('resident');
    expect(row.events.map((e) => e.type)).toEqual(['requested', 'offered', 'answered', 'ended']);
    call.device.close();
    call.operator.close();
  });

  it('returns to zero media objects with a flat worker RSS after 20 consecutive calls', async () => {
    const rss: number[] = [];
    for (let i = 0; i < 20; i++) {
      const call = await placeCall(t, { operator: i % 2 ? 'tax1' : 'tax2' });
      await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
      const ended = nextEvent(call.device, 'call:ended');
      await call.operator.request('consultation:end', { consultationId: call.consultationId });
      await ended;
      call.device.close();
      call.operator.close();
      rss.push((await sfuTotals(t.server)).rssKiB);
    }
    const totals = await sfuTotals(t.server);
    expect(totals).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    const growth = rss[19]! - rss[4]!;
    console.log(`[leak check] worker RSS after calls 1, 5, 10, 20: ${rss[0]}, ${rss[4]}, ${rss[9]}, ${rss[19]} KiB; growth 5→20: ${growth} KiB`);
    // Allocator warm-up happens in the first calls; after that each call must give back what it took.
    expect(growth).toBeLessThan(2048);
    await t.server.recorder.flush();
    expect(await t.db.consultation.count({ where: { endedAt: null } })).toBe(0);
  });

  it('ends a waiting consultation as abandoned when the tablet goes away past the grace period', async () => {
    const device = await t.connect(await t.deviceToken('江川出張所'));
    const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
    const operator = await t.connect(await t.staffToken('welfare1')); // logged in but away: the request waits
    const { consultationId } = await device.request('consultation:request', { departmentId });
    device.close();
    await waitFor(async () => {
      await t.server.recorder.flush();
      const row = await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId } });
      return row.outcome === 'abandoned';
    });
    expect(t.server.consultations.liveCount).toBe(0);
    // Back online, the tablet is told it no longer has a consultation.
    let current!: Promise<ServerPayload<'consultation:current'>>;
    const back = await t.connect(await t.deviceToken('江川出張所'), (client) => (current = nextEvent(client, 'consultation:current')));
    expect(await current).toEqual({ consultationId: null });
    back.close();
    operator.close();
  });

  it('gives the call back, with fresh media, to an operator who reconnects within the resume window', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const oldConsumersClosed = new Set<string>();
    call.device.on('media:consumerClosed', ({ consumerId }) => oldConsumersClosed.add(consumerId));
    call.operator.close();

    let resumable!: Promise<ServerPayload<'call:resumable'>>;
    const operator = await t.connect(await t.staffToken('tax1'), (client) => (resumable = nextEvent(client, 'call:resumable')));
    // A page that does not have the call (a reload) is told it can resume it, and rejoins its room.
    expect(await resumable).toMatchObject({ consultationId: call.consultationId, consumerIds: expect.any(Array) });
    const joined = nextEvent(operator, 'call:joined');
    await operator.request('call:rejoin', { consultationId: call.consultationId });
    const rejoined = await joined;
    expect(rejoined).toMatchObject({ consultationId: call.consultationId, role: 'operator' });
    // The tablet is told in words that the operator's connection was lost.
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(operator, rejoined, [{ source: 'operator-mic', kind: 'audio' }, { source: 'operator-cam', kind: 'video' }], consumers);
    await waitFor(() => consumers.length === 3 && oldConsumersClosed.size === 2 && call.deviceConsumers.length === 4);
    // The old transports are gone: exactly one call's worth of media objects.
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });
    // The resume window passed without ending the call.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(t.server.consultations.liveCount).toBe(1);
    // The console's media is back: the outage ends on record, and the tablet is told.
    const restored = nextEvent(call.device, 'call:connection', (event) => event.state === 'restored');
    await operator.request('media:recovered', { consultationId: call.consultationId });
    expect(await restored).toMatchObject({ party: { role: 'operator', name: expect.any(String) }, state: 'restored' });

    await operator.request('consultation:end', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: call.consultationId }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(row.outcome).toBe('completed');
    expect(row.events.map((e) => e.type)).toEqual(['requested', 'offered', 'answered', 'connection_lost', 'reconnected', 'ended']);
    const lost = row.events.find((e) => e.type === 'connection_lost')!;
    const back = row.events.find((e) => e.type === 'reconnected')!;
    expect(JSON.parse(lost.data!)).toMatchObject({ party: 'operator', via: 'socket' });
    expect(JSON.parse(back.data!)).toMatchObject({ party: 'operator', how: 'rejoin', gapMs: expect.any(Number) });
    expect(JSON.parse(back.data!).gapMs).toBeGreaterThanOrEqual(400);
    operator.close();
    call.device.close();
  });

  it('rebuilds the call of a media worker that dies on its replacement, in the same consultation', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const hostOf = async (roomId: string) => (await t.server.sfu.stats()).find((worker) => worker.roomIds.includes(roomId))?.pid;
    const deadPid = await hostOf(call.consultationId);
    expect(deadPid).toEqual(expect.any(Number));
    const deviceJoined = nextEvent(call.device, 'call:joined');
    const operatorJoined = nextEvent(call.operator, 'call:joined');
    process.kill(deadPid!, 'SIGKILL');
    // Both parties are put into a new room (on the replacement worker: this server has one) and set up media again.
    const [device, operator] = await Promise.all([deviceJoined, operatorJoined]);
    expect(device.consultationId).toBe(call.consultationId);
    expect(operator.consultationId).toBe(call.consultationId);
    expect(await hostOf(call.consultationId)).not.toBe(deadPid);
    const deviceConsumers: ServerPayload<'media:newConsumer'>[] = [];
    const operatorConsumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(call.device, device, [{ source: 'mic', kind: 'audio' }, { source: 'face', kind: 'video' }, { source: 'document', kind: 'video' }], deviceConsumers);
    await joinMedia(call.operator, operator, [{ source: 'operator-mic', kind: 'audio' }, { source: 'operator-cam', kind: 'video' }], operatorConsumers);
    await waitFor(() => operatorConsumers.length === 3 && deviceConsumers.length === 2);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: call.consultationId }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(row).toMatchObject({ outcome: 'completed', endedBy: 'resident' });
    const restarted = row.events.find((e) => e.type === 'media_restarted');
    expect(JSON.parse(restarted!.data!)).toMatchObject({ reason: 'worker_died', workerPid: deadPid });
    call.device.close();
    call.operator.close();
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
  });
});

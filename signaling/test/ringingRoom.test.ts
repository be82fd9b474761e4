import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerPayload } from '@madoguchi/protocol';
import { joinMedia, waitFor } from './callFlow.ts';
import { nextEvent, sfuTotals, startTestServer, type TestServer } from './harness.ts';

type NewConsumer = ServerPayload<'media:newConsumer'>;

/**
 * Call set-up ahead of the answer (issue 15): while an operator's console rings, the tablet and that
 * console are already in the call's room, connected and sending, and the SFU forwards nothing until 応答.
 */
describe('the call’s room while the console rings', () => {
  let t: TestServer;
  let welfareId: string;
  beforeAll(async () => {
    t = await startTestServer({ routing: { ringTimeoutSeconds: 30, maxMissedOffers: 3 } });
    welfareId = (await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('puts the tablet and the ringing operator in the room unanswered, moves the operator out on a decline, and connects on 応答 without joining again', async () => {
    const device = await t.connect(await t.deviceToken('中央公民館'));
    const first = await t.connect(await t.staffToken('welfare1'));
    const second = await t.connect(await t.staffToken('welfare2'));
    await first.request('presence:set', { presence: 'available' });

    const deviceJoined = nextEvent(device, 'call:joined');
    const firstJoined = nextEvent(first, 'call:joined');
    const { consultationId } = await device.request('consultation:request', { departmentId: welfareId });
    expect(await deviceJoined).toMatchObject({ consultationId, role: 'resident', answered: false });
    expect(await firstJoined).toMatchObject({ consultationId, role: 'operator', answered: false });

    const deviceConsumers: NewConsumer[] = [];
    const firstConsumers: NewConsumer[] = [];
    await joinMedia(device, await deviceJoined, [{ source: 'mic', kind: 'audio' }, { source: 'face', kind: 'video' }], deviceConsumers);
    await joinMedia(first, await firstJoined, [{ source: 'operator-mic', kind: 'audio' }], firstConsumers);
    await waitFor(() => firstConsumers.length === 2 && deviceConsumers.length === 1);
    // An operator not ringing for it has no media of the call, and the ringing one nothing else of it.
    await expect(second.request('media:createTransport', { consultationId, direction: 'recv' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(first.request('chat:send', { consultationId, text: 'まだ応答していません' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Declined: the first operator's media leaves the room; the tablet's stays for the next offer.
    await second.request('presence:set', { presence: 'available' });
    const secondJoined = nextEvent(second, 'call:joined');
    const deviceLost = new Promise<void>((resolve) => device.on('media:consumerClosed', () => resolve()));
    await first.request('offer:decline', { consultationId });
    await deviceLost;
    expect(await secondJoined).toMatchObject({ consultationId, answered: false });
    await expect(first.request('media:createTransport', { consultationId, direction: 'send' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await waitFor(async () => (await sfuTotals(t.server)).transports === 2);

    const secondConsumers: NewConsumer[] = [];
    await joinMedia(second, await secondJoined, [{ source: 'operator-cam', kind: 'video' }], secondConsumers);
    await waitFor(() => secondConsumers.length === 2);
    let joinedAgain = false;
    second.on('call:joined', () => (joinedAgain = true));
    const answeredAtDevice = nextEvent(device, 'call:answered');
    const answeredAtOperator = nextEvent(second, 'call:answered');
    await second.request('offer:accept', { consultationId });
    expect(await answeredAtDevice).toMatchObject({ consultationId, operatorName: expect.any(String) });
    expect(await answeredAtOperator).toMatchObject({ consultationId });
    await second.request('chat:send', { consultationId, text: 'お待たせしました' });
    expect(joinedAgain).toBe(false);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 3, consumers: 3 });

    await device.request('consultation:end', { consultationId });
    await waitFor(async () => (await sfuTotals(t.server)).routers === 0);
    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' } });
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['offered', 'declined', 'answered']));
    for (const client of [device, first, second]) client.close();
  });

  it('gives up the room when the offer ends unanswered and the call goes back to the queue', async () => {
    const device = await t.connect(await t.deviceToken('江川出張所'));
    const operator = await t.connect(await t.staffToken('welfare1'));
    await operator.request('presence:set', { presence: 'available' });
    const operatorJoined = nextEvent(operator, 'call:joined');
    const { consultationId } = await device.request('consultation:request', { departmentId: welfareId });
    await operatorJoined;
    const released = nextEvent(device, 'call:released');
    await operator.request('offer:decline', { consultationId });
    expect(await released).toEqual({ consultationId });
    await waitFor(async () => (await sfuTotals(t.server)).routers === 0);
    await device.request('consultation:cancel', { consultationId });
    for (const client of [device, operator]) client.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import jwt from 'jsonwebtoken';
import type { ServerPayload } from '@madoguchi/protocol';
import type { RemoteSfu } from '@madoguchi/sfu/remote';
import { startSfuNodeProcess, type SfuNodeProcess } from '@madoguchi/sfu/testing';
import { joinMedia, placeCall, waitFor, type PlacedCall } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';
import { useTestRedis } from './redis.ts';

const SECRET = 'sfu-nodes-test-secret-0123456789abcdef';

/**
 * Media on SFU nodes of their own (SFU=nodes): real `sfu/dist/main.js` processes registered in a
 * real Redis, driven by a real signaling server over their authenticated control channel.
 */
describe('calls whose media runs on SFU nodes of their own', () => {
  const redis = useTestRedis();
  let t: TestServer;
  const nodes = new Map<string, SfuNodeProcess>();
  const sockets: Socket[] = [];
  const remote = () => t.server.sfu as RemoteSfu;
  const hostOf = (consultationId: string) => remote().room(consultationId)?.link.id;
  const startNode = async (id: string, workers: number) => {
    nodes.set(id, await startSfuNodeProcess({ id, redisUrl: redis.url, secret: SECRET, workers }));
    await waitFor(() => remote().nodes().some((node) => node.id === id && node.connected), 10_000);
  };
  const rejoin = async (call: PlacedCall, device: ServerPayload<'call:joined'>, operator: ServerPayload<'call:joined'>) => {
    const deviceConsumers: ServerPayload<'media:newConsumer'>[] = [];
    const operatorConsumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(call.device, device, [{ source: 'mic', kind: 'audio' }, { source: 'face', kind: 'video' }, { source: 'document', kind: 'video' }], deviceConsumers);
    await joinMedia(call.operator, operator, [{ source: 'operator-mic', kind: 'audio' }, { source: 'operator-cam', kind: 'video' }], operatorConsumers);
    await waitFor(() => operatorConsumers.length === 3 && deviceConsumers.length === 2);
  };

  beforeAll(async () => {
    t = await startTestServer({ redisUrl: redis.url, sfuNodes: { secret: SECRET }, resumeWindows: { tabletMs: 15_000, operatorMs: 15_000 } });
    // Node 2 has two workers: the least loaded per worker, it gets the first call.
    await startNode('sfu-1', 1);
    await startNode('sfu-2', 2);
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
    for (const node of nodes.values()) await node.kill();
  });

  it('places a call on the least-loaded node and carries it there: consumers for both sides, the node named in the SFU statistics', async () => {
    expect(t.server.sfu.workerHealth()).toEqual({ expected: 3, running: 3 });
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    expect(hostOf(call.consultationId)).toBe('sfu-2');
    const stats = await t.server.sfu.stats();
    expect(stats.filter((worker) => worker.roomIds.includes(call.consultationId))).toEqual([
      expect.objectContaining({ sfuNodeId: 'sfu-2', routers: 1, transports: 4, producers: 5, consumers: 5 }),
    ]);
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await waitFor(async () => (await t.server.sfu.stats()).every((worker) => worker.routers === 0 && worker.transports === 0));
    call.device.close();
    call.operator.close();
  });

  it('two rooms of one consultation asked for at once: the second is refused, as in process, and the first is whole on its node', async () => {
    const [first, second] = await Promise.allSettled([remote().createRoom('same-consultation'), remote().createRoom('same-consultation')]);
    expect(first).toMatchObject({ status: 'fulfilled' });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    const room = (first as PromiseFulfilledResult<Awaited<ReturnType<RemoteSfu['createRoom']>>>).value;
    const stats = await t.server.sfu.stats();
    expect(stats.filter((worker) => worker.roomIds.includes('same-consultation'))).toEqual([expect.objectContaining({ sfuNodeId: room.link.id, routers: 1 })]);
    room.close();
    await waitFor(async () => (await t.server.sfu.stats()).every((worker) => worker.routers === 0));
  });

  it('a killed node’s call is rebuilt on the other node, in the same consultation, and the record says so', async () => {
    const call = await placeCall(t);
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    expect(hostOf(call.consultationId)).toBe('sfu-2');
    const deviceJoined = nextEvent(call.device, 'call:joined');
    const operatorJoined = nextEvent(call.operator, 'call:joined');
    const killedAt = performance.now();
    await nodes.get('sfu-2')!.kill();
    const [device, operator] = await Promise.all([deviceJoined, operatorJoined]);
    const rejoinedMs = performance.now() - killedAt;
    expect([device.consultationId, operator.consultationId]).toEqual([call.consultationId, call.consultationId]);
    expect(hostOf(call.consultationId)).toBe('sfu-1');
    await rejoin(call, device, operator);
    console.log(`SFU node killed: both parties told to rejoin on the other node after ${rejoinedMs.toFixed(0)} ms`);
    expect(rejoinedMs).toBeLessThan(5_000);

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: call.consultationId }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(row).toMatchObject({ outcome: 'completed', endedBy: 'resident' });
    const restarted = row.events.find((event) => event.type === 'media_restarted');
    expect(JSON.parse(restarted!.data!)).toMatchObject({ reason: 'sfu_node_lost', sfuNodeId: 'sfu-2', rebuiltMs: expect.any(Number) });
    call.device.close();
    call.operator.close();
    await waitFor(() => !remote().nodes().some((node) => node.id === 'sfu-2'), 10_000);
  });

  it('a draining node takes no new room, keeps its call until it ends, then exits', async () => {
    await startNode('sfu-3', 2);
    const first = await placeCall(t);
    expect(hostOf(first.consultationId)).toBe('sfu-3');
    const draining = nodes.get('sfu-3')!;
    draining.drain();
    await waitFor(() => remote().nodes().find((node) => node.id === 'sfu-3')?.draining === true);
    const second = await placeCall(t, { site: '中央公民館', operator: 'tax2' });
    expect(hostOf(second.consultationId)).toBe('sfu-1');
    // The first call goes on on the draining node.
    await waitFor(() => first.operatorConsumers.length === 3);
    expect(hostOf(first.consultationId)).toBe('sfu-3');
    const stillRunning = await Promise.race([draining.exited.then(() => 'exited'), new Promise((resolve) => setTimeout(() => resolve('running'), 500))]);
    expect(stillRunning).toBe('running');

    await first.device.request('consultation:end', { consultationId: first.consultationId });
    expect(await draining.exited).toBe(0);
    await second.device.request('consultation:end', { consultationId: second.consultationId });
    for (const call of [first, second]) {
      call.device.close();
      call.operator.close();
    }
  });

  it('refuses a controller without the shared secret; answers a malformed command with BAD_REQUEST and goes on serving', async () => {
    const { url } = nodes.get('sfu-1')!;
    const connectWith = (token: string) => {
      const socket = io(url, { path: '/sfu-control', transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(socket);
      return socket;
    };
    const forged = connectWith(jwt.sign({ sub: 'intruder' }, 'not-the-secret-0123456789abcdefghij', { audience: 'madoguchi-sfu' }));
    expect(await new Promise((resolve) => forged.once('connect_error', (error) => resolve(error.message)))).toBe('unauthorized');

    const controller = connectWith(jwt.sign({ sub: 'test' }, SECRET, { audience: 'madoguchi-sfu' }));
    await new Promise((resolve) => controller.once('connect', () => resolve(undefined)));
    expect(await controller.emitWithAck('room.join', { roomId: 42, participantId: null })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await controller.emitWithAck('participant.createTransport', { roomId: 'nope', participantId: 'p', joinId: 'j', direction: 'send' })).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    // Another controller's room is not this one's to touch.
    const call = await placeCall(t);
    expect(hostOf(call.consultationId)).toBe('sfu-1');
    expect(await controller.emitWithAck('room.release', { roomId: call.consultationId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    call.device.close();
    call.operator.close();
  });
});

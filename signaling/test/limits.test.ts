import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ClientPayload, ServerPayload } from '@madoguchi/protocol';
import { browserLikeRtpParameters } from '@madoguchi/sfu/testing';
import { placeCall, waitFor } from './callFlow.ts';
import { nextEvent, rawEmit, sfuTotals, startTestServer, untyped, type TestServer } from './harness.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
/** The heap still in use after a full collection (the server runs in this process). */
function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}


/** How many of a burst's acks succeeded, and the error codes of the rest. */
function tally(acks: Ack<unknown>[]): { ok: number; errors: Record<string, number> } {
  const errors: Record<string, number> = {};
  for (const ack of acks) if (!ack.ok) errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
  return { ok: acks.filter((ack) => ack.ok).length, errors };
}

/** A tablet's call answered by tax1, before either side has any media. */
async function answeredCall(t: TestServer) {
  const device = await t.connect(await t.deviceToken('清滝郵便局'));
  const operator = await t.connect(await t.staffToken('tax1'));
  await operator.request('presence:set', { presence: 'available' });
  const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } });
  const offered = nextEvent(operator, 'offer:incoming');
  const { consultationId } = await device.request('consultation:request', { departmentId });
  await offered;
  const deviceJoined = nextEvent(device, 'call:joined');
  const operatorJoined = nextEvent(operator, 'call:joined');
  await operator.request('offer:accept', { consultationId });
  return { consultationId, device, operator, deviceJoined: await deviceJoined, operatorJoined: await operatorJoined };
}

describe('one socket’s burst meets the SFU’s limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Rate limits out of the way: every one of the 500 requests reaches the SFU at once.
    t = await startTestServer({ socketLimits: { events: { perSecond: 100_000, burst: 100_000 }, chat: { perSecond: 1, burst: 10 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('500 concurrent createTransport(send), then 500 produce(face): exactly one of each, and the operator one consumer', async () => {
    const { consultationId, device, operator, deviceJoined, operatorJoined } = await answeredCall(t);
    const operatorConsumers: ServerPayload<'media:newConsumer'>[] = [];
    operator.on('media:newConsumer', (consumer) => operatorConsumers.push(consumer));
    await operator.request('media:createTransport', { consultationId, direction: 'recv' });
    await operator.request('call:ready', { consultationId, rtpCapabilities: operatorJoined.routerRtpCapabilities });

    const transports = await Promise.all(Array.from({ length: 500 }, () => rawEmit(device, 'media:createTransport', { consultationId, direction: 'send' })));
    expect(tally(transports)).toEqual({ ok: 1, errors: { CONFLICT: 499 } });
    const sendTransport = transports.find((ack) => ack.ok) as { ok: true; data: { id: string } };
    await device.request('media:createTransport', { consultationId, direction: 'recv' });
    await device.request('call:ready', { consultationId, rtpCapabilities: deviceJoined.routerRtpCapabilities });

    const faces = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        rawEmit(device, 'media:produce', {
          consultationId,
          transportId: sendTransport.data.id,
          kind: 'video',
          source: 'face',
          rtpParameters: browserLikeRtpParameters('video', 70_000 + i) as ClientPayload<'media:produce'>['rtpParameters'],
        }),
      ),
    );
    expect(tally(faces)).toEqual({ ok: 1, errors: { CONFLICT: 499 } });
    await waitFor(() => operatorConsumers.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // any stray consumer would be pushed by now
    expect(operatorConsumers.map((consumer) => consumer.source)).toEqual(['face']);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 3, producers: 1, consumers: 1 });
    await device.request('consultation:end', { consultationId });
    device.close();
    operator.close();
  });

  it('50,000 invites and transfers to made-up departments are refused and leave no state', async () => {
    const call = await placeCall(t);
    let heapBefore = 0;
    const refusals: Record<string, number> = {};
    const sample: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const departmentIds = Array.from({ length: 1_000 }, () => randomUUID());
      if (batch === 0) sample.push(...departmentIds.slice(0, 100));
      const acks = await Promise.all(
        departmentIds.map((departmentId, i) =>
          rawEmit(call.operator, i % 2 ? 'consultation:invite' : 'consultation:transfer', { consultationId: call.consultationId, departmentId, note: 'x'.repeat(500) }),
        ),
      );
      for (const [code, count] of Object.entries(tally(acks).errors)) refusals[code] = (refusals[code] ?? 0) + count;
      if (batch === 9) heapBefore = retainedHeap(); // once the code paths and caches have warmed up
    }
    expect(refusals).toEqual({ NOT_FOUND: 50_000 });
    for (const departmentId of sample) expect(() => t.server.consultations.routing.departmentConfig(departmentId)).toThrow();
    const growthMiB = (retainedHeap() - heapBefore) / 2 ** 20;
    console.log(`[limits] 50,000 made-up departments refused; retained heap growth over the last 40,000 ${growthMiB.toFixed(1)} MiB (before: 24 MiB in the server alone)`);
    expect(growthMiB).toBeLessThan(2);
    // The call goes on untouched.
    expect(t.server.consultations.liveCount).toBe(1);
    await call.operator.request('chat:send', { consultationId: call.consultationId, text: 'まだつながっています' });
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    call.device.close();
    call.operator.close();
  }, 240_000);
});

describe('rate limits per socket', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ socketLimits: { events: { perSecond: 20, burst: 60 }, chat: { perSecond: 1, burst: 10 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a socket past its rate with RATE_LIMITED, drops it when it keeps on, and serves the others', async () => {
    const flooder = await t.connect(await t.staffToken('tax2'));
    const bystander = await t.connect(await t.staffToken('tax1'));
    const started = performance.now();
    const acks = await Promise.all(Array.from({ length: 100 }, () => rawEmit(flooder, 'presence:set', { presence: 'away' })));
    const { ok, errors } = tally(acks);
    expect(ok).toBeGreaterThanOrEqual(60);
    expect(ok).toBeLessThanOrEqual(60 + Math.ceil((20 * (performance.now() - started)) / 1000)); // the burst, and what the rate refilled meanwhile
    expect(errors).toEqual({ RATE_LIMITED: 100 - ok });
    expect(acks.find((ack) => !ack.ok)).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('20') } });

    const dropped = new Promise((resolve) => flooder.socket.once('disconnect', resolve));
    for (let i = 0; i < 200; i++) untyped(flooder).emit('presence:set', { presence: 'away' });
    expect(await dropped).toBe('io server disconnect');
    expect(await bystander.request('presence:set', { presence: 'available' })).toEqual({ presence: 'available' });
    flooder.close();
    bystander.close();
  });

  it('caps chat: text over 1,000 characters is refused, and more than 10 messages at once are RATE_LIMITED', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    expect(await rawEmit(call.device, 'chat:send', { consultationId, text: 'あ'.repeat(1001) })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const started = performance.now();
    const acks = await Promise.all(Array.from({ length: 15 }, (_, i) => rawEmit(call.device, 'chat:send', { consultationId, text: `質問 ${i}` })));
    const { ok, errors } = tally(acks);
    expect(ok).toBeGreaterThanOrEqual(9); // the oversized message took one token too
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil((performance.now() - started) / 1000));
    expect(errors).toEqual({ RATE_LIMITED: 15 - ok });
    // The operator's own chat has its own allowance.
    await call.operator.request('chat:send', { consultationId, text: '承知しました' });
    await call.device.request('consultation:end', { consultationId });
    call.device.close();
    call.operator.close();
  });
});

import * as mediasoup from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTICIPANT_LIMITS, SfuNode, type ConsumerInfo, type Participant } from '../src/index.ts';
import { browserLikeRtpParameters } from '../src/testing.ts';

const totals = async (sfu: SfuNode) => {
  const stats = await sfu.stats();
  return ['routers', 'transports', 'producers', 'consumers'].map((key) =>
    stats.reduce((sum, worker) => sum + (worker[key as 'routers'] as number), 0),
  );
};

let ssrc = 5000;
async function sendAndReceive(participant: Participant, sources: [string, 'audio' | 'video'][], rtpCapabilities: object) {
  const send = await participant.createTransport('send');
  await participant.createTransport('recv');
  await participant.setReady(rtpCapabilities);
  for (const [source, kind] of sources) {
    await participant.produce({ transportId: send.id, kind, source, rtpParameters: browserLikeRtpParameters(kind, ++ssrc) });
  }
}

describe('SfuNode with real mediasoup workers', () => {
  let sfu: SfuNode;
  /** Every consumer the workers create, by id, seen through mediasoup's observer API (to read its paused state). */
  const workerConsumers = new Map<string, mediasoup.types.Consumer>();
  beforeAll(async () => {
    mediasoup.observer.on('newworker', (worker) =>
      worker.observer.on('newrouter', (router) =>
        router.observer.on('newtransport', (transport) => transport.observer.on('newconsumer', (consumer) => workerConsumers.set(consumer.id, consumer))),
      ),
    );
    sfu = await SfuNode.start({ numWorkers: 2, port: 0 });
  });
  afterAll(async () => {
    await sfu.close();
  });

  it('listens on one UDP and one TCP port per worker', async () => {
    const ports = await sfu.listenPorts();
    expect(ports).toHaveLength(2);
    for (const { udp, tcp } of ports) {
      expect(udp).toBeGreaterThan(0);
      expect(tcp).toBeGreaterThan(0);
    }
  });

  it('places rooms on the least-loaded worker', async () => {
    const rooms = await Promise.all(['a', 'b', 'c', 'd'].map((id) => sfu.createRoom(id)));
    expect((await sfu.stats()).map((worker) => worker.rooms)).toEqual([2, 2]);
    await expect(sfu.createRoom('a')).rejects.toMatchObject({ code: 'CONFLICT' });
    for (const room of rooms) room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('gives each participant the others’ media, and a leaving participant takes its consumers along', async () => {
    const room = await sfu.createRoom('call');
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    const toOperator: ConsumerInfo[] = [];
    const closedAtOperator: string[] = [];
    operator.on('newConsumer', (consumer) => toOperator.push(consumer));
    operator.on('consumerClosed', (id) => closedAtOperator.push(id));

    await sendAndReceive(resident, [['mic', 'audio'], ['face', 'video'], ['document', 'video']], room.rtpCapabilities);
    await sendAndReceive(operator, [['operator-mic', 'audio']], room.rtpCapabilities);
    expect(toOperator.map((c) => [c.source, c.producerRole])).toEqual([
      ['mic', 'resident'],
      ['face', 'resident'],
      ['document', 'resident'],
    ]);
    expect(await totals(sfu)).toEqual([1, 4, 4, 4]);
    await expect(resident.produce({ transportId: 'nope', kind: 'audio', source: 'mic', rtpParameters: browserLikeRtpParameters('audio', 1) })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    resident.close();
    // The worker reports each consumer whose producer went away (asynchronously).
    await expect.poll(() => closedAtOperator.length).toBe(3);
    expect(closedAtOperator.sort()).toEqual(toOperator.map((c) => c.consumerId).sort());
    expect(room.participant('resident:1')).toBeUndefined();
    expect(await totals(sfu)).toEqual([1, 2, 1, 0]);

    let closedWith: string | undefined;
    room.on('close', (reason) => (closedWith = reason));
    room.close();
    expect(closedWith).toBe('ended');
    expect(operator.closed).toBe(true);
    expect(sfu.room('call')).toBeUndefined();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('lets only a participant’s audience consume it, and adds and closes consumers when the audience changes', async () => {
    const room = await sfu.createRoom('audience');
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    // A supervisor who whispers: heard by operators only. It still receives everyone.
    const supervisor = room.join('supervisor:1', 'supervisor', ['operator']);
    const received = new Map<Participant, ConsumerInfo[]>([resident, operator, supervisor].map((p) => [p, []]));
    const closed = new Map<Participant, string[]>([resident, operator, supervisor].map((p) => [p, []]));
    for (const [participant, list] of received) participant.on('newConsumer', (consumer) => list.push(consumer));
    for (const [participant, list] of closed) participant.on('consumerClosed', (id) => list.push(id));
    const open = (p: Participant) => received.get(p)!.filter((c) => !closed.get(p)!.includes(c.consumerId)).map((c) => c.source).sort();

    await sendAndReceive(resident, [['mic', 'audio']], room.rtpCapabilities);
    await sendAndReceive(operator, [['operator-mic', 'audio']], room.rtpCapabilities);
    await sendAndReceive(supervisor, [['supervisor-mic', 'audio']], room.rtpCapabilities);
    // A new producer fans out in the background.
    await expect.poll(() => open(operator)).toEqual(['mic', 'supervisor-mic']);
    await expect.poll(() => open(supervisor)).toEqual(['mic', 'operator-mic']);
    expect(open(resident)).toEqual(['operator-mic']);

    await room.setAudience('supervisor:1', null); // everyone (barge)
    expect(open(resident)).toEqual(['operator-mic', 'supervisor-mic']);
    await room.setAudience('supervisor:1', []); // nobody
    expect(open(resident)).toEqual(['operator-mic']);
    expect(open(operator)).toEqual(['mic']);
    expect(await totals(sfu)).toEqual([1, 6, 3, 4]);
    await expect(room.setAudience('nobody', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('creates one consumer per producer even when two paths ask for it at once', async () => {
    const room = await sfu.createRoom('race');
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    const toOperator: ConsumerInfo[] = [];
    operator.on('newConsumer', (consumer) => toOperator.push(consumer));
    await sendAndReceive(resident, [['face', 'video']], room.rtpCapabilities);
    await operator.createTransport('recv');
    const [producer] = [...resident.producers];
    // setReady's catch-up and a fan-out of the same producer, concurrently.
    await Promise.all([operator.setReady(room.rtpCapabilities), operator.consume(producer!), operator.consume(producer!)]);
    expect(toOperator).toHaveLength(1);
    expect(operator.counts.consumers).toBe(1);
    room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });
  it('forwards nothing in a held room, whatever the browsers ask, until it is released', async () => {
    const room = await sfu.createRoom('ringing');
    room.hold();
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    const toOperator: ConsumerInfo[] = [];
    operator.on('newConsumer', (consumer) => toOperator.push(consumer));
    await sendAndReceive(resident, [['mic', 'audio'], ['face', 'video']], room.rtpCapabilities);
    await sendAndReceive(operator, [], room.rtpCapabilities);
    await expect.poll(() => toOperator.length, { timeout: 5000 }).toBe(2);
    const paused = () => toOperator.map(({ consumerId }) => workerConsumers.get(consumerId)!.paused);

    for (const { consumerId } of toOperator) await operator.resumeConsumer(consumerId);
    expect(room.held).toBe(true);
    expect(paused()).toEqual([true, true]);

    await room.release();
    expect(room.held).toBe(false);
    expect(paused()).toEqual([false, false]);
    room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('holds its limits under a burst: 500 concurrent transports or producers of one source give exactly one', async () => {
    const room = await sfu.createRoom('burst');
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    await operator.createTransport('recv');
    await operator.setReady(room.rtpCapabilities);
    const burst = async <T>(attempt: () => Promise<T>) => {
      const settled = await Promise.allSettled(Array.from({ length: 500 }, attempt));
      const created = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const conflicts = settled.filter((result) => result.status === 'rejected' && result.reason?.code === 'CONFLICT');
      return { created, conflicts: conflicts.length };
    };

    const sends = await burst(() => resident.createTransport('send'));
    expect(sends.created).toHaveLength(1);
    expect(sends.conflicts).toBe(499);
    const faces = await burst(() =>
      resident.produce({ transportId: sends.created[0]!.id, kind: 'video', source: 'face', rtpParameters: browserLikeRtpParameters('video', ++ssrc) }),
    );
    expect(faces.created).toHaveLength(1);
    expect(faces.conflicts).toBe(499);
    expect(resident.counts).toEqual({ transports: 1, producers: 1, consumers: 0 });
    await expect.poll(() => operator.counts.consumers).toBe(1);
    expect(await totals(sfu)).toEqual([1, 2, 1, 1]);
    room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('caps the producers and consumers a participant holds', async () => {
    const room = await sfu.createRoom('caps');
    const resident = room.join('resident:1', 'resident');
    const operator = room.join('operator:1', 'operator');
    await operator.createTransport('recv');
    await operator.setReady(room.rtpCapabilities);
    const send = await resident.createTransport('send');
    const sources = Array.from({ length: PARTICIPANT_LIMITS.producers + 1 }, (_, i) => `source-${i}`);
    const settled = await Promise.allSettled(
      sources.map((source) => resident.produce({ transportId: send.id, kind: 'audio', source, rtpParameters: browserLikeRtpParameters('audio', ++ssrc) })),
    );
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(PARTICIPANT_LIMITS.producers);
    expect(resident.counts.producers).toBe(PARTICIPANT_LIMITS.producers);

    // Two more senders offer the operator 24 streams; it consumes up to its cap and no further.
    for (const id of ['operator:2', 'operator:3']) {
      const sender = room.join(id, 'operator');
      const transport = await sender.createTransport('send');
      for (const source of sources.slice(0, PARTICIPANT_LIMITS.producers)) {
        await sender.produce({ transportId: transport.id, kind: 'audio', source, rtpParameters: browserLikeRtpParameters('audio', ++ssrc) });
      }
    }
    await expect.poll(() => operator.counts.consumers).toBe(PARTICIPANT_LIMITS.consumers);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(operator.counts.consumers).toBe(PARTICIPANT_LIMITS.consumers);
    room.close();
    expect(await totals(sfu)).toEqual([0, 0, 0, 0]);
  });

  it('fails the rooms of a worker that dies and replaces the worker', async () => {
    const rooms = [await sfu.createRoom('x'), await sfu.createRoom('y')];
    const died = new Promise<string[]>((resolve) => sfu.once('roomsLost', (_loss, failed) => resolve(failed)));
    const reasons: string[] = [];
    for (const room of rooms) room.on('close', (reason) => reasons.push(reason));
    sfu.killWorker(0);
    const failed = await died;
    expect(failed).toHaveLength(1);
    expect(reasons).toEqual(['worker_died']);
    expect(sfu.workerHealth()).toEqual({ expected: 2, running: 1 });
    await expect.poll(async () => (await sfu.stats()).filter((w) => !w.failed).length, { timeout: 5000 }).toBe(2);
    expect(sfu.workerHealth()).toEqual({ expected: 2, running: 2 });
    const survivor = rooms.find((room) => !room.closed)!;
    survivor.close();
    expect(sfu.roomCount).toBe(0);
  });
});

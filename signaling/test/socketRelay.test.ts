import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { StaffSessions } from '../src/auth/StaffSessions.ts';
import { TokenService } from '../src/auth/TokenService.ts';
import { OwnerChannel } from '../src/cluster/OwnerChannel.ts';
import { SharedRedis } from '../src/cluster/SharedRedis.ts';
import { CITY, RelayBackend } from '../src/cluster/SocketRelay.ts';
import { systemClock } from '../src/clock.ts';
import { attachGateway, createNotifier, createSocketServer, type GatewayServer } from '../src/gateway/Gateway.ts';
import { createOriginCheck } from '../src/web/origins.ts';
import { connectedClient, nextEvent, rawEmit, startTestServer, type TestServer } from './harness.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

/** A signaling node that does not run the city: authenticates sockets, relays them to the owner. */
interface Edge {
  url: string;
  io: GatewayServer;
  lost: string[];
  close(): Promise<void>;
  /** Ends as a crash would: nothing said to the owner, the heartbeat not deleted. */
  die(): Promise<void>;
}

async function startEdge(owner: TestServer, redisUrl: string, messageTimeoutMs: number, nodeId = 'edge-1'): Promise<Edge> {
  const redis = await SharedRedis.connect(redisUrl);
  const httpServer: Server = createServer();
  const io = createSocketServer(httpServer, createOriginCheck(owner.config.allowedOrigins), redis);
  const lost: string[] = [];
  const relay = await RelayBackend.start({ redis, nodeId, onLost: (what) => lost.push(what), messageTimeoutMs, heartbeatMs: EDGE_HEARTBEAT_TEST_MS });
  // Sessions are only checked here (ending one is the owner's, through its HTTP API).
  const sessions = new StaffSessions({ db: owner.db, clock: systemClock, notifier: createNotifier(io, { clustered: true }), consultations: { staffSignedOut: () => {} } });
  const tokens = new TokenService(owner.db, owner.config.jwtSecret, owner.config.staffTokenTtl, sessions);
  attachGateway(io, { tokens, sessions }, relay, owner.config.socketLimits);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    io,
    lost,
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await relay.close();
      await redis.close();
    },
    async die() {
      // As a killed process: its Redis connections drop and it tells the owner nothing; its sockets
      // then find no server (closed after Redis, so that their disconnections reach nobody).
      redis.commands.disconnect();
      redis.subscriber.disconnect();
      io.local.disconnectSockets(true); // its own sockets only: it can no longer reach Redis
      await relay.close(); // its timers (a dead process has none); the heartbeat's key stays in Redis to lapse
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** The edges' heartbeat in these tests: a dead edge is noticed within it and the owner's next check. */
const EDGE_HEARTBEAT_TEST_MS = 1_500;

const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * Two signaling nodes sharing a real Redis: the owner runs the city (a real server holding the
 * city's lease), the edge only authenticates its sockets and relays their connections, messages and
 * disconnections to it; the owner's pushes reach the edge's sockets through the Redis adapter.
 */
describe('a tablet connected to an edge node, served by the node that runs the city', () => {
  let redis: TestRedis;
  let owner: TestServer;
  let edge: Edge;
  const clients: ProtocolClient[] = [];
  const connectTo = (url: string, token: string, beforeConnect?: (client: ProtocolClient) => void) =>
    connectedClient(url, token, (client) => {
      clients.push(client);
      beforeConnect?.(client);
    });

  beforeAll(async () => {
    redis = await startTestRedis();
    owner = await startTestServer({ redisUrl: redis.url });
    await waitUntil(() => owner.server.owner, 'the owner of the city');
    edge = await startEdge(owner, redis.url, 1_500);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await edge?.close();
    await owner?.close();
    await redis?.stop();
  });

  it('requests, is offered to an operator on the owner, answered and ended; every ack and push crosses the nodes', async () => {
    const welfareId = (await owner.db.department.findUniqueOrThrow({ where: { code: 'welfare' } })).id;
    const device = await owner.db.device.findFirstOrThrow({ where: { site: { name: '中央公民館' } } });
    let current: unknown;
    const tablet = await connectTo(edge.url, await owner.deviceToken('中央公民館'), (client) => client.on('consultation:current', (payload) => (current = payload)));
    // Counted in on the owner, which pushes what a tablet is told on arrival.
    await waitUntil(() => owner.server.consultations.liveSnapshot().onlineDevices.has(device.id), 'online on the owner');
    await waitUntil(() => current !== undefined, 'told its consultation');
    expect(current).toEqual({ consultationId: null });

    // 福祉課's operator is logged in (away) on the owner: the request queues rather than being refused.
    // (Its first message is answered once it is counted in: the adapter first asks every node for its older consoles.)
    const operator = await owner.connect(await owner.staffToken('welfare1'));
    await operator.request('presence:set', { presence: 'away' });
    const { consultationId, status, queuePosition } = await tablet.request('consultation:request', { departmentId: welfareId });
    expect({ status, queuePosition }).toEqual({ status: 'waiting', queuePosition: 1 });
    const offer = nextEvent(operator, 'offer:incoming');
    await operator.request('presence:set', { presence: 'available' });
    expect(await offer).toMatchObject({ consultationId, site: { name: '中央公民館' } });
    const answered = nextEvent(tablet, 'call:answered');
    await operator.request('offer:accept', { consultationId });
    expect(await answered).toMatchObject({ consultationId });

    // Bad input through the edge is judged on the owner, as from its own sockets.
    expect(await rawEmit(tablet, 'consultation:request', { departmentId: 42 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(tablet, 'presence:set', { presence: 'available' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const ended = nextEvent(operator, 'call:ended');
    await tablet.request('consultation:end', { consultationId });
    expect(await ended).toMatchObject({ consultationId });
    await owner.server.recorder.flush();
    const row = await owner.db.consultation.findUniqueOrThrow({ where: { id: consultationId } });
    expect(row.outcome).toBe('completed');

    // Its disconnection reaches the owner too.
    tablet.close();
    await waitUntil(() => !owner.server.consultations.liveSnapshot().onlineDevices.has(device.id), 'offline on the owner');
    expect(edge.lost).toEqual([]);
    operator.close();
  });

  it('a malformed relayed call is refused on the owner (INTERNAL, without details), and the owner goes on', async () => {
    const stranger = await SharedRedis.connect(redis.url);
    const channel = await OwnerChannel.open({ redis: stranger.commands, subscriber: stranger.subscriber, name: CITY, nodeId: 'stranger' });
    try {
      for (const call of [{ call: 'message', principal: { kind: 'root' }, connection: { id: 'x' }, event: 'consultation:request', payload: {} }, { call: 'shutdown' }, 'text']) {
        await expect(channel.request(call, 2_000)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the owner could not run the command' });
      }
      expect(owner.server.owner).toBe(true);
    } finally {
      await channel.close();
      await stranger.close();
    }
  });

  it('the sockets of an edge that dies are counted out on the owner once its heartbeat lapses; a live edge’s stay', async () => {
    const online = () => owner.server.consultations.liveSnapshot().onlineDevices;
    const [staying, lost] = await Promise.all(['清滝郵便局', '移動窓口1号車'].map((name) => owner.db.device.findFirstOrThrow({ where: { site: { name } } })));
    const doomed = await startEdge(owner, redis.url, 1_500, 'edge-doomed');
    const stayingTablet = await connectTo(edge.url, await owner.deviceToken('清滝郵便局'));
    const lostTablet = await connectTo(doomed.url, await owner.deviceToken('移動窓口1号車'));
    lostTablet.socket.io.reconnection(false); // its server is gone for good
    await waitUntil(() => online().has(staying!.id) && online().has(lost!.id), 'both online on the owner');
    expect(owner.server.cluster?.relayedSocketsByEdge()).toEqual(new Map([['edge-1', 1], ['edge-doomed', 1]]));

    await doomed.die();
    // Told nothing by the dead edge, the owner finds its heartbeat gone (1.5 s here) at its next check.
    await waitUntil(() => !online().has(lost!.id), 'the dead edge’s tablet counted out');
    expect(online().has(staying!.id), 'the live edge’s tablet still counts').toBe(true);
    expect(owner.server.cluster?.relayedSocketsByEdge()).toEqual(new Map([['edge-1', 1]]));
    // What it could not tell the owner before it closed is no loss to report: its sockets connect again anyway.
    expect(doomed.lost).toEqual([]);
    stayingTablet.close();
    await waitUntil(() => !online().has(staying!.id), 'the staying tablet counted out when it closes');
  });

  it('with no node running the city, a message through the edge is UNAVAILABLE (try again), not refused', async () => {
    const tablet = await connectTo(edge.url, await owner.deviceToken('江川出張所'));
    await owner.server.cluster!.stopServing(); // nobody takes the edges’ calls
    const welfareId = (await owner.db.department.findUniqueOrThrow({ where: { code: 'welfare' } })).id;
    expect(await rawEmit(tablet, 'consultation:request', { departmentId: welfareId })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    tablet.close();
  });
});

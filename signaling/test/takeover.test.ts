import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ProtocolClient, type ProtocolSocket } from '@madoguchi/protocol/client';
import { GUEST_NAMESPACE, type GuestRefusal, type ServerPayload } from '@madoguchi/protocol';
import { startServer, type MadoguchiServer } from '../src/server.ts';
import { joinMedia, placeCall, waitFor } from './callFlow.ts';
import { TEST_PASSWORD, connectedClient, nextEvent, startTestServer, type TestServer } from './harness.ts';
import { useTestRedis } from './redis.ts';

/**
 * Three signaling nodes sharing a real Redis and database, each a whole server: A starts first and
 * runs the city; B and C are edges, relaying their sockets and /api to A. When A stops, one of them
 * takes the city's lease and runs the city in place, by the restart path; the other's sockets
 * connect again and are counted by the new owner.
 */
describe('a city taken over by the other node when the node running it stops', () => {
  const redis = useTestRedis();
  let a: TestServer;
  let b: MadoguchiServer;
  let c: MadoguchiServer;
  const clients: ProtocolClient[] = [];
  const connect = (url: string, token: string, beforeConnect?: (client: ProtocolClient) => void) =>
    connectedClient(url, token, (client) => {
      clients.push(client);
      beforeConnect?.(client);
    });

  beforeAll(async () => {
    a = await startTestServer({ redisUrl: redis.url, resumeWindows: { tabletMs: 15_000, operatorMs: 15_000 } });
    b = await startServer({ config: { ...a.config, port: 0 }, db: a.db, nodeId: 'node-b' });
    c = await startServer({ config: { ...a.config, port: 0 }, db: a.db, nodeId: 'node-c' });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await c?.close();
    await b?.close();
    await a?.close();
  });

  it('the first node runs the city; the others are edges, whose /api is the owner’s', async () => {
    expect(a.server.owner).toBe(true);
    expect([b.owner, c.owner]).toEqual([false, false]);
    expect(() => b.consultations).toThrow(/edge/);
    // Each node says for itself which it is (not passed to the owner).
    const node = async (url: string) => (await fetch(`${url}/api/node`)).json();
    expect(await node(b.url)).toEqual({ nodeId: 'node-b', role: 'edge' });
    expect(await node(a.server.url)).toEqual({ nodeId: expect.any(String), role: 'owner' });
    const login = await fetch(`${b.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'welfare1', password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ token: expect.any(String) });
    const wrong = await fetch(`${b.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'welfare1', password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('a guest’s link opens through an edge: welcomed, knocks, admitted by the operator and given the call’s media; a wrong link is refused there, not UNAVAILABLE', async () => {
    const call = await placeCall(a, { operator: 'tax2' });
    const { guestId, token } = await call.operator.request('guest:invite', { consultationId: call.consultationId, kind: 'interpreter' });
    // A connection of its own (forceNew): socket.io-client would otherwise share one, without reconnection, with the staff's sockets to B.
    const guestAt = (link: unknown) => {
      const socket = io(`${b.url}${GUEST_NAMESPACE}`, { auth: { token: link }, transports: ['websocket'], reconnection: false, forceNew: true }) as unknown as ProtocolSocket;
      const client = new ProtocolClient(socket);
      clients.push(client);
      return client;
    };
    const refused = guestAt('not-a-link');
    expect(await new Promise((resolve) => refused.socket.once('connect_error', (error) => resolve((error as Error & { data: GuestRefusal }).data)))).toEqual({
      code: 'UNAUTHORIZED',
      reason: 'invalid',
    });

    const guest = guestAt(token);
    await nextEvent(guest, 'guest:welcome');
    const waiting = nextEvent(call.operator, 'call:guests', ({ guests }) => guests.some((g) => g.guestId === guestId && g.state === 'waiting'));
    expect(await guest.request('guest:knock', { name: 'Ana Souza' })).toEqual({ state: 'waiting' });
    await waiting;
    const joined = nextEvent(guest, 'call:joined');
    await call.operator.request('guest:admit', { consultationId: call.consultationId, guestId });
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(guest, await joined, [], consumers);
    await waitFor(() => consumers.length >= 3, 10_000);

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    for (const client of [call.device, call.operator]) client.close();

  });

  it('keeps a call across the nodes and the waiting residents’ order when the owner stops: another node runs the city, the next 受付可 gets the first in line', async () => {
    const db = a.db;
    const { id: tax } = await db.department.findUniqueOrThrow({ where: { code: 'tax' } });
    const { id: welfare } = await db.department.findUniqueOrThrow({ where: { code: 'welfare' } });
    const tokens = {
      callTablet: await a.deviceToken('清滝郵便局'),
      firstWaiting: await a.deviceToken('江川出張所'),
      secondWaiting: await a.deviceToken('中央公民館'),
      thirdWaiting: await a.deviceToken('移動窓口1号車'),
      tax1: await a.staffToken('tax1'),
      welfare1: await a.staffToken('welfare1'),
    };

    // A call with the tablet on A and the operator on B (relayed to A).
    const callTablet = await connect(a.server.url, tokens.callTablet);
    const operator = await connect(b.url, tokens.tax1);
    await operator.request('presence:set', { presence: 'available' });
    const offered = nextEvent(operator, 'offer:incoming');
    const { consultationId: callId } = await callTablet.request('consultation:request', { departmentId: tax });
    await operator.request('offer:accept', { consultationId: (await offered).consultationId });
    // Three residents waiting for 福祉, one on each node; 福祉's operator is logged in (on B) but 離席中.
    const welfareConsole = await connect(b.url, tokens.welfare1);
    const firstTablet = await connect(b.url, tokens.firstWaiting);
    const { consultationId: firstId } = await firstTablet.request('consultation:request', { departmentId: welfare });
    const secondTablet = await connect(a.server.url, tokens.secondWaiting);
    const { consultationId: secondId } = await secondTablet.request('consultation:request', { departmentId: welfare });
    const thirdTablet = await connect(c.url, tokens.thirdWaiting);
    const { consultationId: thirdId } = await thirdTablet.request('consultation:request', { departmentId: welfare });
    await a.server.recorder.flush();

    const waitingAt = (client: ProtocolClient, consultationId: string) =>
      nextEvent(client, 'consultation:status', (status) => status.consultationId === consultationId && status.status === 'waiting', 20_000);
    // Pushed when each socket is counted by the new owner: B's and C's sockets connect again by themselves.
    const firstPlace = waitingAt(firstTablet, firstId);
    const thirdPlace = waitingAt(thirdTablet, thirdId);
    const operatorBack = nextEvent(operator, 'call:joined', () => true, 20_000);
    const stoppedAt = Date.now();
    await a.server.close();
    await waitFor(() => b.owner || c.owner, 10_000);
    const takeoverMs = Date.now() - stoppedAt;
    const successor = b.owner ? b : c;
    expect(await (await fetch(`${successor.url}/api/node`)).json()).toMatchObject({ role: 'owner' });
    console.log(`[takeover] node ${successor === b ? 'B' : 'C'} runs the city ${takeoverMs} ms after node A stopped`);

    // A's clients come to a live node (a balancer's job).
    let tabletBack: Promise<ServerPayload<'call:joined'>> | undefined;
    const movedTablet = await connect(successor.url, tokens.callTablet, (client) => (tabletBack = nextEvent(client, 'call:joined', () => true, 20_000)));
    const secondMoved = ProtocolClient.connect(tokens.secondWaiting, successor.url);
    clients.push(secondMoved);
    const secondPlace = waitingAt(secondMoved, secondId);
    expect((await firstPlace).queuePosition).toBe(1);
    expect((await secondPlace).queuePosition).toBe(2);
    expect((await thirdPlace).queuePosition).toBe(3);
    // Every waiting tablet is online on the new owner, the one on the other surviving edge too.
    const siteDevices = await db.device.findMany({ where: { site: { name: { in: ['江川出張所', '中央公民館', '移動窓口1号車'] } } } });
    await waitFor(() => siteDevices.every((device) => successor.consultations.liveSnapshot().onlineDevices.has(device.id)), 10_000);

    // The call goes on in the same consultation, its media on the new owner's SFU.
    const said = (who: string) => (error: Error) => {
      throw new Error(`${who}: ${error.message}`);
    };
    const [tabletJoined, operatorJoined] = await Promise.all([tabletBack!.catch(said('the tablet')), operatorBack.catch(said('the operator'))]);
    expect([tabletJoined.consultationId, operatorJoined.consultationId]).toEqual([callId, callId]);
    const tabletConsumers: ServerPayload<'media:newConsumer'>[] = [];
    const operatorConsumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(movedTablet, tabletJoined, [{ source: 'mic', kind: 'audio' }, { source: 'face', kind: 'video' }], tabletConsumers);
    await joinMedia(operator, operatorJoined, [{ source: 'operator-mic', kind: 'audio' }], operatorConsumers);
    await waitFor(() => tabletConsumers.length === 1 && operatorConsumers.length === 2, 10_000);
    expect(successor.sfu.room(callId)).toBeDefined();
    await movedTablet.request('media:recovered', { consultationId: callId });
    await operator.request('media:recovered', { consultationId: callId });

    // 福祉's operator goes 受付可 on the new owner: the first in line is offered.
    const welfareOffer = nextEvent(welfareConsole, 'offer:incoming', () => true, 10_000);
    await waitFor(async () => (await welfareConsole.request('presence:set', { presence: 'available' }).then(() => true, () => false)), 10_000);
    expect((await welfareOffer).consultationId).toBe(firstId);

    await movedTablet.request('consultation:end', { consultationId: callId });
    await successor.recorder.flush();
    const events = await db.consultationEvent.findMany({ where: { consultationId: callId }, orderBy: { id: 'asc' } });
    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(['requested', 'offered', 'answered']);
    expect(types).toContain('held');
    expect(types.at(-1)).toBe('ended');
    expect(events.filter((event) => event.type === 'reconnected').map((event) => JSON.parse(event.data ?? '{}'))).toEqual(
      expect.arrayContaining([expect.objectContaining({ party: 'resident', how: 'resume_after_restart' }), expect.objectContaining({ party: 'operator', how: 'resume_after_restart' })]),
    );
  }, 60_000);
});

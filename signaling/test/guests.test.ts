import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { GUEST_NAMESPACE, type GuestRefusal, type ServerPayload } from '@madoguchi/protocol';
import { ProtocolClient, type ProtocolSocket } from '@madoguchi/protocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.ts';
import { systemClock } from '../src/clock.ts';
import { GuestTokens } from '../src/guests/GuestTokens.ts';
import { joinMedia, placeCall, produce, waitFor, type PlacedCall } from './callFlow.ts';
import { nextEvent, rawEmit, startTestServer, type TestServer } from './harness.ts';

type NewConsumer = ServerPayload<'media:newConsumer'>;

/** The domain's clock, a settable offset ahead of real time: links expire without waiting for them. */
let clockOffsetMs = 0;
const offsetClock: Clock = { ...systemClock, now: () => new Date(Date.now() + clockOffsetMs) };

const LINK_TTL_MS = 10 * 60_000;

/**
 * Guests by link (issue 14, item 2), against a real server and a real mediasoup worker: the link's
 * token and its scope (audience, consultation, kind, expiry, one browser, revocation), the lobby
 * and admission, the server never giving a guest the papers unless the operator allows it,
 * refusal, removal and the call's end killing the link, the guest namespace knowing only guest
 * events, and every step on the consultation's record.
 */
describe('guests by link', () => {
  let t: TestServer;
  const opened: ProtocolClient[] = [];
  beforeAll(async () => {
    t = await startTestServer({ guestLinkTtlMs: LINK_TTL_MS }, offsetClock);
  });
  afterAll(async () => {
    for (const client of opened) client.close();
    await t.close();
  });

  /** A guest's browser: the guest namespace with the link's token (and the claim of the browser that opened it). */
  function guestSocket(token: unknown, claim?: string): ProtocolClient {
    const socket = io(`${t.server.url}${GUEST_NAMESPACE}`, { auth: { token, claim }, transports: ['websocket'], reconnection: false }) as unknown as ProtocolSocket;
    const client = new ProtocolClient(socket);
    opened.push(client);
    return client;
  }

  /** Connect as a guest: the welcome it is given, or why the link was refused. */
  async function openLink(token: unknown, claim?: string): Promise<{ client: ProtocolClient; welcome: ServerPayload<'guest:welcome'> } | GuestRefusal> {
    const client = guestSocket(token, claim);
    const welcome = nextEvent(client, 'guest:welcome');
    welcome.catch(() => undefined);
    return new Promise((resolve, reject) => {
      client.socket.once('connect_error', (error) => {
        client.close();
        resolve((error as Error & { data: GuestRefusal }).data);
      });
      client.socket.once('connect', () => welcome.then((payload) => resolve({ client, welcome: payload }), reject));
    });
  }

  async function admittedGuest(call: PlacedCall, kind: 'interpreter' | 'sign_interpreter' | 'family' | 'agency' = 'interpreter') {
    const { consultationId } = call;
    const { guestId, token } = await call.operator.request('guest:invite', { consultationId, kind });
    const link = await openLink(token);
    if (!('client' in link)) throw new Error(`link refused: ${link.reason}`);
    const { client, welcome } = link;
    const waiting = nextEvent(call.operator, 'call:guests', ({ guests }) => guests.some((guest) => guest.guestId === guestId && guest.state === 'waiting'));
    expect(await client.request('guest:knock', { name: 'Ana Souza' })).toEqual({ state: 'waiting' });
    await waiting;
    const joined = nextEvent(client, 'call:joined');
    await call.operator.request('guest:admit', { consultationId, guestId });
    const consumers: NewConsumer[] = [];
    const closed = new Set<string>();
    client.on('media:consumerClosed', ({ consumerId }) => closed.add(consumerId));
    const media = await joinMedia(client, await joined, [], consumers);
    return { guestId, token, client, welcome, consumers, closed, media };
  }

  const liveSources = (consumers: NewConsumer[], closed: Set<string>) =>
    consumers
      .filter((consumer) => !closed.has(consumer.consumerId))
      .map((consumer) => consumer.source)
      .sort();

  /** What the SFU holds for the guest: the sources of the consumers it created for them. */
  const serverSideSources = (consultationId: string, guestId: string) =>
    (t.server.consultations.callView(consultationId)?.room.participant(`guest:${guestId}`)?.consumerInfos() ?? []).map((info) => info.source).sort();

  it('issues a link only to an operator in the call, scoped by its audience, consultation and kind; it expires unopened and works in one browser only', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;

    // Only an operator of this call invites; payloads are checked at the boundary.
    expect(await rawEmit(call.device, 'guest:invite', { consultationId, kind: 'interpreter' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const stranger = await t.connect(await t.staffToken('welfare1'));
    expect(await rawEmit(stranger, 'guest:invite', { consultationId, kind: 'interpreter' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    for (const bad of [{ consultationId, kind: 'friend' }, { consultationId }, { kind: 'family' }, 'x']) {
      expect(await rawEmit(call.operator, 'guest:invite', bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }

    const issued = await call.operator.request('guest:invite', { consultationId, kind: 'sign_interpreter' });
    const claims = jwt.decode(issued.token) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'guest', kind: 'guest', cid: consultationId, gk: 'sign_interpreter', jti: issued.guestId });
    expect(Number(claims.exp) * 1000 - Date.now()).toBeLessThanOrEqual(LINK_TTL_MS);
    const invited = nextEvent(call.operator, 'call:guests', ({ guests }) => guests.length === 2);
    const second = await call.operator.request('guest:invite', { consultationId, kind: 'family' });
    expect((await invited).guests.map((guest) => [guest.kind, guest.state])).toEqual([
      ['sign_interpreter', 'invited'],
      ['family', 'invited'],
    ]);

    // A guest's token opens no socket of staff or tablets, and theirs open no guest socket.
    const onMain = ProtocolClient.connect(issued.token, t.server.url);
    opened.push(onMain);
    const mainRefusal = new Promise<void>((resolve, reject) => {
      onMain.socket.once('connect', () => resolve());
      onMain.socket.once('connect_error', reject);
    });
    await expect(mainRefusal).rejects.toThrow('UNAUTHORIZED');
    for (const token of [await t.staffToken('tax1'), await t.deviceToken('清滝郵便局'), 'not-a-jwt', '', undefined]) {
      expect(await openLink(token)).toEqual({ code: 'UNAUTHORIZED', reason: 'invalid' });
    }
    // Forged (another secret), or re-scoped to another consultation or kind with our secret: refused.
    const forged = new GuestTokens('another-secret-0123456789abcdef0123', () => new Date()).issue({
      guestId: issued.guestId,
      consultationId,
      kind: 'sign_interpreter',
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(await openLink(forged)).toEqual({ code: 'UNAUTHORIZED', reason: 'invalid' });
    const ours = new GuestTokens(t.config.jwtSecret, () => new Date());
    const expiresAt = new Date(Date.now() + 60_000);
    expect(await openLink(ours.issue({ guestId: issued.guestId, consultationId: 'another-consultation', kind: 'sign_interpreter', expiresAt }))).toMatchObject({ reason: 'closed' });
    expect(await openLink(ours.issue({ guestId: issued.guestId, consultationId, kind: 'family', expiresAt }))).toMatchObject({ reason: 'closed' });

    // Not opened in time: expired (the domain's clock is moved past the link's expiry).
    clockOffsetMs = LINK_TTL_MS + 1000;
    try {
      expect(await openLink(second.token)).toEqual({ code: 'UNAUTHORIZED', reason: 'expired' });
    } finally {
      clockOffsetMs = 0;
    }

    // One browser: the first to open it gets the claim; another browser is refused, the first comes back with it.
    const first = await openLink(issued.token);
    if (!('client' in first)) throw new Error('refused');
    expect(first.welcome).toMatchObject({ consultationId, guestId: issued.guestId, kind: 'sign_interpreter', state: 'invited' });
    expect(await openLink(issued.token)).toEqual({ code: 'UNAUTHORIZED', reason: 'in_use' });
    expect(await openLink(issued.token, 'guessed-claim')).toEqual({ code: 'UNAUTHORIZED', reason: 'in_use' });
    first.client.close();
    // …and once opened, its expiry no longer matters to the browser that holds the claim.
    clockOffsetMs = LINK_TTL_MS + 1000;
    try {
      const back = await openLink(issued.token, first.welcome.claim);
      expect('client' in back && back.welcome.guestId).toBe(issued.guestId);
      if ('client' in back) back.client.close();
    } finally {
      clockOffsetMs = 0;
    }

    // Withdrawn before use: the link stops working at once.
    await call.operator.request('guest:remove', { consultationId, guestId: second.guestId });
    expect(await openLink(second.token)).toMatchObject({ reason: 'closed' });
    await call.operator.request('consultation:end', { consultationId });
  });

  it('keeps the guest in the lobby until admitted; the guest hears and sees everyone, is heard and seen, and is never given the papers unless allowed', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const deviceGuests = nextEvent(call.device, 'call:guests', ({ guests }) => guests.length === 1);
    const guest = await admittedGuest(call);
    expect(guest.welcome.department.code).toBe('tax');

    // The tablet is told who joined (admitted guests only), and so are the operators.
    expect((await deviceGuests).guests).toEqual([expect.objectContaining({ guestId: guest.guestId, kind: 'interpreter', name: 'Ana Souza', state: 'admitted', documentsAllowed: false })]);

    // The guest sends their voice and face; the tablet and the operator are given them, named as the guest's.
    await produce(guest.client, consultationId, guest.media.sendTransportId, 'guest-mic', 'audio');
    await produce(guest.client, consultationId, guest.media.sendTransportId, 'guest-cam', 'video');
    await expect(produce(guest.client, consultationId, guest.media.sendTransportId, 'face', 'video')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(produce(guest.client, consultationId, guest.media.sendTransportId, 'document', 'video')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await waitFor(() => call.deviceConsumers.filter((consumer) => consumer.participant === 'guest').length === 2);
    await waitFor(() => call.operatorConsumers.filter((consumer) => consumer.participant === 'guest').length === 2);
    for (const consumer of [...call.deviceConsumers, ...call.operatorConsumers].filter((consumer) => consumer.participant === 'guest')) {
      expect(consumer.guestId).toBe(guest.guestId);
    }

    // The guest gets the resident's face and voice and the operator's camera and voice — never the document camera.
    await waitFor(() => liveSources(guest.consumers, guest.closed).length === 4);
    expect(liveSources(guest.consumers, guest.closed)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);

    // What the operator shows is a paper too: the guest is not given it either.
    await produce(call.operator, consultationId, call.operatorTransports.sendTransportId, 'operator-document', 'video');
    await waitFor(() => call.deviceConsumers.some((consumer) => consumer.source === 'operator-document'));
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);

    // Allowed: the document camera is given at once; taken back: its consumer is closed (and the guest told).
    await call.operator.request('guest:documents', { consultationId, guestId: guest.guestId, allowed: true });
    await waitFor(() => liveSources(guest.consumers, guest.closed).includes('document') && liveSources(guest.consumers, guest.closed).includes('operator-document'));
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['document', 'face', 'mic', 'operator-cam', 'operator-document', 'operator-mic']);
    await call.operator.request('guest:documents', { consultationId, guestId: guest.guestId, allowed: false });
    await waitFor(() => !liveSources(guest.consumers, guest.closed).some((source) => source.includes('document')));
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);

    // A document camera started after the guest came in is not given to them either.
    const documentProducerId = call.operatorConsumers.find((consumer) => consumer.source === 'document')!.producerId;
    await call.device.request('media:closeProducer', { consultationId, producerId: documentProducerId });
    await produce(call.device, consultationId, call.deviceTransports.sendTransportId, 'document', 'video');
    await waitFor(() => call.operatorConsumers.filter((consumer) => consumer.source === 'document').length === 2);
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);

    // The guest namespace knows only a guest's events: staff and tablet events are unknown there.
    for (const event of ['consultation:end', 'chat:send', 'guest:admit', 'guest:invite', 'guest:documents', 'annotation:list', 'still:capture', 'supervision:start', 'presence:set', 'offer:accept', 'help:request']) {
      expect(await rawEmit(guest.client, event, { consultationId }), event).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    }
    // …and its media events are bound to the guest's own consultation; payloads are checked.
    expect(await rawEmit(guest.client, 'media:createTransport', { consultationId: 'another', direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await rawEmit(guest.client, 'guest:knock', { name: 'x'.repeat(41) })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(guest.client, 'media:produce', { consultationId, transportId: 'x', kind: 'video', source: 'guest-cam' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    // Removed with one click: out of the room, told why, and the link no longer works (not even with its claim).
    const closedPush = nextEvent(guest.client, 'guest:closed');
    const tabletSeesNone = nextEvent(call.device, 'call:guests', ({ guests }) => guests.length === 0);
    await call.operator.request('guest:remove', { consultationId, guestId: guest.guestId });
    expect(await closedPush).toEqual({ reason: 'removed' });
    await tabletSeesNone;
    await waitFor(() => guest.client.socket.disconnected);
    expect(t.server.consultations.callView(consultationId)!.room.participant(`guest:${guest.guestId}`)).toBeUndefined();
    expect(await openLink(guest.token, guest.welcome.claim)).toEqual({ code: 'UNAUTHORIZED', reason: 'closed' });
    expect(await openLink(guest.token)).toEqual({ code: 'UNAUTHORIZED', reason: 'closed' });
    await call.operator.request('consultation:end', { consultationId });

    // Every step is on the record.
    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId, type: { startsWith: 'guest_' } }, orderBy: { id: 'asc' } });
    expect(events.map((event) => event.type)).toEqual(['guest_invited', 'guest_waiting', 'guest_admitted', 'guest_documents', 'guest_documents', 'guest_removed']);
    const { id: operatorId } = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    for (const event of events) expect(JSON.parse(event.data!)).toMatchObject({ guestId: guest.guestId, kind: 'interpreter' });
    expect(events.filter((event) => event.type !== 'guest_waiting').every((event) => event.actorType === 'staff' && event.actorId === operatorId)).toBe(true);
  });

  it('a guest refused in the lobby, one who leaves, and those still in the call when it ends lose their link; each on record', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;

    // Refused from the lobby.
    const refused = await call.operator.request('guest:invite', { consultationId, kind: 'family' });
    const refusedLink = await openLink(refused.token);
    if (!('client' in refusedLink)) throw new Error('refused');
    await expect(call.operator.request('guest:admit', { consultationId, guestId: refused.guestId })).rejects.toMatchObject({ code: 'CONFLICT' }); // not knocked yet
    await refusedLink.client.request('guest:knock', {});
    const told = nextEvent(refusedLink.client, 'guest:closed');
    await call.operator.request('guest:refuse', { consultationId, guestId: refused.guestId });
    expect(await told).toEqual({ reason: 'refused' });
    expect(await openLink(refused.token, refusedLink.welcome.claim)).toMatchObject({ reason: 'closed' });

    // Leaves by themselves.
    const leaving = await admittedGuest(call, 'agency');
    await leaving.client.request('guest:leave', {});
    await waitFor(() => t.server.consultations.callView(consultationId)!.room.participant(`guest:${leaving.guestId}`) === undefined);
    expect(await openLink(leaving.token, leaving.welcome.claim)).toMatchObject({ reason: 'closed' });

    // In the call when it ends.
    const staying = await admittedGuest(call, 'sign_interpreter');
    await produce(staying.client, consultationId, staying.media.sendTransportId, 'guest-cam', 'video');
    const ended = nextEvent(staying.client, 'guest:closed');
    await call.operator.request('consultation:end', { consultationId });
    expect(await ended).toEqual({ reason: 'call_ended' });
    expect(await openLink(staying.token, staying.welcome.claim)).toMatchObject({ reason: 'closed' });
    expect(t.server.guests.guestsOf(consultationId)).toEqual([]);

    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId, type: { startsWith: 'guest_' } }, orderBy: { id: 'asc' } });
    const summary = events.map((event) => {
      const data = JSON.parse(event.data!) as { kind: string; reason?: string };
      return [event.type, data.kind, data.reason ?? null];
    });
    expect(summary).toEqual([
      ['guest_invited', 'family', null],
      ['guest_waiting', 'family', null],
      ['guest_refused', 'family', null],
      ['guest_invited', 'agency', null],
      ['guest_waiting', 'agency', null],
      ['guest_admitted', 'agency', null],
      ['guest_left', 'agency', 'left'],
      ['guest_invited', 'sign_interpreter', null],
      ['guest_waiting', 'sign_interpreter', null],
      ['guest_admitted', 'sign_interpreter', null],
      ['guest_left', 'sign_interpreter', 'call_ended'],
    ]);
  });

  it('puts an admitted guest into the new room when the media worker dies, still without the papers', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const guest = await admittedGuest(call, 'sign_interpreter');
    await waitFor(() => liveSources(guest.consumers, guest.closed).length === 4);
    const hostOf = async () => (await t.server.sfu.stats()).find((worker) => worker.roomIds.includes(consultationId))?.pid;
    const deadPid = await hostOf();
    const deviceJoined = nextEvent(call.device, 'call:joined');
    const operatorJoined = nextEvent(call.operator, 'call:joined');
    const guestJoined = nextEvent(guest.client, 'call:joined');
    process.kill(deadPid!, 'SIGKILL');
    const [device, operator, again] = await Promise.all([deviceJoined, operatorJoined, guestJoined]);
    expect(again).toMatchObject({ consultationId, role: 'guest' });
    expect(await hostOf()).not.toBe(deadPid);
    await joinMedia(call.device, device, [{ source: 'mic', kind: 'audio' }, { source: 'face', kind: 'video' }, { source: 'document', kind: 'video' }], []);
    await joinMedia(call.operator, operator, [{ source: 'operator-mic', kind: 'audio' }, { source: 'operator-cam', kind: 'video' }], []);
    const consumers: NewConsumer[] = [];
    await joinMedia(guest.client, again, [], consumers);
    await waitFor(() => consumers.length === 4);
    expect(consumers.map((consumer) => consumer.source).sort()).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);
    expect(serverSideSources(consultationId, guest.guestId)).toEqual(['face', 'mic', 'operator-cam', 'operator-mic']);
    await call.operator.request('consultation:end', { consultationId });
  });

  it('limits a guest’s messages like any socket’s', async () => {
    const call = await placeCall(t);
    const guest = await admittedGuest(call);
    const answers = await Promise.all(Array.from({ length: 100 }, () => rawEmit(guest.client, 'guest:knock', {})));
    expect(answers.some((answer) => !answer.ok && answer.error.code === 'RATE_LIMITED')).toBe(true);
    await call.operator.request('consultation:end', { consultationId: call.consultationId });
  });
});

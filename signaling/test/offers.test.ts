import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

describe('offers to operators', () => {
  let t: TestServer;
  let welfareId: string;
  beforeAll(async () => {
    t = await startTestServer({ routing: { ringTimeoutSeconds: 1, maxMissedOffers: 1 } });
    welfareId = (await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function events(consultationId: string): Promise<string[]> {
    await t.server.recorder.flush();
    const rows = await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' } });
    return rows.map((row) => row.type);
  }

  it('queue a request while nobody is available, and offer it when an operator becomes available', async () => {
    const device = await t.connect(await t.deviceToken('中央公民館'));
    const operator = await t.connect(await t.staffToken('welfare1'));
    const { consultationId, status: initial, queuePosition } = await device.request('consultation:request', { departmentId: welfareId });
    expect(initial).toBe('waiting');
    expect(queuePosition).toBe(1); // in the ack itself
    // Operators of other departments are never offered it.
    const other = await t.connect(await t.staffToken('tax1'));
    let wronglyOffered = false;
    other.on('offer:incoming', () => (wronglyOffered = true));
    await other.request('presence:set', { presence: 'available' });

    const offer = nextEvent(operator, 'offer:incoming');
    await operator.request('presence:set', { presence: 'available' });
    expect(await offer).toMatchObject({ consultationId, site: { name: '中央公民館' }, department: { code: 'welfare' } });
    const cancelled = nextEvent(operator, 'offer:withdrawn');
    await device.request('consultation:cancel', { consultationId });
    expect(await cancelled).toEqual({ consultationId, reason: 'cancelled' });
    expect(await events(consultationId)).toEqual(['requested', 'offered', 'offer_withdrawn', 'cancelled']);
    expect(wronglyOffered).toBe(false);
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId } });
    expect(row.outcome).toBe('abandoned');
    for (const client of [device, operator, other]) client.close();
  });

  it('move a declined offer to the next operator; a ring-out sets the silent operator away, and the resident keeps their place', async () => {
    const first = await t.connect(await t.staffToken('welfare1'));
    await first.request('presence:set', { presence: 'available' });
    await new Promise((resolve) => setTimeout(resolve, 20)); // welfare1 has now waited longest
    const second = await t.connect(await t.staffToken('welfare2'));
    await second.request('presence:set', { presence: 'available' });
    const device = await t.connect(await t.deviceToken('江川出張所'));

    const firstOffer = nextEvent(first, 'offer:incoming');
    const { consultationId } = await device.request('consultation:request', { departmentId: welfareId });
    expect(await firstOffer).toMatchObject({ kind: 'resident', ringTimeoutSeconds: 1, transferred: false, invitedBy: null });
    const secondOffer = nextEvent(second, 'offer:incoming');
    await first.request('offer:decline', { consultationId });
    await secondOffer;
    // Presence cannot be changed while an offer rings, and an offer cannot be accepted by someone else.
    await expect(second.request('presence:set', { presence: 'away' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(first.request('offer:accept', { consultationId })).rejects.toMatchObject({ code: 'CONFLICT' });

    // welfare2 does not answer: the offer is withdrawn and welfare2 is set away, with the reason shown.
    const rangOut = nextEvent(second, 'offer:withdrawn');
    const away = nextEvent(second, 'presence:changed', (p) => p.presence === 'away');
    const waitingAgain = nextEvent(device, 'consultation:status', (s) => s.status === 'waiting');
    expect(await rangOut).toEqual({ consultationId, reason: 'timeout' });
    expect(await away).toEqual({ presence: 'away', awayReason: 'missed_offers' });
    expect((await waitingAgain).queuePosition).toBe(1);
    expect(await events(consultationId)).toEqual(['requested', 'offered', 'declined', 'offered', 'offer_timeout']);
    await device.request('consultation:cancel', { consultationId });
    for (const client of [device, first, second]) client.close();
  });

  it('refuse a second request from a tablet that already has one', async () => {
    const device = await t.connect(await t.deviceToken('移動窓口1号車'));
    const [a, b] = await Promise.allSettled([
      device.request('consultation:request', { departmentId: welfareId }),
      device.request('consultation:request', { departmentId: welfareId }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'CONFLICT' });
    const accepted = [a, b].find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ consultationId: string }>;
    await device.request('consultation:cancel', { consultationId: accepted.value.consultationId });
    device.close();
  });
});

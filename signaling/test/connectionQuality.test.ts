import type { ServerPayload } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, waitFor } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

/**
 * Issue 16, item 9: the tablet measures its own connection (a weak uplink is seen first by its
 * sender) and the operators in the call are told when it changes, and on joining, so the console can
 * say so in words instead of showing a black or frozen face under 通話中.
 */
describe('the resident’s connection quality, as the tablet measures it', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reaches the operators in the call on each change, and an operator who joins later', async () => {
    const call = await placeCall(t, { site: '清滝郵便局', operator: 'welfare1', department: 'welfare' });
    const pushes: ServerPayload<'call:quality'>[] = [];
    call.operator.on('call:quality', (push) => pushes.push(push));
    const { consultationId } = call;

    await call.device.request('media:quality', { consultationId, quality: 'poor' });
    await waitFor(() => pushes.length === 1);
    expect(pushes[0]).toEqual({ consultationId, role: 'resident', quality: 'poor' });
    // The same level again is no news; a better one is.
    await call.device.request('media:quality', { consultationId, quality: 'poor' });
    await call.device.request('media:quality', { consultationId, quality: 'fair' });
    await waitFor(() => pushes.length === 2);
    expect(pushes.map((push) => push.quality)).toEqual(['poor', 'fair']);

    // Only the tablet of the call may say it; anything else is refused at the boundary.
    await expect(call.operator.request('media:quality', { consultationId, quality: 'good' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const stranger = await t.connect(await t.deviceToken('江川出張所'));
    await expect(stranger.request('media:quality', { consultationId, quality: 'good' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call.device.request('media:quality', { consultationId, quality: 'bad' as 'poor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    // A specialist brought in learns how the resident's connection stands, right after call:joined.
    const specialist = await t.connect(await t.staffToken('childcare1'));
    await specialist.request('presence:set', { presence: 'available' });
    const { id: childcare } = await t.db.department.findUniqueOrThrow({ where: { code: 'childcare' } });
    const offered = nextEvent(specialist, 'offer:incoming');
    await call.operator.request('consultation:invite', { consultationId, departmentId: childcare });
    await offered;
    const told = nextEvent(specialist, 'call:quality');
    await specialist.request('offer:accept', { consultationId });
    expect(await told).toEqual({ consultationId, role: 'resident', quality: 'fair' });

    await call.device.request('consultation:end', { consultationId });
    for (const client of [call.device, call.operator, specialist, stranger]) client.close();
  });
});

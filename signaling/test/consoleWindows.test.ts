import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { joinMedia, placeCall, waitFor } from './callFlow.ts';
import { nextEvent, sfuTotals, startTestServer, type TestServer } from './harness.ts';

/** Resolves with the reason when the socket closes. */
const closed = (client: ProtocolClient) => new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));

/**
 * An operator who opens the console in a second window (a tab, another PC): the newest window takes
 * the calls. The older one is told (console:superseded) and closed by the server; a live call goes on
 * in the new window, as after a reload: on record, its media set up again there, not a lost connection.
 */
describe('one console per operator takes calls: the newest', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('tells the older window, which can no longer act; the operator stays 受付可 and the next offer rings in the new one', async () => {
    const older = await t.connect(await t.staffToken('citizen1'));
    await older.request('presence:set', { presence: 'available' });
    const told = nextEvent(older, 'console:superseded');
    const presences: string[] = [];
    const newer = await t.connect(await t.staffToken('citizen1'), (client) => {
      // What the new window hears first: its state, never "offline" in between.
      client.on('presence:changed', ({ presence }) => presences.push(presence));
    });
    await told;
    await waitFor(() => presences.length > 0);
    expect(presences).toEqual(['available']);
    // Still connected (to hear of a sign-out), but nothing it asks is done.
    expect(older.socket.connected).toBe(true);
    await expect(older.request('presence:set', { presence: 'away' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: 'citizen' } });
    const device = await t.connect(await t.deviceToken('中央公民館'));
    const offered = nextEvent(newer, 'offer:incoming');
    const offersToOlder: unknown[] = [];
    older.on('offer:incoming', (offer) => offersToOlder.push(offer));
    const { consultationId } = await device.request('consultation:request', { departmentId });
    expect((await offered).consultationId).toBe(consultationId);
    await device.request('consultation:cancel', { consultationId });
    expect(offersToOlder).toEqual([]);

    // Counted out once: when the new window closes, the operator is offline (no console takes calls).
    const olderClosed = closed(older);
    newer.close();
    const { id: staffId } = await t.db.staff.findUniqueOrThrow({ where: { username: 'citizen1' } });
    await waitFor(() => t.server.consultations.routing.operator(staffId)?.presence === 'offline');
    // A sign-out reaches the superseded window too.
    const signedOut = nextEvent(older, 'session:ended');
    await t.server.sessions.endAll(staffId, 'signed_out_by_admin');
    expect(await signedOut).toEqual({ reason: 'signed_out_by_admin' });
    expect(await olderClosed).toBe('io server disconnect');
    device.close();
  });

  it('moves a live call to the new window: its media is set up again there, one call’s worth, and the record says so', async () => {
    const call = await placeCall(t, { operator: 'tax1', department: 'tax' });
    await waitFor(() => call.operatorConsumers.length === 3 && call.deviceConsumers.length === 2);
    const told = nextEvent(call.operator, 'console:superseded');
    let resumable: Promise<ServerPayload<'call:resumable'>> | undefined;
    const newer = await t.connect(await t.staffToken('tax1'), (client) => {
      resumable = nextEvent(client, 'call:resumable');
    });
    await told;
    // A page that does not hold the call asks to rejoin it, as a reloaded console does.
    expect((await resumable!).consultationId).toBe(call.consultationId);
    const joined = nextEvent(newer, 'call:joined');
    await newer.request('call:rejoin', { consultationId: call.consultationId });
    const consumers: ServerPayload<'media:newConsumer'>[] = [];
    await joinMedia(
      newer,
      await joined,
      [
        { source: 'operator-mic', kind: 'audio' },
        { source: 'operator-cam', kind: 'video' },
      ],
      consumers,
    );
    await waitFor(() => consumers.length === 3);
    // The older window's transports, producers and consumers are gone with its join.
    await waitFor(async () => {
      const totals = await sfuTotals(t.server);
      return totals.transports === 4 && totals.producers === 5 && totals.consumers === 5;
    });
    expect(t.server.consultations.callView(call.consultationId)).not.toBeNull();

    // On record: the operator's media was set up again (the move), not their connection lost.
    await newer.request('media:recovered', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId: call.consultationId }, orderBy: { id: 'asc' } });
    const outages = events.filter((event) => event.type === 'connection_lost' || event.type === 'reconnected').map((event) => ({ type: event.type, ...JSON.parse(event.data!) }));
    expect(outages).toEqual([
      expect.objectContaining({ type: 'connection_lost', party: 'operator', via: 'media' }),
      expect.objectContaining({ type: 'reconnected', party: 'operator', how: 'rejoin' }),
    ]);

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    newer.close();
    call.device.close();
  });
});

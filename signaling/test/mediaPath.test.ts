import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaPath, Wallboard } from '@madoguchi/protocol';
import { placeCall } from './callFlow.ts';
import { rawEmit, startTestServer, type TestServer } from './harness.ts';

/**
 * How each party's media reaches the server, as its browser reports it (media:path): on the
 * wallboard for the tablet, and in the record each time it is new or changes.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const wallboard = async (): Promise<Wallboard> =>
  (await (await fetch(`${t.server.url}/api/supervisor/wallboard`, { headers: { authorization: `Bearer ${await t.staffToken('supervisor')}` } })).json()) as Wallboard;

describe('media paths', () => {
  it('shows the tablet’s path on the wallboard and records each new route once, whatever its round trip', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    expect((await wallboard()).live.find((live) => live.consultationId === consultationId)?.tabletPath).toBeNull();

    const direct: MediaPath = { localType: 'host', protocol: 'udp', rttMs: 3 };
    const relayed: MediaPath = { localType: 'relay', protocol: 'udp', relayProtocol: 'tls', rttMs: 41 };
    await call.device.request('media:path', { consultationId, path: direct });
    await call.device.request('media:path', { consultationId, path: { ...direct, rttMs: 9 } }); // same route
    await call.operator.request('media:path', { consultationId, path: { localType: 'host', protocol: 'udp' } });
    await call.device.request('media:path', { consultationId, path: relayed }); // the tablet moved onto TURN
    expect((await wallboard()).live.find((live) => live.consultationId === consultationId)?.tabletPath).toEqual(relayed);

    await t.server.recorder.flush();
    const events = await t.db.consultationEvent.findMany({ where: { consultationId, type: 'media_path' }, orderBy: { id: 'asc' } });
    expect(events.map((event) => JSON.parse(event.data!))).toEqual([
      { role: 'resident', ...direct },
      { role: 'staff', localType: 'host', protocol: 'udp' },
      { role: 'resident', ...relayed },
    ]);
  });

  it('refuses a path it cannot name, and a report about someone else’s call', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'tax2' });
    const answer = await rawEmit(call.device, 'media:path', { consultationId: call.consultationId, path: { localType: 'relay', protocol: 'sctp' } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const stranger = await t.connect(await t.deviceToken('中央公民館'));
    await expect(stranger.request('media:path', { consultationId: call.consultationId, path: { localType: 'host', protocol: 'udp' } })).rejects.toMatchObject({
      code: expect.stringMatching(/FORBIDDEN|NOT_FOUND/),
    });
  });
});

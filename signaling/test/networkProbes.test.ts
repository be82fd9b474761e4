import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '@madoguchi/protocol';
import { MAX_PROBES_PER_CONNECTION, NetworkProbes, PROBE_LIFETIME_MS } from '../src/probes/NetworkProbes.ts';
import { waitFor } from './callFlow.ts';
import { localSfu, rawEmit, sfuTotals, startTestServer, type TestServer } from './harness.ts';
import { FakeClock } from './routing/support.ts';

/** The network check's probe transports, with the real mediasoup worker: each one ends, and none piles up. */
describe('network probes', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Rate limits out of the way: a burst reaches the probe limit itself.
    t = await startTestServer({
      turn: { mode: 'external', urls: ['turn:turn.example.jp:3478?transport=udp', 'turns:turn.example.jp:5349?transport=tcp'], secret: 's'.repeat(24), credentialTtlMs: 60_000 },
      socketLimits: { events: { perSecond: 10_000, burst: 10_000 }, chat: { perSecond: 1, burst: 10 } },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const noProbesLeft = async () => {
    await waitFor(() => t.server.probes.openCount === 0, 5_000);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 0, transports: 0 });
  };

  it('gives a tablet a transport with SCTP on the media ports, and the TURN servers with a credential of its own', async () => {
    const tablet = await t.connect(await t.deviceToken('清滝郵便局'));
    const probe = await tablet.request('probe:open', {});
    const { udp, tcp } = (await localSfu(t.server).listenPorts())[0]!;
    expect(probe.transport.iceCandidates).toEqual(
      expect.arrayContaining([expect.objectContaining({ protocol: 'udp', port: udp }), expect.objectContaining({ protocol: 'tcp', port: tcp })]),
    );
    expect(probe.transport.sctpParameters).toMatchObject({ OS: expect.any(Number), MIS: expect.any(Number) });
    expect(probe.transport.iceServers?.[0]).toMatchObject({ urls: ['turn:turn.example.jp:3478?transport=udp', 'turns:turn.example.jp:5349?transport=tcp'] });
    expect(probe.transport.iceServers?.[0]?.username).toMatch(/^\d+:device:/);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 1 });

    await tablet.request('probe:close', { probeId: probe.probeId });
    await noProbesLeft();
    // Closing again (a probe that already timed out) is no error; another connection's probe is not found.
    await tablet.request('probe:close', { probeId: probe.probeId });
    tablet.close();
  });

  it('a staff console may probe too; a probe belongs to the connection that opened it', async () => {
    const staff = await t.connect(await t.staffToken('supervisor'));
    const other = await t.connect(await t.staffToken('tax1'));
    const probe = await staff.request('probe:open', {});
    const foreign = await rawEmit(other, 'probe:connect', { probeId: probe.probeId, dtlsParameters: probe.transport.dtlsParameters });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await rawEmit(other, 'probe:close', { probeId: probe.probeId });
    expect(t.server.probes.openCount).toBe(1);
    staff.close();
    other.close();
    await noProbesLeft();
  });

  it('closes every probe of a socket that disconnects', async () => {
    const tablet = await t.connect(await t.deviceToken('江川出張所'));
    await Promise.all([tablet.request('probe:open', {}), tablet.request('probe:open', {}), tablet.request('probe:open', {})]);
    expect(t.server.probes.openCount).toBe(3);
    expect((await sfuTotals(t.server)).transports).toBe(3);
    tablet.close();
    await noProbesLeft();
  });

  it('a hostile client cannot hold more than a few probes, even asking for 200 at once, nor keep them after it goes', async () => {
    const hostile = await t.connect(await t.deviceToken('中央公民館'));
    const acks = await Promise.all(Array.from({ length: 200 }, () => rawEmit(hostile, 'probe:open', {})));
    const refused = acks.filter((ack): ack is Extract<Ack<unknown>, { ok: false }> => !ack.ok);
    expect(acks.length - refused.length).toBe(MAX_PROBES_PER_CONNECTION);
    expect(new Set(refused.map((ack) => ack.error.code))).toEqual(new Set(['CONFLICT']));
    expect((await sfuTotals(t.server)).transports).toBe(MAX_PROBES_PER_CONNECTION);
    // Garbage is refused at the boundary.
    expect(await rawEmit(hostile, 'probe:produceData', { probeId: 'x', sctpStreamParameters: { streamId: -1 }, label: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    hostile.close();
    await noProbesLeft();
  });

  it('closes a probe nobody closes once its lifetime is over (the real worker, a fake clock)', async () => {
    const clock = new FakeClock(0);
    const probes = new NetworkProbes({ sfu: t.server.sfu, clock });
    await probes.open('connection-a');
    await probes.open('connection-a');
    expect((await sfuTotals(t.server)).transports).toBe(2);
    clock.advance(PROBE_LIFETIME_MS - 1);
    expect(probes.openCount).toBe(2);
    clock.advance(1);
    expect(probes.openCount).toBe(0);
    expect(clock.pending).toBe(0);
    await waitFor(async () => (await sfuTotals(t.server)).routers === 0, 5_000);
    // Its limit is free again.
    await Promise.all(Array.from({ length: MAX_PROBES_PER_CONNECTION }, () => probes.open('connection-a')));
    probes.connectionClosed('connection-a');
    expect(probes.openCount).toBe(0);
    await noProbesLeft();
  });
});

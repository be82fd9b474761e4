import { expect, test } from '@playwright/test';
import type { Wallboard } from '@madoguchi/protocol';
import { startCall, startFaultRig, type FaultRig, type LiveCall } from './support/faults.ts';
import { freePort } from './support/server.ts';
import { mediaPaths, type MediaPath } from './support/webrtcStats.ts';

/**
 * Calls through the networks a city's booths really sit behind, with the product's defaults:
 * HTTPS with the server's own CA (trusted by the browsers as a city's tablets trust it) and the
 * embedded coturn. The tablet's Chromium runs in its own network namespace, whose filter lets
 * out only what such a network lets out; the operator's console is on the city's LAN.
 */
test.describe.configure({ mode: 'serial' });

async function rigWithTurn(extra: Record<string, string> = {}): Promise<{ rig: FaultRig; turnTlsPort: number }> {
  const turnTlsPort = await freePort();
  const rig = await startFaultRig({
    settings: {
      ...extra,
      TLS: 'local',
      TURN: 'embedded',
      TURN_PORT: String(await freePort()),
      TURN_TLS_PORT: String(turnTlsPort),
      TURN_RELAY_PORTS: '49500-49599',
      TURN_SECRET: 'e2e-turn-secret-0123456789',
    },
  });
  return { rig, turnTlsPort };
}

const describe = (paths: MediaPath[]) =>
  paths.map((path) => `${path.localType}/${path.localType === 'relay' ? `${path.relayProtocol}→${path.protocol}` : path.protocol}${path.rttMs !== undefined ? ` rtt ${path.rttMs} ms` : ''}`).join(', ');

async function printPaths(call: LiveCall, title: string): Promise<{ tablet: MediaPath[]; operator: MediaPath[] }> {
  const tablet = await mediaPaths(call.tablet);
  const operator = await mediaPaths(call.operator);
  console.log(`[network] ${title}: tablet ${describe(tablet)}; operator ${describe(operator)}`);
  return { tablet, operator };
}

test('a tablet whose network blocks UDP: the call connects over TCP (ICE-TCP or TURN) and media flows both ways', async () => {
  const { rig } = await rigWithTurn();
  try {
    rig.net.allowOnlyTcp();
    const call = await startCall(rig); // waits until video and audio decode on both sides
    const { tablet } = await printPaths(call, 'UDP blocked');
    expect(tablet.length).toBeGreaterThan(0);
    for (const path of tablet) expect(path.localType === 'relay' ? path.relayProtocol : path.protocol).not.toBe('udp');
  } finally {
    await rig.close();
  }
});

test('a tablet behind a network that lets out only HTTPS and TURN/TLS: the call is relayed over TLS', async () => {
  const { rig, turnTlsPort } = await rigWithTurn();
  try {
    rig.net.allowOnlyTcp([Number(new URL(rig.server.url).port), turnTlsPort]);
    // Over TCP through TURN the tablet's bandwidth estimate starts low and climbs slowly; the face
    // camera gives way to the document camera meanwhile (by design: the paper must stay readable),
    // so what must decode at once is the document and the voice.
    const call = await startCall(rig, { operatorFlow: { video: 1, audio: 1 } });
    const { tablet } = await printPaths(call, 'only HTTPS and TURN/TLS open');
    expect(tablet.length).toBeGreaterThan(0);
    for (const path of tablet) expect(path).toMatchObject({ localType: 'relay', relayProtocol: 'tls' });

    // The supervisor sees which path the booth's media takes, and the record keeps it.
    const supervisor = await rig.server.login('supervisor');
    const tabletPath = async () => {
      const response = await fetch(`${rig.server.url}/api/supervisor/wallboard`, { headers: { authorization: `Bearer ${supervisor}` } });
      const board = (await response.json()) as Wallboard;
      return board.live.find((live) => live.consultationId === call.consultationId)?.tabletPath ?? null;
    };
    await expect.poll(tabletPath, { timeout: 10_000 }).toMatchObject({ localType: 'relay', relayProtocol: 'tls' });
    await expect
      .poll(() => rig.server.query<{ data: string }>(`SELECT data FROM ConsultationEvent WHERE consultationId = ? AND type = 'media_path'`, call.consultationId).map((row) => JSON.parse(row.data)))
      .toContainEqual(expect.objectContaining({ role: 'resident', localType: 'relay', relayProtocol: 'tls' }));
  } finally {
    await rig.close();
  }
});

test('MEDIA_FORCE_RELAY: every call goes through TURN, on both sides, with nothing blocked', async () => {
  const { rig } = await rigWithTurn({ MEDIA_FORCE_RELAY: 'true' });
  try {
    // What this judges is the path of every connection, so the booth has no document camera: on
    // this 2-core machine Chromium's fake 4K camera, encoded in software beside two browsers, the
    // SFU and coturn, starved both videos (CI: 4 and 7 frames in 30 s while the voice flowed).
    const call = await startCall(rig, { documentCamera: false });
    const { tablet, operator } = await printPaths(call, 'forced relay');
    expect(tablet.length).toBeGreaterThan(0);
    expect(operator.length).toBeGreaterThan(0);
    for (const path of [...tablet, ...operator]) expect(path.localType).toBe('relay');
  } finally {
    await rig.close();
  }
});

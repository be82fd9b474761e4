import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminDevicesResponse, IssueDeviceTokenResponse, PairByCodeResponse, PairingCodeResponse, ReissueDeviceTokenResponse, RevokeDeviceResponse } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { startTestServer, type TestServer } from './harness.ts';

/** Resolves with the reason when the server closes the client's socket. */
const closedByServer = (client: ProtocolClient) =>
  new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));

describe('tablets managed by an admin (/api/admin/devices)', () => {
  let t: TestServer;
  let admin: string;
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${t.server.url}/api${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
  const me = (token: string) => api('/device/me', token).then((response) => response.status);
  const auditOf = (targetId: string) =>
    t.db.auditLog.findMany({ where: { targetId, action: 'config.change' }, orderBy: { id: 'asc' } }).then((rows) => rows.map((row) => JSON.parse(row.details!).change));

  beforeAll(async () => {
    t = await startTestServer();
    admin = await t.staffToken('admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every tablet with its site and whether it is online; admins only', async () => {
    const online = await t.connect(await t.deviceToken('江川出張所'));
    const list = (await (await api('/admin/devices', admin)).json()) as AdminDevicesResponse;
    expect(list.sites.map((site) => site.name)).toContain('江川出張所');
    expect(list.devices.length).toBe(await t.db.device.count());
    const egawa = list.devices.find((device) => device.site.name === '江川出張所')!;
    expect(egawa).toMatchObject({ online: true, revokedAt: null });
    expect(list.devices.filter((device) => device.online)).toHaveLength(1);
    online.close();
    for (const username of ['supervisor', 'tax1']) expect((await api('/admin/devices', await t.staffToken(username))).status).toBe(403);
    expect((await api('/admin/devices', await t.deviceToken('江川出張所'))).status).toBe(403);
  });

  it('registers a tablet, gives it a new token (the old one and its connection end) and revokes it', async () => {
    const site = await t.db.site.findFirstOrThrow({ where: { name: '清滝郵便局' } });
    expect((await api('/admin/devices', admin, { method: 'POST', body: JSON.stringify({ siteId: site.id, name: '' }) })).status).toBe(400);
    const registered = await api('/admin/devices', admin, { method: 'POST', body: JSON.stringify({ siteId: site.id, name: '予備タブレット' }) });
    expect(registered.status).toBe(201);
    const { device, token: first } = (await registered.json()) as IssueDeviceTokenResponse;
    expect(await me(first)).toBe(200);

    // A new token (e.g. the tablet was reset): the connected tablet is closed and the old token refused.
    const tablet = await t.connect(first);
    const closed = closedByServer(tablet);
    const reissued = (await (await api(`/admin/devices/${device.id}/token`, admin, { method: 'POST' })).json()) as ReissueDeviceTokenResponse;
    expect(await closed).toBe('io server disconnect');
    expect(await me(first)).toBe(401);
    expect(await me(reissued.token)).toBe(200);

    // Revoked (lost): the token stops working and the tablet is disconnected; revoking again changes nothing.
    const again = await t.connect(reissued.token);
    const revokedClose = closedByServer(again);
    const revoked = (await (await api(`/admin/devices/${device.id}/revoke`, admin, { method: 'POST' })).json()) as RevokeDeviceResponse;
    expect(revoked.device).toMatchObject({ id: device.id, online: false, revokedAt: expect.any(String) });
    expect(await revokedClose).toBe('io server disconnect');
    expect(await me(reissued.token)).toBe(401);
    expect((await api(`/admin/devices/${device.id}/revoke`, admin, { method: 'POST' })).status).toBe(200);
    expect(await auditOf(device.id)).toEqual(['device.register', 'device.reissue', 'device.revoke']);

    // A new token brings a revoked tablet back.
    const back = (await (await api(`/admin/devices/${device.id}/token`, admin, { method: 'POST' })).json()) as ReissueDeviceTokenResponse;
    expect(back.device.revokedAt).toBeNull();
    expect(await me(back.token)).toBe(200);
  });

  it('pairs a tablet by a one-time 8-digit code: once, ending the old token, audited; wrong codes are throttled', async () => {
    const site = await t.db.site.findFirstOrThrow({ where: { name: '中央公民館' } });
    const registered = (await (await api('/admin/devices', admin, { method: 'POST', body: JSON.stringify({ siteId: site.id, name: 'コード用' }) })).json()) as IssueDeviceTokenResponse;
    let failures = 0;
    const pair = async (code: unknown) => {
      const response = await fetch(`${t.server.url}/api/devices/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      if (response.status === 401) failures += 1;
      return response;
    };

    // Only admins issue codes; a second code replaces the first.
    expect((await api(`/admin/devices/${registered.device.id}/pairing-code`, await t.staffToken('supervisor'), { method: 'POST' })).status).toBe(403);
    const issue = async () => (await (await api(`/admin/devices/${registered.device.id}/pairing-code`, admin, { method: 'POST' })).json()) as PairingCodeResponse;
    const replaced = await issue();
    const issued = await issue();
    expect(issued.code).toMatch(/^\d{8}$/);
    expect(new Date(issued.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    if (replaced.code !== issued.code) expect((await pair(replaced.code)).status).toBe(401);

    const tablet = await t.connect(registered.token);
    const closed = closedByServer(tablet);
    const paired = await pair(issued.code);
    expect(paired.status).toBe(200);
    const { token } = (await paired.json()) as PairByCodeResponse;
    expect(await me(token)).toBe(200);
    expect(await closed).toBe('io server disconnect');
    expect(await me(registered.token)).toBe(401);
    expect((await pair(issued.code)).status).toBe(401); // used up
    expect(await auditOf(registered.device.id)).toEqual(['device.register', 'device.pairing_code', 'device.pairing_code', 'device.paired_by_code']);

    // Malformed codes are refused at the boundary; guessing from one address is cut off.
    for (const bad of ['1234567', '123456789', 12345678, 'abcdefgh']) expect((await pair(bad)).status).toBe(400);
    let status = 0;
    while (failures <= 5 && (status = (await pair('00000000')).status) === 401);
    expect(status).toBe(429);
    expect(failures).toBe(5); // the login throttle's failures per address and key
  });

  it('answers a bad or unknown tablet id with 400 / 404', async () => {
    expect((await api(`/admin/devices/${'x'.repeat(65)}/revoke`, admin, { method: 'POST' })).status).toBe(400);
    expect((await api('/admin/devices/00000000-0000-4000-8000-000000000000/token', admin, { method: 'POST' })).status).toBe(404);
  });
});

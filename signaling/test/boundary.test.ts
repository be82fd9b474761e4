import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, waitFor } from './callFlow.ts';
import { rawEmit, sfuTotals, startTestServer, TEST_PASSWORD, untyped, type TestServer } from './harness.ts';

function connectError(url: string, auth: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected with a bad token'));
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

describe('the boundary refuses bad input and stays up', () => {
  let t: TestServer;
  let taxId: string;
  beforeAll(async () => {
    t = await startTestServer();
    taxId = (await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('rejects missing, forged, expired and revoked tokens at connection', async () => {
    expect(await connectError(t.server.url, {})).toBe('UNAUTHORIZED');
    expect(await connectError(t.server.url, { token: 'garbage' })).toBe('UNAUTHORIZED');
    const device = await t.db.device.findFirstOrThrow();
    const forged = jwt.sign({ kind: 'device', site: device.siteId, ver: 1 }, 'not-the-secret-but-long-enough-000000', {
      issuer: 'madoguchi',
      audience: 'device',
      subject: device.id,
    });
    expect(await connectError(t.server.url, { token: forged })).toBe('UNAUTHORIZED');
    const staff = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    const expired = jwt.sign({ kind: 'staff', role: 'operator' }, 'integration-test-secret-0123456789abcdef', {
      issuer: 'madoguchi',
      audience: 'staff',
      subject: staff.id,
      expiresIn: -10,
    });
    expect(await connectError(t.server.url, { token: expired })).toBe('UNAUTHORIZED');
    const token = t.server.tokens.issueDeviceToken(device);
    await t.db.device.update({ where: { id: device.id }, data: { tokenVersion: { increment: 1 } } });
    expect(await connectError(t.server.url, { token })).toBe('UNAUTHORIZED');
    await t.db.device.update({ where: { id: device.id }, data: { tokenVersion: { decrement: 1 } } });
  });

  it('answers malformed and unknown messages with an error code', async () => {
    const device = await t.connect(await t.deviceToken('中央公民館'));
    expect(await rawEmit(device, 'consultation:request', 'not an object')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(device, 'consultation:request', { departmentId: 42 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(device, 'consultation:request', { departmentId: 'x'.repeat(500) })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await rawEmit(device, 'consultation:request')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(device, 'no:such:event', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    expect(await rawEmit(device, 'consultation:request', { departmentId: 'unknown-department' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    // Without an ack function nothing can be answered, but nothing may break either.
    untyped(device).emit('consultation:request', { bogus: true });
    untyped(device).emit('media:produce');
    expect(await rawEmit(device, 'offer:accept', { consultationId: 'x' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await rawEmit(device, 'media:produce', { consultationId: 'x', transportId: 'y', kind: 'video', source: 'face', rtpParameters: { codecs: [] } })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(t.server.consultations.liveCount).toBe(0);
    device.close();
  });

  it('refuses another tablet’s consultation id and changes nothing', async () => {
    const call = await placeCall(t);
    const intruder = await t.connect(await t.deviceToken('移動窓口1号車'));
    const otherOperator = await t.connect(await t.staffToken('tax2'));
    const ref = { consultationId: call.consultationId };
    for (const client of [intruder, otherOperator]) {
      expect(await rawEmit(client, 'consultation:end', ref)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await rawEmit(client, 'media:createTransport', { ...ref, direction: 'recv' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    }
    expect(await rawEmit(intruder, 'consultation:cancel', ref)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await rawEmit(otherOperator, 'offer:accept', ref)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // An operator may not pretend to send the resident's document camera.
    expect(
      await rawEmit(call.operator, 'media:produce', { ...ref, transportId: 'x', kind: 'video', source: 'document', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] } }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // One transport each way: a client cannot pile up transports in the worker.
    expect(await rawEmit(call.device, 'media:createTransport', { ...ref, direction: 'send' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await rawEmit(call.device, 'media:createTransport', { ...ref, direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // A transport id that is not the caller's own is unknown to them.
    expect(
      await rawEmit(call.device, 'media:connectTransport', { ...ref, transportId: 'not-mine', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    await waitFor(() => call.operatorConsumers.length === 3);
    expect(await sfuTotals(t.server)).toMatchObject({ routers: 1, transports: 4, producers: 5, consumers: 5 });
    expect(t.server.consultations.liveCount).toBe(1);
    await call.operator.request('consultation:end', ref);
    for (const client of [call.device, call.operator, intruder, otherOperator]) client.close();
  });

  it('drops a socket that sends an oversized message and keeps serving the others', async () => {
    const flooder = await t.connect(await t.deviceToken('中央公民館'));
    const disconnected = new Promise((resolve) => flooder.socket.once('disconnect', resolve));
    untyped(flooder).emit('consultation:request', { departmentId: 'x'.repeat(200_000) });
    await disconnected;
    const call = await placeCall(t);
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    call.device.close();
    call.operator.close();
    flooder.close();
  });

  it('validates HTTP bodies and enforces roles', async () => {
    const post = (path: string, body: string, token?: string) =>
      fetch(`${t.server.url}/api${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    expect((await post('/auth/login', '{not json')).status).toBe(400);
    expect((await post('/auth/login', JSON.stringify({ username: 'tax1' }))).status).toBe(400);
    const wrong = await post('/auth/login', JSON.stringify({ username: 'tax1', password: 'wrong' }));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const unknown = await post('/auth/login', JSON.stringify({ username: 'nobody', password: 'x' }));
    expect(unknown.status).toBe(401);
    const login = await post('/auth/login', JSON.stringify({ username: 'tax1', password: TEST_PASSWORD }));
    expect(login.status).toBe(200);
    const { token, staff } = (await login.json()) as { token: string; staff: { role: string; departments: { code: string }[] } };
    expect(staff.role).toBe('operator');
    expect(staff.departments.map((d) => d.code)).toContain('tax');

    const site = await t.db.site.findFirstOrThrow();
    expect((await post('/admin/devices', JSON.stringify({ siteId: site.id, name: 'x' }), token)).status).toBe(403);
    expect((await post('/admin/devices', JSON.stringify({ siteId: site.id, name: 'x' }))).status).toBe(401);
    const adminToken = await t.staffToken('admin');
    expect((await post('/admin/devices', JSON.stringify({ siteId: 42 }), adminToken)).status).toBe(400);
    const issued = await post('/admin/devices', JSON.stringify({ siteId: site.id, name: '予備タブレット' }), adminToken);
    expect(issued.status).toBe(201);
    const { token: deviceToken } = (await issued.json()) as { token: string };
    const me = await fetch(`${t.server.url}/api/device/me`, { headers: { authorization: `Bearer ${deviceToken}` } });
    expect(await me.json()).toMatchObject({ name: '予備タブレット', site: { id: site.id } });
    const sfu = await fetch(`${t.server.url}/api/admin/sfu`, { headers: { authorization: `Bearer ${token}` } });
    expect(sfu.status).toBe(403);
    expect((await fetch(`${t.server.url}/api/nothing`)).status).toBe(404);
  });
});

describe('password login resists guessing and floods', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Behind a reverse proxy on loopback: the client's address comes from X-Forwarded-For.
    t = await startTestServer({ trustProxy: 'loopback', login: { failuresPerAccount: 3, failuresPerAddress: 6, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await t.close();
  });
  const login = (address: string, username: string, password: string) =>
    fetch(`${t.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password }),
    });

  it('refuses a guessed account from that address only, with a time to come back', async () => {
    for (let i = 0; i < 3; i++) expect((await login('192.0.2.1', 'tax1', `guess${i}`)).status).toBe(401);
    const refused = await login('192.0.2.1', 'tax1', TEST_PASSWORD); // even the right password, for now
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The operator at their own desk is not locked out by someone else's guesses.
    expect((await login('192.0.2.2', 'tax1', TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses an address that tries many names', async () => {
    for (const username of ['welfare1', 'welfare2', 'childcare1', 'citizen1', 'nobody', 'admin']) {
      expect((await login('192.0.2.3', username, 'guess')).status).toBe(401);
    }
    expect((await login('192.0.2.3', 'supervisor', TEST_PASSWORD)).status).toBe(429);
  });

  it('answers a flood of logins with 401 or 429 and stays up', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(`198.51.100.${i}`, 'tax1', 'guess').then((response) => response.status)),
    );
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    expect(statuses).toContain(429); // more than the checks running plus waiting
    expect((await fetch(`${t.server.url}/api/health`)).status).toBe(200);
    expect((await login('192.0.2.4', 'tax1', TEST_PASSWORD)).status).toBe(200);
  });
});

import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, AdminSiteResponse, ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { systemClock, type Clock } from '../src/clock.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

/** Emit anything at all, as a hostile client would, and return the ack. */
function rawEmit(client: ProtocolClient, event: string, payload?: unknown): Promise<Ack<unknown>> {
  return (client.socket as unknown as Socket).timeout(5000).emitWithAck(event, payload);
}

const POST_OFFICE = '清滝郵便局';
const BRANCH = '江川出張所';

describe('clerk mode: the clerk PIN and 職員を呼ぶ', () => {
  let t: TestServer;
  /** Added to the system clock: moves the server's time past a lockout. */
  let offsetMs = 0;
  const clock: Clock = { ...systemClock, now: () => new Date(Date.now() + offsetMs) };
  let admin: string;
  let postOfficeId: string;
  const api = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${t.server.url}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    t = await startTestServer({}, clock);
    admin = await t.staffToken('admin');
    postOfficeId = (await t.db.site.findFirstOrThrow({ where: { name: POST_OFFICE } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('the clerk PIN', () => {
    it('is set by admins only, as a valid 4–8 digit PIN, stored as a hash and audited without the PIN', async () => {
      const supervisor = await t.staffToken('supervisor');
      expect((await api('PUT', `/admin/sites/${postOfficeId}/clerk-pin`, supervisor, { pin: '2468' })).status).toBe(403);
      for (const body of [{ pin: '12' }, { pin: '123456789' }, { pin: '12a4' }, { pin: 2468 }, {}, { pin: '2468', hint: 'x' }]) {
        const response = await api('PUT', `/admin/sites/${postOfficeId}/clerk-pin`, admin, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
      }
      expect((await api('PUT', '/admin/sites/no-such-site/clerk-pin', admin, { pin: '2468' })).status).toBe(404);

      const before = (await (await api('GET', '/admin/sites', admin)).json()) as { sites: AdminSiteResponse['site'][] };
      expect(before.sites.every((site) => !site.clerkPinSet)).toBe(true);
      const response = await api('PUT', `/admin/sites/${postOfficeId}/clerk-pin`, admin, { pin: '2468' });
      expect(response.status).toBe(200);
      expect(((await response.json()) as AdminSiteResponse).site.clerkPinSet).toBe(true);

      const { clerkPinHash } = await t.db.site.findUniqueOrThrow({ where: { id: postOfficeId } });
      expect(clerkPinHash).toMatch(/^scrypt\$/);
      expect(clerkPinHash).not.toContain('2468');
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { targetId: postOfficeId, action: 'config.change' }, orderBy: { id: 'desc' } });
      expect(JSON.parse(audit.details!)).toEqual({ change: 'site.clerkPin', site: POST_OFFICE, pinSet: true });
    });

    it('opens the settings with the right PIN only, and locks the pad after 5 wrong ones', async () => {
      const tablet = await t.connect(await t.deviceToken(POST_OFFICE));
      const branch = await t.connect(await t.deviceToken(BRANCH));
      expect(await tablet.request('clerk:status', {})).toEqual({ pinSet: true, retryAfterSeconds: null });
      expect(await branch.request('clerk:status', {})).toEqual({ pinSet: false, retryAfterSeconds: null });

      expect(await tablet.request('clerk:unlock', { pin: '1111' })).toEqual({ unlocked: false, attemptsLeft: 4, retryAfterSeconds: null });
      expect(await tablet.request('clerk:unlock', { pin: '2468' })).toMatchObject({ unlocked: true });
      // A right PIN forgets the wrong ones: five more are allowed.
      for (let attemptsLeft = 4; attemptsLeft >= 1; attemptsLeft--) {
        expect(await tablet.request('clerk:unlock', { pin: '0000' })).toEqual({ unlocked: false, attemptsLeft, retryAfterSeconds: null });
      }
      const locked = await tablet.request('clerk:unlock', { pin: '0000' });
      expect(locked).toMatchObject({ unlocked: false, attemptsLeft: 0 });
      expect(locked.retryAfterSeconds).toBeGreaterThan(290);
      expect(locked.retryAfterSeconds).toBeLessThanOrEqual(300);
      // Locked: even the right PIN is not checked; the wait shows on the pad from the start.
      expect(await tablet.request('clerk:unlock', { pin: '2468' })).toMatchObject({ unlocked: false, attemptsLeft: 0 });
      expect((await tablet.request('clerk:status', {})).retryAfterSeconds).toBeGreaterThan(0);
      // Another site's tablet is not locked (a site without a PIN opens with anything).
      expect(await branch.request('clerk:unlock', { pin: '0000' })).toMatchObject({ unlocked: true });

      offsetMs += 5 * 60_000;
      expect(await tablet.request('clerk:status', {})).toEqual({ pinSet: true, retryAfterSeconds: null });
      expect(await tablet.request('clerk:unlock', { pin: '2468' })).toMatchObject({ unlocked: true });
    });

    it('refuses malformed PINs and other senders at the boundary', async () => {
      const tablet = await t.connect(await t.deviceToken(POST_OFFICE));
      for (const payload of [{ pin: 2468 }, { pin: '24a8' }, { pin: '1'.repeat(9) }, {}, null, 'pin']) {
        const ack = await rawEmit(tablet, 'clerk:unlock', payload);
        expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      }
      // Malformed attempts do not count towards the lock.
      expect(await tablet.request('clerk:unlock', { pin: '9999' })).toMatchObject({ attemptsLeft: 4 });
      const operator = await t.connect(await t.staffToken('tax1'));
      expect(await rawEmit(operator, 'clerk:unlock', { pin: '2468' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });

    it('is removed by admins: the settings open as before', async () => {
      const response = await api('DELETE', `/admin/sites/${postOfficeId}/clerk-pin`, admin);
      expect(((await response.json()) as AdminSiteResponse).site.clerkPinSet).toBe(false);
      const tablet = await t.connect(await t.deviceToken(POST_OFFICE));
      expect(await tablet.request('clerk:status', {})).toEqual({ pinSet: false, retryAfterSeconds: null });
      expect(await tablet.request('clerk:unlock', { pin: '0000' })).toMatchObject({ unlocked: true });
    });
  });

  describe('職員を呼ぶ', () => {
    type Calls = ServerPayload<'help:calls'>['calls'];
    /** A console that keeps the last help:calls it was sent. */
    const console_ = async (username: string) => {
      const seen: { calls: Calls | null } = { calls: null };
      const client = await t.connect(await t.staffToken(username), (c) => c.on('help:calls', ({ calls }) => (seen.calls = calls)));
      await expect.poll(() => seen.calls).not.toBeNull();
      return { client, seen };
    };

    it('alerts every supervisor and admin console once per call, and the acknowledgement clears it and tells the tablet', async () => {
      const supervisor = await console_('supervisor');
      const adminConsole = await console_('admin');
      expect(supervisor.seen.calls).toEqual([]);
      let operatorAlerted = false;
      const operator = await t.connect(await t.staffToken('tax1'), (c) => c.on('help:calls', () => (operatorAlerted = true)));
      const tablet = await t.connect(await t.deviceToken(POST_OFFICE));

      const { helpCallId } = await tablet.request('help:request', {});
      await expect.poll(() => supervisor.seen.calls).toEqual([
        { helpCallId, site: { id: postOfficeId, name: POST_OFFICE }, deviceName: expect.any(String), requestedAt: expect.any(String), presses: 1 },
      ]);
      await expect.poll(() => adminConsole.seen.calls?.length).toBe(1);
      // Pressed again before anyone answered: the same call, counted.
      expect(await tablet.request('help:request', {})).toEqual({ helpCallId });
      await expect.poll(() => supervisor.seen.calls?.[0]?.presses).toBe(2);
      // A console that opens later sees the call at once.
      const late = await console_('supervisor');
      expect(late.seen.calls?.map((call) => call.helpCallId)).toEqual([helpCallId]);

      expect(await rawEmit(operator, 'help:acknowledge', { helpCallId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await rawEmit(tablet, 'help:acknowledge', { helpCallId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      for (const payload of [{}, { helpCallId: 7 }, { helpCallId: '' }, null]) {
        expect(await rawEmit(supervisor.client, 'help:acknowledge', payload)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      }
      expect(await rawEmit(supervisor.client, 'help:request', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

      const acknowledged = nextEvent(tablet, 'help:acknowledged');
      await adminConsole.client.request('help:acknowledge', { helpCallId });
      expect(await acknowledged).toEqual({ helpCallId });
      await expect.poll(() => supervisor.seen.calls).toEqual([]);
      await expect.poll(() => late.seen.calls).toEqual([]);
      // The other console answering a moment later is told it is already taken.
      expect(await rawEmit(supervisor.client, 'help:acknowledge', { helpCallId })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(operatorAlerted).toBe(false);

      const adminId = (await t.db.staff.findUniqueOrThrow({ where: { username: 'admin' } })).id;
      expect(await t.db.helpCall.findUniqueOrThrow({ where: { id: helpCallId } })).toMatchObject({ presses: 2, acknowledgedBy: adminId, acknowledgedAt: expect.any(Date) });
      expect(await t.db.auditLog.findFirst({ where: { targetId: helpCallId, action: 'help.acknowledge', staffId: adminId } })).not.toBeNull();

      // The next press is a new call.
      const next = await tablet.request('help:request', {});
      expect(next.helpCallId).not.toBe(helpCallId);
      await expect.poll(() => supervisor.seen.calls?.map((call) => call.helpCallId)).toEqual([next.helpCallId]);
      await supervisor.client.request('help:acknowledge', next);
    });

    it('makes presses at the same moment one call, and keeps it open across a server restart', async () => {
      const tablet = await t.connect(await t.deviceToken(BRANCH));
      const [first, second] = await Promise.all([tablet.request('help:request', {}), tablet.request('help:request', {})]);
      expect(second).toEqual(first);
      const { helpCallId } = first;
      expect(await t.db.helpCall.count({ where: { acknowledgedAt: null } })).toBe(1);
      await t.restart();
      const supervisor = await console_('supervisor');
      expect(supervisor.seen.calls?.map((call) => call.helpCallId)).toEqual([helpCallId]);
      await supervisor.client.request('help:acknowledge', { helpCallId });
    });
  });
});


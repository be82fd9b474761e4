import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type AdminStaffResponse, type LoginResponse } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import type { SessionChanges } from '../src/auth/SessionChanges.ts';
import { SessionEnded, SHARED_MEMORY_MS, StaffSessions } from '../src/auth/StaffSessions.ts';
import { lockDatabase } from './databaseFaults.ts';
import { nextEvent, startTestServer, TEST_PASSWORD, type TestServer } from './harness.ts';
import { FakeClock } from './routing/support.ts';

/** Resolves with the reason when the socket closes. */
const closed = (client: ProtocolClient) => new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));

/** The error code a request is refused with (null: it was answered). */
async function refusalOf(answer: Promise<unknown>): Promise<string | null> {
  try {
    await answer;
    return null;
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

/**
 * Revocable staff sessions on the real server with real socket.io clients: a logout, a disabled
 * account, a changed role or departments and an admin's sign-out take effect on the next REST call
 * and the next socket event, and live sockets are closed with the reason; a database that cannot
 * answer is never a verdict.
 */
describe('staff sessions', () => {
  let t: TestServer;
  let admin: string;
  const departmentIds: Record<string, string> = {};
  const staffIds: Record<string, string> = {};

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${t.server.url}/api${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const post = (path: string, token: string, body: unknown = {}) => api(path, token, { method: 'POST', body: JSON.stringify(body) });
  const login = async (username: string): Promise<string> => {
    const response = await fetch(`${t.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as LoginResponse).token;
  };
  /** REST status of an authenticated read any staff member may make. */
  const restStatus = async (token: string) => (await api('/callbacks', token)).status;
  /**
   * Take the staff member's sockets out of the rooms the server pushes a session's end to: as a
   * socket that finished its handshake while the session was being ended would be. Only the check
   * on each event can stop such a socket.
   */
  const outOfReach = async (staffId: string) => {
    for (const socket of await t.server.io.fetchSockets()) {
      const { principal } = socket.data;
      if (principal.kind !== 'staff' || principal.staffId !== staffId) continue;
      socket.leave(`staff:${staffId}`);
      socket.leave(`session:${principal.sessionId}`);
    }
  };
  const changesOf = async (targetId: string) =>
    (await t.db.auditLog.findMany({ where: { targetId, action: 'config.change' }, orderBy: { id: 'asc' } })).map((row) => JSON.parse(row.details!) as Record<string, unknown>);

  beforeAll(async () => {
    t = await startTestServer();
    admin = await login('admin');
    for (const { id, code } of await t.db.department.findMany()) departmentIds[code] = id;
    for (const { id, username } of await t.db.staff.findMany()) staffIds[username] = id;
  });
  afterAll(() => t?.close());

  it('a logout ends that session only: its token gets 401, its socket is told and closed; another login of the same account goes on', async () => {
    const [ending, other] = [await login('citizen1'), await login('citizen1')];
    const endingConsole = await t.connect(ending);
    const otherConsole = await t.connect(other);
    const told = nextEvent(endingConsole, 'session:ended');
    const gone = closed(endingConsole);

    expect((await post('/auth/logout', ending)).status).toBe(204);
    expect(await told).toEqual({ reason: 'logged_out' });
    expect(await gone).toBe('io server disconnect');
    expect(await restStatus(ending)).toBe(401);
    expect((await post('/auth/logout', ending)).status).toBe(401);

    expect(await restStatus(other)).toBe(200);
    expect(await otherConsole.request('presence:set', { presence: 'away' })).toEqual({ presence: 'away' });
    expect(otherConsole.socket.connected).toBe(true);
    const [audited] = await t.db.auditLog.findMany({ where: { staffId: staffIds.citizen1, action: 'session.logout' } });
    expect(audited).toBeDefined();
    expect((await post('/auth/logout', other, { everywhere: true })).status).toBe(400);
  });

  it('a socket the logout did not reach is refused at its next event and closed', async () => {
    const token = await login('citizen2');
    const console = await t.connect(token);
    await outOfReach(staffIds.citizen2!);
    expect((await post('/auth/logout', token)).status).toBe(204);
    expect(console.socket.connected).toBe(true);

    const told = nextEvent(console, 'session:ended');
    const gone = closed(console);
    expect(await refusalOf(console.request('presence:set', { presence: 'available' }))).toBe('UNAUTHORIZED');
    expect(await told).toEqual({ reason: 'logged_out' });
    expect(await gone).toBe('io server disconnect');
    expect(t.server.consultations.routing.operator(staffIds.citizen2!)?.presence).not.toBe('available');
  });

  it('a disabled account: the live console is closed at once, its token gets 401, and a socket the push missed cannot set 受付可', async () => {
    const live = await t.connect(await login('welfare1'));
    const missedToken = await login('welfare1');
    const missed = await t.connect(missedToken);
    await outOfReach(staffIds.welfare1!);
    // Rejoin the live console's rooms: it alone is reached by the push.
    for (const socket of await t.server.io.fetchSockets()) {
      if (socket.id === live.socket.id && socket.data.principal.kind === 'staff') socket.join([`staff:${staffIds.welfare1}`, `session:${socket.data.principal.sessionId}`]);
    }
    const told = nextEvent(live, 'session:ended');
    const gone = closed(live);

    expect((await post(`/admin/staff/${staffIds.welfare1}/disable`, admin)).status).toBe(200);
    expect(await told).toEqual({ reason: 'account_disabled' });
    expect(await gone).toBe('io server disconnect');
    expect(await restStatus(missedToken)).toBe(401);
    const missedTold = nextEvent(missed, 'session:ended');
    expect(await refusalOf(missed.request('presence:set', { presence: 'available' }))).toBe('UNAUTHORIZED');
    expect(await missedTold).toEqual({ reason: 'account_disabled' });
    expect((await changesOf(staffIds.welfare1!)).at(-1)).toMatchObject({ change: 'staff.disable', sessionsEnded: 2 });
    expect((await post(`/admin/staff/${staffIds.welfare1}/enable`, admin)).status).toBe(200);
    expect(await restStatus(missedToken)).toBe(401); // enabling again revives no session
  });

  it('a changed role or departments: the old token is refused on REST and on the socket', async () => {
    const byRole = await login('childcare1');
    const byDepartments = await login('childcare2');
    const roleConsole = await t.connect(byRole);
    const departmentsConsole = await t.connect(byDepartments);
    const roleTold = nextEvent(roleConsole, 'session:ended');
    const departmentsTold = nextEvent(departmentsConsole, 'session:ended');

    expect((await api(`/admin/staff/${staffIds.childcare1}`, admin, { method: 'PATCH', body: JSON.stringify({ role: 'supervisor' }) })).status).toBe(200);
    const moved = { departments: [{ departmentId: departmentIds.welfare, skill: 'primary' }] };
    expect((await api(`/admin/staff/${staffIds.childcare2}`, admin, { method: 'PATCH', body: JSON.stringify(moved) })).status).toBe(200);
    expect(await roleTold).toEqual({ reason: 'account_changed' });
    expect(await departmentsTold).toEqual({ reason: 'account_changed' });
    expect(await restStatus(byRole)).toBe(401);
    expect(await restStatus(byDepartments)).toBe(401);
    await expect(t.connect(byDepartments)).rejects.toThrow('UNAUTHORIZED');

    // A new name alone leaves the session valid.
    const renamed = await login('childcare2');
    expect((await api(`/admin/staff/${staffIds.childcare2}`, admin, { method: 'PATCH', body: JSON.stringify({ displayName: '子育て 新' }) })).status).toBe(200);
    expect(await restStatus(renamed)).toBe(200);
  });

  it('a new password ends every session of the account', async () => {
    const token = await login('insurance1');
    const console = await t.connect(token);
    const told = nextEvent(console, 'session:ended');
    const reset = (await (await post(`/admin/staff/${staffIds.insurance1}/password`, admin)).json()) as AdminStaffResponse;
    expect(reset.password).toMatch(/.{10,}/);
    expect(await told).toEqual({ reason: 'password_changed' });
    expect(await restStatus(token)).toBe(401);
  });

  it('サインアウトさせる ends every session of that account and no one else’s; refused for the admin’s own account', async () => {
    const sessions = [await login('tax1'), await login('tax1')];
    const consoles = await Promise.all(sessions.map((token) => t.connect(token)));
    const bystanderToken = await login('tax2');
    const bystander = await t.connect(bystanderToken);
    const told = consoles.map((console) => nextEvent(console, 'session:ended'));

    const signedOut = await post(`/admin/staff/${staffIds.tax1}/sign-out`, admin);
    expect(signedOut.status).toBe(200);
    expect(((await signedOut.json()) as AdminStaffResponse).staff.active).toBe(true);
    expect(await Promise.all(told)).toEqual([{ reason: 'signed_out_by_admin' }, { reason: 'signed_out_by_admin' }]);
    for (const token of sessions) expect(await restStatus(token)).toBe(401);
    // A console that was offline meanwhile learns why when it reconnects.
    const refused = await t.connect(sessions[0]!).then(
      () => null,
      (error: Error & { data?: unknown }) => error.data,
    );
    expect(refused).toEqual({ code: 'UNAUTHORIZED', reason: 'signed_out_by_admin' });
    expect(await restStatus(bystanderToken)).toBe(200);
    expect(await bystander.request('presence:set', { presence: 'away' })).toEqual({ presence: 'away' });
    expect((await changesOf(staffIds.tax1!)).at(-1)).toMatchObject({ change: 'staff.sign_out', username: 'tax1', sessionsEnded: 2 });
    expect(await restStatus(await login('tax1'))).toBe(200); // the account stays enabled

    expect((await post(`/admin/staff/${staffIds.admin}/sign-out`, admin)).status).toBe(409);
    expect((await post(`/admin/staff/${staffIds.tax1}/sign-out`, admin, { now: true })).status).toBe(400);
    expect((await post(`/admin/staff/${staffIds.tax1}/sign-out`, bystanderToken)).status).toBe(403);
    bystander.close();
  });

  it('an operator signed out during a call: the resident goes back to the queue and is offered to a colleague', async () => {
    const first = await t.connect(await login('general1'));
    await first.request('presence:set', { presence: 'available' });
    const tablet = await t.connect(await t.deviceToken('中央公民館'));
    const offered = nextEvent(first, 'offer:incoming');
    const { consultationId } = await tablet.request('consultation:request', { departmentId: departmentIds.general! });
    await offered;
    await first.request('offer:accept', { consultationId });
    const colleague = await t.connect(await login('general2'));
    await colleague.request('presence:set', { presence: 'available' });

    const handedOn = nextEvent(colleague, 'offer:incoming');
    expect((await post(`/admin/staff/${staffIds.general1}/sign-out`, admin)).status).toBe(200);
    expect((await handedOn).consultationId).toBe(consultationId);
    expect(tablet.socket.connected).toBe(true);
    await colleague.request('offer:accept', { consultationId });
    expect(t.server.consultations.routing.consultation(consultationId)).toMatchObject({ phase: 'in_call', operatorId: staffIds.general2 });
    await colleague.request('consultation:end', { consultationId });
    await t.server.recorder.flush();
    const types = (await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { id: 'asc' } })).map((event) => event.type);
    expect(types).toContain('transferred');
    expect(types.at(-1)).toBe('ended');
    tablet.close();
    colleague.close();
  });

  it('with other nodes, a remembered session is read again after 30 s: an end whose announcement was lost holds by then', async () => {
    const clock = new FakeClock(Date.now());
    const lost: SessionChanges = { announce: () => Promise.reject(new Error('redis down')), listen: async () => {}, close: async () => {} };
    const quiet = { endSession: () => {}, endStaffSession: () => {} };
    const here = new StaffSessions({ db: t.db, clock, notifier: quiet, consultations: { staffSignedOut: () => {} }, changes: lost });
    const alone = new StaffSessions({ db: t.db, clock, notifier: quiet, consultations: { staffSignedOut: () => {} } });
    const sessionId = `remembered-${Date.now()}`;
    const staffId = staffIds['citizen1']!;
    await here.start(sessionId, staffId, 3_600_000);
    for (const sessions of [here, alone]) expect((await sessions.principal(sessionId, staffId)).staffId).toBe(staffId);
    // Ended by another node, whose announcement never came.
    await t.db.staffSession.update({ where: { id: sessionId }, data: { endedAt: clock.now(), endReason: 'logged_out' } });
    clock.advance(SHARED_MEMORY_MS - 1);
    expect((await here.principal(sessionId, staffId)).staffId).toBe(staffId);
    clock.advance(1);
    await expect(here.principal(sessionId, staffId)).rejects.toBeInstanceOf(SessionEnded);
    // Alone, every end goes through this process: memory holds until the token expires.
    expect((await alone.principal(sessionId, staffId)).staffId).toBe(staffId);
  });

  it('a database that cannot answer the check is 503 and UNAVAILABLE, never 401, and the session works afterwards', async () => {
    const token = await login('insurance2');
    const console = await t.connect(token);
    // Memory forgets the session (as after a restart): the next check must ask the database.
    t.server.sessions.staffChanged(staffIds.insurance2!);
    await t.db.$disconnect();
    const lock = await lockDatabase(t.databaseFile, { readers: true });
    try {
      const refused = await api('/callbacks', token);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(await refusalOf(console.request('presence:set', { presence: 'away' }))).toBe('UNAVAILABLE');
      expect(console.socket.connected).toBe(true);
      await expect(t.connect(token)).rejects.toThrow('UNAVAILABLE');
    } finally {
      await lock.release();
    }
    expect(await restStatus(token)).toBe(200);
    expect(await console.request('presence:set', { presence: 'away' })).toEqual({ presence: 'away' });
  });
});

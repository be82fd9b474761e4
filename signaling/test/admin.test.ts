import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdminDevicesResponse,
  AdminDepartmentResponse,
  AdminDepartmentsResponse,
  AdminSiteResponse,
  AdminStaffListResponse,
  AdminStaffResponse,
  CategoriesResponse,
  DepartmentsResponse,
  LoginResponse,
  Wallboard,
} from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { nextEvent, startTestServer, TEST_PASSWORD, type TestServer } from './harness.ts';

/** Resolves with the reason when the server closes the client's socket. */
const closedByServer = (client: ProtocolClient) =>
  new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));

/** The city's administration through the real server: staff, sites and departments (/api/admin/…). */
describe('city administration (/api/admin/staff, /sites, /departments)', () => {
  let t: TestServer;
  let admin: string;
  const departmentIds: Record<string, string> = {};
  const api = (path: string, token: string | null, init: RequestInit = {}) =>
    fetch(`${t.server.url}/api${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const send = (method: string, path: string, body?: unknown, token = admin) =>
    api(path, token, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const login = (username: string, password: string) =>
    fetch(`${t.server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  /** The audit trail's changes of one target, oldest first, details parsed. */
  const changesOf = async (targetId: string) =>
    (await t.db.auditLog.findMany({ where: { targetId, action: 'config.change' }, orderBy: { id: 'asc' } })).map((row) => JSON.parse(row.details!) as Record<string, unknown>);
  const refusal = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error });

  beforeAll(async () => {
    // Secondary skills answer at once, so a routed call to one is quick to show.
    t = await startTestServer({ routing: { secondaryDelaySeconds: 0 } });
    admin = await t.staffToken('admin');
    for (const { id, code } of await t.db.department.findMany()) departmentIds[code] = id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('is for admins only', async () => {
    const supervisor = await t.staffToken('supervisor');
    const operator = await t.staffToken('tax1');
    const tablet = await t.deviceToken('清滝郵便局');
    for (const path of ['/admin/staff', '/admin/sites', '/admin/departments']) {
      expect((await api(path, null)).status).toBe(401);
      for (const token of [supervisor, operator, tablet]) expect((await api(path, token)).status).toBe(403);
      expect((await send('POST', path, {}, supervisor)).status).toBe(403);
      expect((await api(path, admin)).status).toBe(200);
    }
    const staffId = (await t.db.staff.findUniqueOrThrow({ where: { username: 'tax2' } })).id;
    expect((await send('POST', `/admin/staff/${staffId}/disable`, undefined, supervisor)).status).toBe(403);
    expect((await t.db.staff.findUniqueOrThrow({ where: { id: staffId } })).active).toBe(true);
  });

  it('refuses bad bodies with the field named, and taken names with 409', async () => {
    const bad = [
      { username: 'A B', displayName: '新人', role: 'operator' }, // username
      { username: 'newhire', displayName: '', role: 'operator' }, // displayName
      { username: 'newhire', displayName: '新人', role: 'mayor' }, // role
      { username: 'newhire', displayName: '新人', role: 'operator', password: 'short' }, // password
      { username: 'newhire', displayName: '新人', role: 'operator', isRoot: true }, // unknown key
      { username: 'newhire', displayName: '新人', role: 'operator', departments: [{ departmentId: departmentIds.tax, skill: 'primary' }, { departmentId: departmentIds.tax, skill: 'secondary' }] },
    ];
    const messages = [];
    for (const body of bad) {
      const answer = await refusal(await send('POST', '/admin/staff', body));
      expect(answer).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
      messages.push(answer.message);
    }
    expect(messages[0]).toMatch(/^username:/);
    expect(messages[1]).toMatch(/^displayName:/);
    expect(messages[3]).toMatch(/^password:/);
    expect(messages[5]).toMatch(/listed twice/);
    const unknownDepartment = await send('POST', '/admin/staff', { username: 'newhire', displayName: '新人', role: 'operator', departments: [{ departmentId: 'nope', skill: 'primary' }] });
    expect(await refusal(unknownDepartment)).toMatchObject({ status: 400, message: 'departments: no such department' });
    expect(await refusal(await send('POST', '/admin/staff', { username: 'tax1', displayName: '二人目', role: 'operator' }))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await send('POST', '/admin/sites', { name: '清滝郵便局', kind: 'post_office' })).status).toBe(409);
    expect((await send('POST', '/admin/sites', { name: '新しい拠点', kind: 'castle' })).status).toBe(400);
    expect((await send('POST', '/admin/departments', { code: 'tax', name: '第二税務課' })).status).toBe(409);
    expect((await send('POST', '/admin/departments', { code: 'Tax Office', name: '第二税務課' })).status).toBe(400);
    expect((await send('PATCH', `/admin/departments/${departmentIds.tax}`, {})).status).toBe(400);
    expect((await send('PATCH', '/admin/staff/00000000-0000-4000-8000-000000000000', { displayName: '誰' })).status).toBe(404);
    expect(await t.db.staff.count({ where: { username: 'newhire' } })).toBe(0);
  });

  it('creates a staff member with a secondary skill who logs in and is routed a call of that department at once', async () => {
    const created = await send('POST', '/admin/staff', {
      username: 'newhire',
      displayName: '新人 太郎',
      role: 'operator',
      departments: [
        { departmentId: departmentIds.citizen, skill: 'primary' },
        { departmentId: departmentIds.insurance, skill: 'secondary' },
      ],
    });
    expect(created.status).toBe(201);
    const { staff, password } = (await created.json()) as AdminStaffResponse;
    expect(staff).toMatchObject({ username: 'newhire', role: 'operator', active: true, hasRecords: false });
    expect(staff.departments.map((d) => [d.department.code, d.skill])).toEqual([
      ['citizen', 'primary'],
      ['insurance', 'secondary'],
    ]);
    expect(password).toMatch(/.{10,}/); // generated, shown once
    const [audited] = await changesOf(staff.id);
    expect(audited).toMatchObject({ change: 'staff.create', username: 'newhire', passwordGenerated: true });
    expect(JSON.stringify(audited)).not.toContain(password!);

    const session = (await (await login('newhire', password!)).json()) as LoginResponse;
    const console = await t.connect(session.token);
    await console.request('presence:set', { presence: 'available' });
    const tablet = await t.connect(await t.deviceToken('江川出張所'));
    const offered = nextEvent(console, 'offer:incoming');
    const { consultationId } = await tablet.request('consultation:request', { departmentId: departmentIds.insurance! });
    expect((await offered).department.code).toBe('insurance');
    await console.request('offer:decline', { consultationId });
    await tablet.request('consultation:cancel', { consultationId });

    // Moved to 税務課 only: the console (showing the old departments' queues) is closed, and the
    // routing core offers by the new skills from the next login.
    const told = nextEvent(console, 'session:ended');
    const moved = await send('PATCH', `/admin/staff/${staff.id}`, { departments: [{ departmentId: departmentIds.tax, skill: 'primary' }] });
    expect(moved.status).toBe(200);
    expect(await told).toEqual({ reason: 'account_changed' });
    expect(t.server.consultations.routing.operator(staff.id)).toMatchObject({ primary: [departmentIds.tax], secondary: [] });
    expect((await changesOf(staff.id)).at(-1)).toMatchObject({
      change: 'staff.update',
      after: { departments: [{ departmentId: departmentIds.tax, skill: 'primary' }] },
      sessionsEnded: 1,
    });
  });

  it('sets a new password (generated or chosen); the old one stops working, and the trail never holds it', async () => {
    const { id } = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax2' } });
    const reset = (await (await send('POST', `/admin/staff/${id}/password`, {})).json()) as AdminStaffResponse;
    expect(reset.password).toMatch(/.{10,}/);
    expect((await login('tax2', TEST_PASSWORD)).status).toBe(401);
    expect((await login('tax2', reset.password!)).status).toBe(200);
    const chosen = await send('POST', `/admin/staff/${id}/password`, { password: 'chosen-by-admin-42' });
    expect(((await chosen.json()) as AdminStaffResponse).password).toBeNull();
    expect((await login('tax2', 'chosen-by-admin-42')).status).toBe(200);
    expect((await send('POST', `/admin/staff/${id}/password`, { password: 'short' })).status).toBe(400);
    const trail = await changesOf(id);
    expect(trail.map((row) => [row.change, row.generated])).toEqual([
      ['staff.password', true],
      ['staff.password', false],
    ]);
    expect(JSON.stringify(trail)).not.toContain('chosen-by-admin-42');
  });

  it('disables a leaver: their console is told why and closed, login and their token are refused; enabled again they log in', async () => {
    const { id } = await t.db.staff.findUniqueOrThrow({ where: { username: 'welfare2' } });
    const token = await t.staffToken('welfare2');
    const console = await t.connect(token);
    const told = nextEvent(console, 'session:ended');
    const closed = closedByServer(console);
    const disabled = (await (await send('POST', `/admin/staff/${id}/disable`)).json()) as AdminStaffResponse;
    expect(disabled.staff.active).toBe(false);
    expect(await told).toEqual({ reason: 'account_disabled' });
    expect(await closed).toBe('io server disconnect');
    expect((await api('/callbacks', token)).status).toBe(401);
    expect((await login('welfare2', TEST_PASSWORD)).status).toBe(401);
    const list = (await (await api('/admin/staff', admin)).json()) as AdminStaffListResponse;
    expect(list.staff.find((staff) => staff.id === id)).toMatchObject({ active: false });

    expect((await send('POST', `/admin/staff/${id}/enable`)).status).toBe(200);
    expect((await login('welfare2', TEST_PASSWORD)).status).toBe(200);
    expect((await changesOf(id)).map((row) => row.change)).toEqual(['staff.disable', 'staff.enable']);
  });

  it('closes the console of a staff member whose role changed; keeps the last admin; deletes only accounts without records', async () => {
    const { id } = await t.db.staff.findUniqueOrThrow({ where: { username: 'childcare2' } });
    const console = await t.connect(await t.staffToken('childcare2'));
    const told = nextEvent(console, 'session:ended');
    expect((await send('PATCH', `/admin/staff/${id}`, { role: 'supervisor' })).status).toBe(200);
    expect(await told).toEqual({ reason: 'account_changed' });

    const adminId = (await t.db.staff.findUniqueOrThrow({ where: { username: 'admin' } })).id;
    expect(await refusal(await send('POST', `/admin/staff/${adminId}/disable`))).toMatchObject({ status: 409, message: 'you cannot disable your own account' });
    const second = (await (await send('POST', '/admin/staff', { username: 'admin2', displayName: '管理 二', role: 'admin', password: 'second-admin-pw' })).json()) as AdminStaffResponse;
    const secondToken = ((await (await login('admin2', 'second-admin-pw')).json()) as LoginResponse).token;
    expect((await send('PATCH', `/admin/staff/${adminId}`, { role: 'operator' }, secondToken)).status).toBe(200);
    // Now admin2 is the only admin: it cannot be given another role by anybody.
    const soleAdmin = await send('PATCH', `/admin/staff/${second.staff.id}`, { role: 'operator' }, secondToken);
    expect(await refusal(soleAdmin)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await send('PATCH', `/admin/staff/${adminId}`, { role: 'admin' }, secondToken)).status).toBe(200);
    // Each role change ended the admin's session: the old token is refused, a new login works.
    expect((await api('/admin/staff', admin)).status).toBe(401);
    admin = await t.staffToken('admin');

    // admin2 is in the audit trail (the role changes above): an account with records is disabled, never deleted.
    expect(await refusal(await send('DELETE', `/admin/staff/${second.staff.id}`))).toMatchObject({ status: 409, message: 'this account has records: disable it instead' });
    const mistake = (await (await send('POST', '/admin/staff', { username: 'typo', displayName: '間違い', role: 'operator' })).json()) as AdminStaffResponse;
    expect((await send('DELETE', `/admin/staff/${mistake.staff.id}`)).status).toBe(204);
    expect(await t.db.staff.count({ where: { id: mistake.staff.id } })).toBe(0);
    expect((await changesOf(mistake.staff.id)).map((row) => row.change)).toEqual(['staff.create', 'staff.delete']);
  });

  it('creates, renames and describes a site; disabling it closes and refuses its tablets', async () => {
    const created = await send('POST', '/admin/sites', { name: '北部出張所', kind: 'branch_office', description: '北部の支所' });
    expect(created.status).toBe(201);
    const { site } = (await created.json()) as AdminSiteResponse;
    expect(site).toMatchObject({ name: '北部出張所', kind: 'branch_office', description: '北部の支所', active: true, devices: 0 });
    const renamed = (await (await send('PATCH', `/admin/sites/${site.id}`, { name: '北部支所', description: '月・水・金 9:00–16:00' })).json()) as AdminSiteResponse;
    expect(renamed.site).toMatchObject({ name: '北部支所', description: '月・水・金 9:00–16:00' });

    const egawa = await t.db.site.findFirstOrThrow({ where: { name: '江川出張所' } });
    const tabletToken = await t.deviceToken('江川出張所');
    const tablet = await t.connect(tabletToken);
    const closed = closedByServer(tablet);
    expect((await send('PATCH', `/admin/sites/${egawa.id}`, { active: false })).status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    expect((await api('/device/me', tabletToken)).status).toBe(401);
    // Retired: no new tablet there, and not on the wallboard.
    const devices = (await (await api('/admin/devices', admin)).json()) as AdminDevicesResponse;
    expect(devices.sites.map((s) => s.name)).not.toContain('江川出張所');
    expect(await refusal(await send('POST', '/admin/devices', { siteId: egawa.id, name: '予備' }))).toMatchObject({ status: 409 });
    const wallboard = (await (await api('/supervisor/wallboard', admin)).json()) as Wallboard;
    expect(wallboard.sites.map((s) => s.site.name)).not.toContain('江川出張所');
    expect((await send('PATCH', `/admin/sites/${egawa.id}`, { active: true })).status).toBe(200);
    expect((await api('/device/me', tabletToken)).status).toBe(200);
    expect((await changesOf(site.id)).map((row) => row.change)).toEqual(['site.create', 'site.update']);
    expect((await changesOf(egawa.id)).map((row) => (row.after as { active: boolean }).active)).toEqual([false, true]);
  });

  it('creates a department that kiosks offer at once with its button text, orders, edits and disables it', async () => {
    const tabletToken = await t.deviceToken('清滝郵便局');
    const tablet = await t.connect(tabletToken);
    const kioskList = async () => ((await (await api('/departments', tabletToken)).json()) as DepartmentsResponse).departments;
    expect((await kioskList()).find((d) => d.code === 'citizen')?.kioskText).toBe('住民票・引っ越し・マイナンバーカード');

    const pushed = nextEvent(tablet, 'departments:changed');
    const created = await send('POST', '/admin/departments', {
      code: 'environment',
      name: '環境課',
      kioskText: 'ごみ・リサイクル',
      description: 'ごみの出し方、粗大ごみ',
      categories: ['ごみの出し方', '粗大ごみ'],
    });
    expect(created.status).toBe(201);
    const { department } = (await created.json()) as AdminDepartmentResponse;
    await pushed;
    expect(department).toMatchObject({ code: 'environment', active: true, categories: ['ごみの出し方', '粗大ごみ'], staff: { primary: 0, secondary: 0 } });
    expect((await kioskList()).at(-1)).toEqual({ id: department.id, code: 'environment', name: '環境課', kioskText: 'ごみ・リサイクル' });
    expect(t.server.consultations.routing.departmentConfig(department.id).departmentId).toBe(department.id);

    // First on the kiosk.
    const order = (await (await api('/admin/departments', admin)).json()) as AdminDepartmentsResponse;
    const ids = [department.id, ...order.departments.map((d) => d.id).filter((id) => id !== department.id)];
    expect((await send('PUT', '/admin/departments/order', { departmentIds: ids.slice(1) })).status).toBe(400);
    expect((await send('PUT', '/admin/departments/order', { departmentIds: ids })).status).toBe(200);
    expect((await kioskList())[0]!.code).toBe('environment');

    // Categories: one retired (kept for the records), one added, in the order given.
    const edited = await send('PATCH', `/admin/departments/${department.id}`, { kioskText: 'ごみ・リサイクル・犬の登録', categories: ['犬の登録', 'ごみの出し方'] });
    expect(((await edited.json()) as AdminDepartmentResponse).department).toMatchObject({ kioskText: 'ごみ・リサイクル・犬の登録', categories: ['犬の登録', 'ごみの出し方'] });
    const offered = (await (await api(`/departments/${department.id}/categories`, await t.staffToken('tax1'))).json()) as CategoriesResponse;
    expect(offered.categories.map((c) => c.name)).toEqual(['犬の登録', 'ごみの出し方']);
    expect(await t.db.consultationCategory.count({ where: { departmentId: department.id, active: false } })).toBe(1);

    // Disabled: gone from the kiosk, and a request for it (a stale kiosk) is refused.
    const again = nextEvent(tablet, 'departments:changed');
    expect((await send('PATCH', `/admin/departments/${department.id}`, { active: false })).status).toBe(200);
    await again;
    expect((await kioskList()).map((d) => d.code)).not.toContain('environment');
    const wallboard = (await (await api('/supervisor/wallboard', admin)).json()) as Wallboard;
    expect(wallboard.departments.map((d) => d.department.code)).not.toContain('environment');
    await expect(tablet.request('consultation:request', { departmentId: department.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await changesOf(department.id)).map((row) => row.change)).toEqual(['department.create', 'department.update', 'department.update']);
    expect((await changesOf('departments:order')).map((row) => row.change)).toEqual(['department.order']);
  });
});

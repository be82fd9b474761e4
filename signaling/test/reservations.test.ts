import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type RecordDetail, type RecordsStatsResponse, type Reservation, type ReservationCalendarsResponse, type ReservationList, type ReservationOptions } from '@madoguchi/protocol';
import { tokyoTime } from '../src/routing/core/index.ts';
import { waitFor } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

const BRANCH = '江川出張所';
const POST_OFFICE = '清滝郵便局';
/** A slot under way with less left than this is waited out before a test books it (the test takes a few seconds). */
const SLOT_END_MARGIN_MS = 10_000;

describe('reservations (予約)', () => {
  let t: TestServer;
  let admin: string;
  let branchTablet: string;
  const ids: Record<string, string> = {};
  const api = async (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${t.server.url}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const today = () => tokyoTime(Date.now()).date;
  /**
   * The welfare slot running now, and a valid booking of it. One about to end is waited out: a slot
   * that ends mid-test turns its bookings into no-shows (a run at 16:29:59 Tokyo time once did).
   */
  const currentSlot = async (token: string, departmentId = ids.welfare!): Promise<{ options: ReservationOptions; slot: ReservationOptions['slots'][number] }> => {
    const options = (await (await api('GET', `/reservations/options?departmentId=${departmentId}&date=${today()}`, token)).json()) as ReservationOptions;
    const slot = options.slots[0]!;
    const left = slot ? Date.parse(slot.end) - Date.now() : Infinity; // none: the department takes no bookings
    if (left > SLOT_END_MARGIN_MS) return { options, slot };
    await new Promise((resolve) => setTimeout(resolve, left + 100));
    return currentSlot(token, departmentId);
  };
  const booking = (options: ReservationOptions, slotStart: string, extra: Record<string, unknown> = {}) => ({
    departmentId: ids.welfare,
    slotStart,
    name: '予約 花子',
    phone: '090-1234-5678',
    categoryId: options.categories[0]!.id,
    language: 'ja',
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestServer();
    for (const { id, code } of await t.db.department.findMany()) ids[code] = id;
    for (const { id, name } of await t.db.site.findMany()) ids[name] = id;
    admin = await t.staffToken('admin');
    branchTablet = await t.deviceToken(BRANCH);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets admins alone set a department’s slot calendar, validated and audited', async () => {
    const settings = { slotMinutes: 30, capacity: 2, bookableDays: 14 };
    // The demo city books 福祉課 and 子育て支援課 only.
    const seeded = ((await (await api('GET', '/reservations/calendars', admin)).json()) as ReservationCalendarsResponse).calendars;
    expect(seeded.filter((calendar) => calendar.settings).map((calendar) => calendar.department.code)).toEqual(['welfare', 'childcare']);
    expect((await api('PUT', `/reservations/calendars/${ids.welfare}`, await t.staffToken('supervisor'), { settings })).status).toBe(403);
    expect((await api('PUT', `/reservations/calendars/${ids.welfare}`, branchTablet, { settings })).status).toBe(403);
    for (const bad of [{ settings: { ...settings, capacity: 0 } }, { settings: { ...settings, slotMinutes: 5 } }, { settings, extra: 1 }, {}]) {
      expect((await api('PUT', `/reservations/calendars/${ids.welfare}`, admin, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const saved = await api('PUT', `/reservations/calendars/${ids.welfare}`, admin, { settings });
    expect(saved.status).toBe(200);
    expect(((await saved.json()) as ReservationCalendarsResponse).calendars.find((c) => c.department.code === 'welfare')?.settings).toEqual(settings);
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: 'config.change', targetId: ids.welfare }, orderBy: { id: 'desc' } });
    expect(JSON.parse(audit.details!)).toEqual({ change: 'reservation.calendar', settings });

    // The demo departments are open around the clock: today's slots run from the one under way, 30 minutes each.
    const { options, slot } = await currentSlot(branchTablet);
    expect(Date.parse(slot.start)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(30 * 60_000);
    expect(slot.free).toBe(2);
    expect(options.categories.map((category) => category.name)).toContain('高齢者福祉');
    expect(options.operators.map((operator) => operator.name).sort()).toEqual(['福祉 一郎', '福祉 花子']);
    // A tablet books for its own site; staff for every site in service (a closed one is not offered).
    expect(options.sites).toEqual([{ id: ids[BRANCH], name: BRANCH }]);
    await t.db.site.update({ where: { id: ids[POST_OFFICE] }, data: { active: false } });
    try {
      const staffSites = (await currentSlot(await t.staffToken('welfare1'))).options.sites.map((site) => site.name);
      expect(staffSites).toContain(BRANCH);
      expect(staffSites).not.toContain(POST_OFFICE);
      expect(staffSites.length).toBe((await t.db.site.count({ where: { active: true } })));
    } finally {
      await t.db.site.update({ where: { id: ids[POST_OFFICE] }, data: { active: true } });
    }
    // A department without a calendar takes no bookings.
    expect((await currentSlot(branchTablet, ids.tax)).options).toMatchObject({ slots: [], bookableUntil: null });
  });

  it('books exactly capacity seats when 20 bookings of one slot arrive at once', async () => {
    const staff = await t.staffToken('welfare1');
    // Tomorrow's first slot: untouched by the other tests, whatever the hour.
    const tomorrow = tokyoTime(Date.now() + 24 * 60 * 60_000).date;
    const options = (await (await api('GET', `/reservations/options?departmentId=${ids.welfare}&date=${tomorrow}`, staff)).json()) as ReservationOptions;
    const slot = options.slots[0]!;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? api('POST', '/reservations', branchTablet, booking(options, slot.start, { name: `住民 ${i}` }))
          : api('POST', '/reservations', staff, booking(options, slot.start, { name: `住民 ${i}`, siteId: ids[POST_OFFICE] })),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    expect(statuses.filter((status) => status === 409)).toHaveLength(18);
    const rows = await t.db.reservation.findMany({ where: { departmentId: ids.welfare, slotStart: new Date(slot.start) } });
    expect(rows.map((row) => row.seat).sort()).toEqual([0, 1]);
    expect(new Set(rows.map((row) => row.code)).size).toBe(2);
    const after = (await (await api('GET', `/reservations/options?departmentId=${ids.welfare}&date=${tomorrow}`, staff)).json()) as ReservationOptions;
    expect(after.slots[0]).toMatchObject({ start: slot.start, free: 0 });

    // A cancelled booking gives its seat back.
    const cancelled = (await (await api('POST', `/reservations/${rows[0]!.id}/cancel`, staff)).json()) as Reservation;
    expect(cancelled.status).toBe('cancelled');
    expect(await t.db.auditLog.count({ where: { action: 'reservation.cancel', targetId: rows[0]!.id } })).toBe(1);
    expect((await api('POST', `/reservations/${rows[0]!.id}/cancel`, staff)).status).toBe(409);
    expect((await api('POST', '/reservations', branchTablet, booking(options, slot.start))).status).toBe(201);
  });

  it('refuses bookings that are not valid at the boundary', async () => {
    const { options, slot } = await currentSlot(branchTablet);
    const offSlot = new Date(Date.parse(slot.start) + 60_000).toISOString();
    const farAhead = new Date(Date.parse(slot.start) + 15 * 24 * 60 * 60_000).toISOString();
    const otherCategory = (await t.db.consultationCategory.findFirstOrThrow({ where: { departmentId: ids.tax } })).id;
    const taxOperator = (await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } })).id;
    for (const body of [
      booking(options, offSlot),
      booking(options, farAhead),
      booking(options, slot.start, { phone: '12' }),
      booking(options, slot.start, { name: '' }),
      booking(options, slot.start, { language: 'fr' }),
      booking(options, slot.start, { categoryId: otherCategory }),
      booking(options, slot.start, { preferredOperatorId: taxOperator }),
      booking(options, slot.start, { unknown: true }),
    ]) {
      expect((await api('POST', '/reservations', branchTablet, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('POST', '/reservations', branchTablet, booking(options, slot.start, { siteId: ids[POST_OFFICE] }))).status).toBe(403);
    expect((await api('POST', '/reservations', await t.staffToken('welfare1'), booking(options, slot.start))).status).toBe(400); // staff name the site
    // An operator books their own departments only; supervisors and admins any (the booking itself is refused here: the slot is checked after).
    const atPostOffice = booking(options, offSlot, { siteId: ids[POST_OFFICE] });
    expect((await api('POST', '/reservations', await t.staffToken('tax1'), atPostOffice)).status).toBe(403);
    expect((await api('POST', '/reservations', await t.staffToken('supervisor'), atPostOffice)).status).toBe(400);
    expect((await api('POST', '/reservations', admin, atPostOffice)).status).toBe(400);
    expect((await api('GET', `/reservations/options?departmentId=${ids.welfare}&date=tomorrow`, branchTablet)).status).toBe(400);
    expect((await api('GET', `/reservations?date=${today()}`, branchTablet)).status).toBe(403); // the tablet never lists residents
  });

  it('shows staff the day’s bookings of their departments, with an .ics for each', async () => {
    const { options, slot } = await currentSlot(branchTablet);
    const response = await api('POST', '/reservations', branchTablet, booking(options, slot.start, { note: '書類を持参', language: 'en' }));
    expect(response.status).toBe(201);
    const booked = (await response.json()) as Reservation;
    expect(booked).toMatchObject({ status: 'booked', site: { name: BRANCH }, department: { code: 'welfare' }, language: 'en', late: true, bookedVia: 'tablet' });
    expect(booked.code).toMatch(/^\d{6}$/);

    const list = async (username: string, query = '') =>
      ((await (await api('GET', `/reservations?date=${today()}${query}`, await t.staffToken(username))).json()) as ReservationList).reservations;
    expect((await list('welfare2')).map((r) => r.id)).toContain(booked.id);
    expect(await list('tax1')).toEqual([]);
    expect((await list('supervisor')).map((r) => r.id)).toContain(booked.id);
    expect((await api('GET', `/reservations?date=${today()}&departmentId=${ids.welfare}`, await t.staffToken('tax1'))).status).toBe(403);

    const ics = await api('GET', `/reservations/${booked.id}/ics`, await t.staffToken('welfare1'));
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = await ics.text();
    expect(text).toContain(`DTSTART:${booked.slotStart.replace(/[-:]/g, '').replace('.000', '')}`);
    expect(text).toContain('SUMMARY:福祉課 予約 予約 花子 様（高齢者福祉）');
    expect(text).toContain(`予約番号 ${booked.code}`);
    expect(text.split('\r\n').at(-1)).toBe('');
    // Long lines are folded at 75 octets, between characters (RFC 5545).
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(text.replace(/\r\n /g, '')).toContain('メモ 書類を持参');
    expect((await api('GET', `/reservations/${booked.id}/ics`, await t.staffToken('tax1'))).status).toBe(404);
  });

  it('routes a resident who types the code ahead of walk-ins, to the named operator first; the record says reserved', async () => {
    const welfare1 = await t.connect(await t.staffToken('welfare1'));
    const welfare2 = await t.connect(await t.staffToken('welfare2'));
    const named = await t.db.staff.findUniqueOrThrow({ where: { username: 'welfare2' } });
    const walkIns = await Promise.all([POST_OFFICE, '中央公民館'].map(async (site) => t.connect(await t.deviceToken(site))));
    const walkInIds: string[] = [];
    for (const tablet of walkIns) walkInIds.push((await tablet.request('consultation:request', { departmentId: ids.welfare! })).consultationId);

    const { options, slot } = await currentSlot(branchTablet);
    const booked = (await (await api('POST', '/reservations', branchTablet, booking(options, slot.start, { preferredOperatorId: named.id }))).json()) as Reservation;
    const booth = await t.connect(branchTablet);
    const wrongCode = String((Number(booked.code) + 1) % 1_000_000).padStart(6, '0');
    await expect(booth.request('reservation:checkIn', { code: wrongCode })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const postOffice = await t.connect(await t.deviceToken(POST_OFFICE));
    await expect(postOffice.request('reservation:checkIn', { code: booked.code })).rejects.toBeInstanceOf(ProtocolError); // another site's booth
    postOffice.close();

    const checkedIn = await booth.request('reservation:checkIn', { code: ` ${booked.code.slice(0, 3)} ${booked.code.slice(3)} ` });
    expect(checkedIn).toMatchObject({ status: 'waiting', queuePosition: 1, department: { id: ids.welfare, name: '福祉課' } });

    // welfare1 frees up first: the named operator's grace holds the reserved resident, so welfare1 gets the first walk-in.
    const firstOffer = nextEvent(welfare1, 'offer:incoming');
    await welfare1.request('presence:set', { presence: 'available' });
    expect((await firstOffer).consultationId).toBe(walkInIds[0]);
    const reservedOffer = nextEvent(welfare2, 'offer:incoming');
    await welfare2.request('presence:set', { presence: 'available' });
    expect((await reservedOffer).consultationId).toBe(checkedIn.consultationId);

    // The code works once.
    await booth.request('consultation:cancel', { consultationId: checkedIn.consultationId });
    const again = await t.connect(branchTablet);
    await expect(again.request('reservation:checkIn', { code: booked.code })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await waitFor(async () => (await t.db.reservation.findUniqueOrThrow({ where: { id: booked.id } })).consultationId === checkedIn.consultationId);
    const arrived = (await (await api('GET', `/reservations?date=${today()}`, await t.staffToken('welfare2'))).json()) as ReservationList;
    expect(arrived.reservations.find((r) => r.id === booked.id)).toMatchObject({ status: 'arrived' });
    const supervisor = await t.staffToken('supervisor');
    const record = async (id: string) => ((await (await api('GET', `/records/${id}`, supervisor)).json()) as RecordDetail).arrival;
    expect(await record(checkedIn.consultationId)).toBe('reserved');
    expect(await record(walkInIds[1]!)).toBe('walk_in');

    for (const [index, tablet] of walkIns.entries()) await tablet.request('consultation:cancel', { consultationId: walkInIds[index]! });
    for (const client of [welfare1, welfare2, booth, again, ...walkIns]) client.close();
    // The next test reads the statistics of these consultations: their ends are written by the
    // records' thread after the acks (CI once read the walk-ins' waits before they were).
    const ended = [checkedIn.consultationId, ...walkInIds];
    await waitFor(async () => (await t.db.consultation.count({ where: { id: { in: ended }, endedAt: { not: null } } })) === ended.length);
  });

  it('counts bookings, no-shows and the waits of reserved and walk-in residents per department, in the statistics and their CSV', async () => {
    // A booking of yesterday's slot nobody kept: a no-show.
    const yesterday = new Date(Date.now() - 24 * 60 * 60_000);
    yesterday.setUTCMinutes(yesterday.getUTCMinutes() < 30 ? 0 : 30, 0, 0);
    const category = await t.db.consultationCategory.findFirstOrThrow({ where: { departmentId: ids.childcare } });
    await t.db.reservation.create({
      data: { code: '000001', departmentId: ids.childcare!, siteId: ids[BRANCH]!, slotStart: yesterday, seat: 0, name: '来ない 人', phone: '0312345678', categoryId: category.id, language: 'ja', bookedBy: 'staff:test' },
    });
    const supervisor = await t.staffToken('supervisor');
    const stats = (await (await api('GET', '/records/stats', supervisor)).json()) as RecordsStatsResponse;
    const welfare = stats.reservations.find((r) => r.department.code === 'welfare')!;
    expect(welfare).toMatchObject({ arrived: 1, noShows: 0, noShowRate: 0 });
    expect(welfare.booked).toBeGreaterThanOrEqual(4);
    expect(welfare.waitSeconds.reserved).toEqual(expect.any(Number));
    expect(welfare.waitSeconds.walkIn).toEqual(expect.any(Number));
    expect(stats.reservations.find((r) => r.department.code === 'childcare')).toMatchObject({ booked: 1, arrived: 0, noShows: 1, noShowRate: 1 });
    expect(stats.reservations.map((r) => r.department.code)).not.toContain('tax');

    const csv = await (await api('GET', '/records/stats.csv?breakdown=reservations', supervisor)).text();
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toContain('無断キャンセル率(%)');
    expect(lines.find((line) => line.startsWith('子育て支援課'))).toMatch(/^子育て支援課,1,0,1,100,/);
  });

  it('lists today’s bookings of its own site at the clerk’s screen, behind the site’s PIN, and checks one in by id exactly once', async () => {
    // 子育て支援課: welfare's slot under way is full by now.
    const { options, slot } = await currentSlot(branchTablet, ids.childcare);
    const childcare = { departmentId: ids.childcare, categoryId: options.categories[0]!.id };
    const book = async (token: string, name: string) =>
      ((await (await api('POST', '/reservations', token, booking(options, slot.start, { ...childcare, name }))).json()) as Reservation).id;
    const here = await book(branchTablet, '江川 太郎');
    const elsewhere = await book(await t.deviceToken(POST_OFFICE), '清滝 次郎');
    const booth = await t.connect(branchTablet);

    // Names never show on a tablet whose site has no PIN, nor with a wrong one.
    await expect(booth.request('reservation:today', { pin: '2468' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await api('PUT', `/admin/sites/${ids[BRANCH]}/clerk-pin`, admin, { pin: '2468' })).status).toBe(200);
    await expect(booth.request('reservation:today', { pin: '1357' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(booth.request('reservation:checkInById', { pin: '1357', reservationId: here })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(booth.request('reservation:today', { pin: 'abcd' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const { reservations } = await booth.request('reservation:today', { pin: '2468' });
    expect(reservations.map((r) => r.id)).toContain(here);
    expect(reservations.map((r) => r.id)).not.toContain(elsewhere); // another site's booking
    expect(reservations.find((r) => r.id === here)).toEqual({
      id: here,
      department: expect.objectContaining({ id: ids.childcare }),
      slotStart: slot.start,
      slotEnd: slot.end,
      name: '江川 太郎',
      category: options.categories[0],
      late: true,
    }); // no phone number, no note, no code

    await expect(booth.request('reservation:checkInById', { pin: '2468', reservationId: elsewhere })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const checkedIn = await booth.request('reservation:checkInById', { pin: '2468', reservationId: here });
    expect(checkedIn.department).toMatchObject({ id: ids.childcare, name: '子育て支援課' });
    await expect(booth.request('reservation:checkInById', { pin: '2468', reservationId: here })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await booth.request('reservation:today', { pin: '2468' })).reservations.map((r) => r.id)).not.toContain(here);
    await waitFor(async () => (await t.db.reservation.findUniqueOrThrow({ where: { id: here } })).consultationId === checkedIn.consultationId);
    expect(await t.db.reservation.findUniqueOrThrow({ where: { id: elsewhere } })).toMatchObject({ status: 'booked', consultationId: null });
    await booth.request('consultation:cancel', { consultationId: checkedIn.consultationId });
    booth.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_BOOKING_PHONE_LIMIT, RESERVATION_SLOT_FULL, type PublicBooking, type PublicBookingInfo, type PublicSlots, type ReservationList } from '@madoguchi/protocol';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_PUBLIC_BOOKING_LIMITS } from '../src/reservations/PublicBookingDesk.ts';
import { tokyoTime } from '../src/routing/core/index.ts';
import { startTestServer, type TestServer } from './harness.ts';

const BRANCH = '江川出張所';
const DAY_MS = 86_400_000;
const tomorrow = () => tokyoTime(Date.now() + DAY_MS).date;

/** What a resident's browser sends: no token at all. */
function publicApi(t: TestServer) {
  return async (method: 'GET' | 'POST', path: string, body?: unknown) =>
    fetch(`${t.server.url}/api/public/booking${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

describe('the public booking page’s API (issue 14)', () => {
  let t: TestServer;
  let api: ReturnType<typeof publicApi>;
  const ids: Record<string, string> = {};
  let slots: PublicSlots;
  const booking = (phone: string, slot = 0, extra: Record<string, unknown> = {}) => ({
    departmentId: ids.welfare,
    siteId: ids[BRANCH],
    slotStart: slots.slots[slot]!.start,
    name: '予約 太郎',
    phone,
    categoryId: slots.categories[0]!.id,
    language: 'vi',
    agreed: true,
    ...extra,
  });

  beforeAll(async () => {
    // One address makes every request here: its own limit is the last describe's subject.
    t = await startTestServer({ publicBooking: { city: 'みどり市', ...DEFAULT_PUBLIC_BOOKING_LIMITS, bookingsPerAddress: 100 } });
    api = publicApi(t);
    for (const { id, code } of await t.db.department.findMany()) ids[code] = id;
    for (const { id, name } of await t.db.site.findMany()) ids[name] = id;
    slots = (await (await api('GET', `/slots?departmentId=${ids.welfare}&date=${tomorrow()}`)).json()) as PublicSlots;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('offers the departments that take bookings, the sites and the slots — and names no staff', async () => {
    const response = await api('GET', '');
    expect(response.status).toBe(200);
    const text = await response.text();
    const info = JSON.parse(text) as PublicBookingInfo;
    expect(info.city).toBe('みどり市');
    expect(info.departments.map((department) => department.code)).toEqual(['welfare', 'childcare']);
    expect(info.departments[0]!.bookableUntil).toBe(tokyoTime(Date.now() + 14 * DAY_MS).date);
    expect(info.sites.map((site) => site.name)).toContain(BRANCH);
    expect(info.openBookingsPerPhone).toBe(2);

    expect(slots.slots.length).toBeGreaterThan(0);
    expect(slots.slots[0]).toMatchObject({ free: 2 });
    expect(slots.categories.map((category) => category.name)).toContain('高齢者福祉');
    const operators = await t.db.staff.findMany({ select: { displayName: true, username: true } });
    for (const body of [text, JSON.stringify(slots)]) {
      for (const { displayName, username } of operators) expect(body).not.toContain(displayName), expect(body).not.toContain(`"${username}"`);
    }

    // A department without a calendar, an unknown one and a malformed day are refused clearly.
    expect((await api('GET', `/slots?departmentId=${ids.tax}&date=${tomorrow()}`)).status).toBe(404);
    expect((await api('GET', `/slots?departmentId=00000000-0000-4000-8000-000000000000&date=${tomorrow()}`)).status).toBe(404);
    expect((await api('GET', `/slots?departmentId=${ids.welfare}&date=tomorrow`)).status).toBe(400);
  });

  it('books for the named site with no operator, and says nothing of the resident back', async () => {
    for (const bad of [
      booking('090-1111-0001', 0, { agreed: false }),
      booking('090-1111-0001', 0, { agreed: undefined }),
      booking('090-1111-0001', 0, { siteId: undefined }),
      booking('090-1111-0001', 0, { preferredOperatorId: ids.welfare }),
      booking('123'),
      booking('090-1111-0001', 0, { name: '' }),
    ]) {
      const response = await api('POST', '', bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }
    const response = await api('POST', '', booking('090-1111-0001'));
    expect(response.status).toBe(201);
    const booked = (await response.json()) as PublicBooking;
    expect(booked).toMatchObject({ status: 'booked', language: 'vi', site: { name: BRANCH }, department: { code: 'welfare' }, slotStart: slots.slots[0]!.start });
    expect(booked.code).toMatch(/^\d{6}$/);
    expect(Object.keys(booked)).not.toContain('name');
    expect(Object.keys(booked)).not.toContain('phone');
    const row = await t.db.reservation.findUniqueOrThrow({ where: { code: booked.code } });
    expect(row).toMatchObject({ bookedBy: 'public', preferredOperatorId: null, phone: '09011110001', siteId: ids[BRANCH] });
    // Staff see it in the day's list like any booking, marked as booked online.
    const list = await fetch(`${t.server.url}/api/reservations?date=${tomorrow()}`, { headers: { authorization: `Bearer ${await t.staffToken('admin')}` } });
    const { reservations } = (await list.json()) as ReservationList;
    expect(reservations.find((reservation) => reservation.code === booked.code)).toMatchObject({ bookedVia: 'public', name: '予約 太郎', preferredOperator: null });
  });

  it('lets one phone number hold two open bookings, and a cancelled one frees its place', async () => {
    const phone = '080-2222-0002';
    const first = (await (await api('POST', '', booking(phone, 1))).json()) as PublicBooking;
    expect((await api('POST', '', booking(phone, 2))).status).toBe(201);
    const third = await api('POST', '', booking(phone.replace(/-/g, ' '), 3));
    expect(third.status).toBe(409);
    expect(((await third.json()) as { error: { message: string } }).error.message).toBe(PUBLIC_BOOKING_PHONE_LIMIT);

    // The resident looks the booking up with its code and their number, written as they like, and cancels it.
    const lookedUp = await api('POST', '/lookup', { code: `${first.code.slice(0, 3)} ${first.code.slice(3)}`, phone: '08022220002' });
    expect(lookedUp.status).toBe(200);
    expect(await lookedUp.json()).toEqual(first);
    const cancelled = await api('POST', '/cancel', { code: first.code, phone });
    expect(((await cancelled.json()) as PublicBooking).status).toBe('cancelled');
    expect((await api('POST', '/cancel', { code: first.code, phone })).status).toBe(409);
    expect((await api('POST', '', booking(phone, 3))).status).toBe(201);
  });

  it('books a slot’s capacity and no more, and tells the page the slot is full', async () => {
    const results = await Promise.all(['070-3333-0001', '070-3333-0002', '070-3333-0003'].map((phone) => api('POST', '', booking(phone, 5))));
    expect(results.map((response) => response.status).sort()).toEqual([201, 201, 409]);
    const full = results.find((response) => response.status === 409)!;
    expect(((await full.json()) as { error: { message: string } }).error.message).toBe(RESERVATION_SLOT_FULL);
    const after = (await (await api('GET', `/slots?departmentId=${ids.welfare}&date=${tomorrow()}`)).json()) as PublicSlots;
    expect(after.slots[5]!.free).toBe(0);
  });

  it('never lets one phone number pass its limit by booking several at once', async () => {
    const phone = '070-4444-0004';
    const results = await Promise.all([6, 7, 8, 9, 10].map((slot) => api('POST', '', booking(phone, slot))));
    // One number's bookings are made one after another: two are made, the rest told the number holds its most.
    expect(results.map((response) => response.status).sort()).toEqual([201, 201, 409, 409, 409]);
    expect(await t.db.reservation.count({ where: { phone: '07044440004', status: 'booked' } })).toBe(2);
  });

  it('takes a phone number and a code typed in full-width digits, and cancels no booking whose slot has ended', async () => {
    const booked = (await (await api('POST', '', booking('０９０－７７７７－０００７', 12))).json()) as PublicBooking;
    const fullWidthCode = booked.code.replace(/\d/g, (digit) => String.fromCharCode(0xff10 + Number(digit)));
    expect((await api('POST', '/lookup', { code: fullWidthCode, phone: '090−7777−0007' })).status).toBe(200);

    const category = await t.db.consultationCategory.findFirstOrThrow({ where: { departmentId: ids.welfare } });
    const yesterday = new Date(Date.now() - DAY_MS);
    await t.db.reservation.create({
      data: { code: '999999', departmentId: ids.welfare!, siteId: ids[BRANCH]!, slotStart: yesterday, seat: 0, name: '来ない 人', phone: '09077770008', categoryId: category.id, language: 'ja', bookedBy: 'public' },
    });
    const refused = await api('POST', '/cancel', { code: '999999', phone: '09077770008' });
    expect(refused.status).toBe(409);
    expect(((await (await api('POST', '/lookup', { code: '999999', phone: '09077770008' })).json()) as PublicBooking).status).toBe('no_show');
  });

  it('shows a booking only for its code and its phone number, and stops an address that keeps guessing', async () => {
    const booked = (await (await api('POST', '', booking('090-5555-0005', 11))).json()) as PublicBooking;
    const wrongCode = booked.code === '000000' ? '000001' : '000000';
    expect((await api('POST', '/lookup', { code: booked.code, phone: '090-5555-0006' })).status).toBe(404);
    expect((await api('POST', '/cancel', { code: wrongCode, phone: '090-5555-0005' })).status).toBe(404);
    expect((await api('POST', '/lookup', { code: '12345', phone: '090-5555-0005' })).status).toBe(400);
    // Ten wrong keys an hour from one address; the 11th try is refused even with the right key.
    for (let attempt = 2; attempt < 10; attempt += 1) expect((await api('POST', '/lookup', { code: booked.code, phone: `090-5555-01${attempt}0` })).status).toBe(404);
    const refused = await api('POST', '/lookup', { code: booked.code, phone: '090-5555-0005' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await t.db.reservation.count({ where: { code: booked.code, status: 'booked' } })).toBe(1);
  });
});

describe('the public booking page’s limits and switch', () => {
  it('is on by default for the demo city, and PUBLIC_BOOKING=off or the limits change it', () => {
    const env = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig(env, '/tmp').publicBooking).toEqual({ city: 'みどり市', ...DEFAULT_PUBLIC_BOOKING_LIMITS });
    expect(loadConfig({ ...env, PUBLIC_BOOKING: 'off' }, '/tmp').publicBooking).toBeNull();
    expect(loadConfig({ ...env, CITY_NAME: '緑川町', PUBLIC_BOOKINGS_PER_PHONE: '1' }, '/tmp').publicBooking).toMatchObject({ city: '緑川町', openBookingsPerPhone: 1 });
    expect(() => loadConfig({ ...env, PUBLIC_BOOKING: 'yes' }, '/tmp')).toThrow(/PUBLIC_BOOKING/);
  });

  it('refuses an address past its bookings an hour, with Retry-After — counting only bookings made', async () => {
    const t = await startTestServer({ publicBooking: { city: '試験市', bookingsPerAddress: 2, wrongKeysPerAddress: 10, openBookingsPerPhone: 1 } });
    try {
      const api = publicApi(t);
      const welfare = (await t.db.department.findFirstOrThrow({ where: { code: 'welfare' } })).id;
      const site = (await t.db.site.findFirstOrThrow({ where: { name: BRANCH } })).id;
      const slots = (await (await api('GET', `/slots?departmentId=${welfare}&date=${tomorrow()}`)).json()) as PublicSlots;
      const request = (slot: number, phone: string) => ({
        departmentId: welfare,
        siteId: site,
        slotStart: slots.slots[slot]!.start,
        name: '予約 次郎',
        phone,
        categoryId: slots.categories[0]!.id,
        language: 'ja',
        agreed: true,
      });
      expect(((await (await api('GET', '')).json()) as PublicBookingInfo).city).toBe('試験市');
      expect((await api('POST', '', request(0, '090-6666-0001'))).status).toBe(201);
      expect((await api('POST', '', request(1, '090-6666-0001'))).status).toBe(409); // the number's one booking: not counted
      expect((await api('POST', '', request(1, '090-6666-0002'))).status).toBe(201);
      const refused = await api('POST', '', request(2, '090-6666-0003'));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await t.db.reservation.count({ where: { bookedBy: 'public' } })).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('is not there at all when PUBLIC_BOOKING=off', async () => {
    const t = await startTestServer({ publicBooking: null });
    try {
      const response = await publicApi(t)('GET', '');
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    } finally {
      await t.close();
    }
  });
});

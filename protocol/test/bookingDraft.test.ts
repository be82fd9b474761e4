import { describe, expect, it } from 'vitest';
import { bookingDraftReady, bookingRequestOf, emptyBookingDraft, nextBookingDraft, withBookingOptions } from '../src/client/bookingDraft.ts';
import { BookingRequest, type ReservationOptions } from '../src/reservations.ts';

const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const options = (overrides: Partial<ReservationOptions> = {}): ReservationOptions => ({
  slots: [
    { start: '2026-12-05T00:00:00.000Z', end: '2026-12-05T00:30:00.000Z', free: 0 },
    { start: '2026-12-05T00:30:00.000Z', end: '2026-12-05T01:00:00.000Z', free: 2 },
  ],
  categories: [
    { id: ID(1), name: '児童手当' },
    { id: ID(2), name: '保育園・幼稚園' },
  ],
  operators: [{ id: ID(3), name: '子育 花子' }],
  bookableUntil: '2026-12-18',
  sites: [
    { id: ID(4), name: '江川出張所' },
    { id: ID(5), name: '清滝郵便局' },
  ],
  ...overrides,
});

describe('a booking being filled in (the tablet clerk’s and the console’s form)', () => {
  it('takes the first slot with room, the first category, anyone, and no site of several until one is chosen', () => {
    const draft = withBookingOptions(emptyBookingDraft(ID(9), '2026-12-05'), options());
    expect(draft).toMatchObject({ slotStart: '2026-12-05T00:30:00.000Z', categoryId: ID(1), operatorId: '', siteId: '' });
  });

  it('takes the only site offered (a tablet books for its own)', () => {
    expect(withBookingOptions(emptyBookingDraft(ID(9), '2026-12-05'), options({ sites: [{ id: ID(4), name: '江川出張所' }] })).siteId).toBe(ID(4));
  });

  it('keeps what was chosen when another day loads, if it is still offered', () => {
    const chosen = { ...emptyBookingDraft(ID(9), '2026-12-05'), categoryId: ID(2), operatorId: ID(3), siteId: ID(5) };
    expect(withBookingOptions(chosen, options())).toMatchObject({ categoryId: ID(2), operatorId: ID(3), siteId: ID(5) });
    expect(withBookingOptions(chosen, options({ operators: [], categories: [{ id: ID(1), name: '児童手当' }], sites: [] }))).toMatchObject({ categoryId: ID(1), operatorId: '', siteId: '' });
    expect(withBookingOptions(chosen, options({ slots: [] })).slotStart).toBe('');
  });

  it('is ready with a slot, a site, a category, a name and a phone, and makes a request the server accepts', () => {
    const draft = withBookingOptions(emptyBookingDraft(ID(9), '2026-12-05'), options());
    expect(bookingDraftReady(draft)).toBe(false);
    const filled = { ...draft, siteId: ID(5), name: '電話 予約子', phone: '090-3333-4444', language: 'vi' as const };
    expect(bookingDraftReady({ ...filled, name: '  ' })).toBe(false);
    expect(bookingDraftReady(filled)).toBe(true);
    const request = bookingRequestOf(filled);
    expect(request).toMatchObject({ departmentId: ID(9), siteId: ID(5), preferredOperatorId: null, language: 'vi' });
    expect(BookingRequest.safeParse(request).success).toBe(true);
    expect(bookingRequestOf({ ...filled, operatorId: ID(3) }).preferredOperatorId).toBe(ID(3));
  });

  it('starts the next booking with the same choices and a new resident', () => {
    const filled = { ...emptyBookingDraft(ID(9), '2026-12-05'), siteId: ID(5), name: '電話 予約子', phone: '090-3333-4444', note: 'メモ' };
    expect(nextBookingDraft(filled)).toEqual({ ...filled, name: '', phone: '', note: '' });
  });
});

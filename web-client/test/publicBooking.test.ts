import { PUBLIC_BOOKING_PHONE_LIMIT, RESERVATION_SLOT_FULL, PublicBookingRequest } from '@madoguchi/protocol';
import { describe, expect, it } from 'vitest';
import { BOOKING_LANGUAGES, bookingMessages, initialBookingLanguage, problemText } from '../src/booking/bookingI18n.ts';
import {
  bookableDays,
  bookingRequest,
  dayLabel,
  detailsProblems,
  EMPTY_DRAFT,
  formatCode,
  lookupProblems,
  problemOf,
  reachableStep,
  slotLabel,
  withDate,
  withDepartment,
  type BookingDraft,
  type Problem,
} from '../src/booking/bookingLogic.ts';

const complete: BookingDraft = {
  departmentId: 'dep-welfare',
  siteId: 'site-egawa',
  date: '2026-03-31',
  slotStart: '2026-03-31T00:00:00.000Z',
  slotEnd: '2026-03-31T00:30:00.000Z',
  categoryId: 'cat-1',
  name: ' 緑 太郎 ',
  phone: '090-1234-5678',
  language: null,
  note: '',
  agreed: true,
};

describe('the days a resident may choose', () => {
  it('runs from today to the last bookable day, both included, across a month and a year', () => {
    expect(bookableDays('2026-03-30', '2026-04-02')).toEqual(['2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02']);
    expect(bookableDays('2026-12-31', '2027-01-01')).toEqual(['2026-12-31', '2027-01-01']);
    expect(bookableDays('2026-03-30', '2026-03-30')).toEqual(['2026-03-30']);
  });

  it('is empty once the last day has passed, and bounded whatever the server says', () => {
    expect(bookableDays('2026-03-30', '2026-03-29')).toEqual([]);
    expect(bookableDays('2026-03-30', '')).toEqual([]);
    expect(bookableDays('2026-01-01', '2099-01-01')).toHaveLength(181);
  });

  it('names a day and a slot in Tokyo time, in the page’s language', () => {
    expect(dayLabel('2026-03-31', 'ja')).toBe('3月31日(火)');
    expect(dayLabel('2026-03-31', 'en')).toBe('Tue, March 31');
    // 00:00Z is 09:00 in Tokyo.
    expect(slotLabel({ start: '2026-03-31T00:00:00.000Z', end: '2026-03-31T00:30:00.000Z' })).toBe('09:00–09:30');
  });
});

describe('a code as the resident reads it', () => {
  it('is grouped in threes; anything else is left as it is', () => {
    expect(formatCode('123456')).toBe('123 456');
    expect(formatCode('012345')).toBe('012 345');
    expect(formatCode('12345')).toBe('12345');
  });
});

describe('the booking steps', () => {
  it('shows a step only once what comes before it has been chosen', () => {
    expect(reachableStep('department', EMPTY_DRAFT)).toBe('department');
    expect(reachableStep('confirm', EMPTY_DRAFT)).toBe('department');
    expect(reachableStep('slot', { ...EMPTY_DRAFT, departmentId: 'd', siteId: 's' })).toBe('day');
    expect(reachableStep('confirm', { ...complete, agreed: false })).toBe('details');
    expect(reachableStep('confirm', complete)).toBe('confirm');
    // Going back is always allowed.
    expect(reachableStep('site', complete)).toBe('site');
  });

  it('forgets the day, time and category when the department changes, and the time when the day does', () => {
    expect(withDepartment(complete, 'dep-welfare')).toBe(complete);
    expect(withDepartment(complete, 'dep-childcare')).toMatchObject({ departmentId: 'dep-childcare', siteId: 'site-egawa', date: '', slotStart: '', categoryId: '', name: ' 緑 太郎 ' });
    expect(withDate(complete, '2026-04-01')).toMatchObject({ date: '2026-04-01', slotStart: '', slotEnd: '', categoryId: 'cat-1' });
  });
});

describe('the details', () => {
  it('names each field that keeps the booking from being sent', () => {
    expect(detailsProblems(complete)).toEqual({});
    expect(detailsProblems({ ...EMPTY_DRAFT })).toEqual({ categoryId: 'missing', name: 'missing', phone: 'missing', agreed: 'missing' });
    expect(detailsProblems({ ...complete, phone: '12345' })).toEqual({ phone: 'invalid' });
    expect(detailsProblems({ ...complete, phone: '０９０' })).toEqual({ phone: 'invalid' });
    // Typed in full width on a Japanese keyboard: read as the digits they are.
    expect(detailsProblems({ ...complete, phone: '０９０－１２３４－５６７８' })).toEqual({});
    expect(detailsProblems({ ...complete, phone: '+81 90 1234 5678' })).toEqual({});
    expect(detailsProblems({ ...complete, name: 'あ'.repeat(61) })).toEqual({ name: 'tooLong' });
    expect(detailsProblems({ ...complete, note: 'x'.repeat(501) })).toEqual({ note: 'tooLong' });
  });

  it('makes a request the protocol accepts, in the page’s language unless one was chosen', () => {
    const request = bookingRequest(complete, 'en');
    expect(request).toMatchObject({ name: '緑 太郎', phone: '090-1234-5678', language: 'en', agreed: true, note: '' });
    expect(PublicBookingRequest.safeParse(request).success).toBe(true);
    expect(bookingRequest({ ...complete, language: 'vi' }, 'en').language).toBe('vi');
    expect(bookingRequest({ ...complete, phone: '０９０－１２３４－５６７８' }, 'ja').phone).toBe('090-1234-5678');
  });

  it('checks a lookup’s code (six digits, spaces allowed) and phone number', () => {
    expect(lookupProblems('123 456', '09012345678')).toEqual({});
    expect(lookupProblems('', '')).toEqual({ code: 'missing', phone: 'missing' });
    expect(lookupProblems('12345', '0901234')).toEqual({ code: 'invalid', phone: 'invalid' });
    expect(lookupProblems('１２３４５６', '０９０１２３４５６７８')).toEqual({});
  });
});

describe('what the server’s refusal means for the resident', () => {
  const failed = (status: number, code: string, message = '', retryAfterSeconds: number | null = null) => ({ status, code, message, retryAfterSeconds });

  it('tells a full slot from a phone number at its limit, and a lookup’s miss from booking switched off', () => {
    expect(problemOf(failed(409, 'CONFLICT', RESERVATION_SLOT_FULL), 'book')).toEqual({ kind: 'slotFull' });
    expect(problemOf(failed(409, 'CONFLICT', PUBLIC_BOOKING_PHONE_LIMIT), 'book')).toEqual({ kind: 'phoneLimit' });
    expect(problemOf(failed(409, 'CONFLICT', 'something else'), 'book')).toEqual({ kind: 'failed' });
    expect(problemOf(failed(409, 'CONFLICT', 'this booking is cancelled'), 'cancel')).toEqual({ kind: 'notCancellable' });
    expect(problemOf(failed(404, 'NOT_FOUND'), 'lookup')).toEqual({ kind: 'notFound' });
    expect(problemOf(failed(404, 'NOT_FOUND'), 'cancel')).toEqual({ kind: 'notFound' });
    expect(problemOf(failed(404, 'NOT_FOUND'), 'info')).toEqual({ kind: 'unavailable' });
  });

  it('names the field of a 400, waits as long as the server asks, and retries when busy or offline', () => {
    expect(problemOf(failed(400, 'BAD_REQUEST', 'phone: a phone number of 10 or 11 digits'), 'book')).toEqual({ kind: 'invalid', field: 'phone' });
    expect(problemOf(failed(400, 'BAD_REQUEST', 'body: invalid'), 'book')).toEqual({ kind: 'invalid', field: null });
    expect(problemOf(failed(429, 'RATE_LIMITED', 'too many', 90), 'book')).toEqual({ kind: 'rateLimited', minutes: 2 });
    expect(problemOf(failed(429, 'RATE_LIMITED', 'too many'), 'lookup')).toEqual({ kind: 'rateLimited', minutes: null });
    expect(problemOf(failed(503, 'UNAVAILABLE', 'the database is locked', 2), 'book')).toEqual({ kind: 'busy' });
    expect(problemOf(failed(0, 'NETWORK', 'Failed to fetch'), 'slots')).toEqual({ kind: 'network' });
    expect(problemOf(failed(500, 'INTERNAL', 'internal error'), 'book')).toEqual({ kind: 'failed' });
  });

  it('is said in each of the six languages', () => {
    const problems: Problem[] = [
      { kind: 'unavailable' },
      { kind: 'slotFull' },
      { kind: 'phoneLimit' },
      { kind: 'notFound' },
      { kind: 'notCancellable' },
      { kind: 'invalid', field: 'phone' },
      { kind: 'invalid', field: null },
      { kind: 'rateLimited', minutes: 3 },
      { kind: 'rateLimited', minutes: null },
      { kind: 'busy' },
      { kind: 'network' },
      { kind: 'failed' },
    ];
    expect(BOOKING_LANGUAGES.map((language) => language.code)).toEqual(['ja', 'en', 'zh', 'ko', 'vi', 'pt']);
    for (const { code, messages } of BOOKING_LANGUAGES) {
      const texts = problems.map((problem) => problemText(messages, problem, 3));
      expect(texts.every((text) => text.length > 5), code).toBe(true);
      expect(new Set(texts).size, code).toBe(texts.length);
    }
    expect(problemText(bookingMessages('ja'), { kind: 'phoneLimit' }, 3)).toContain('3件');
    expect(problemText(bookingMessages('en'), { kind: 'invalid', field: 'phone' }, 3)).toContain('Phone number');
  });
});

describe('the page’s language', () => {
  it('is the remembered one, else the browser’s when the page has it, else Japanese', () => {
    expect(initialBookingLanguage('vi', ['en-US'])).toBe('vi');
    expect(initialBookingLanguage(null, ['pt-BR'])).toBe('pt');
    expect(initialBookingLanguage(null, ['zh-TW'])).toBe('zh');
    expect(initialBookingLanguage('xx', ['fr-FR'])).toBe('ja');
    expect(initialBookingLanguage(null, [])).toBe('ja');
  });
});

import { describe, expect, it } from 'vitest';
import { PhoneNumber, ReservationCode } from '../src/index.ts';

describe('phone numbers and booking codes as people type them', () => {
  it('reads a phone number with the separators and full-width digits of a Japanese keyboard', () => {
    for (const typed of ['090-1234-5678', '090 1234 5678', '０９０－１２３４－５６７８', '090−1234−5678', '090ー1234ー5678', '(090)1234-5678', '（０９０）１２３４‐５６７８', '+81 90 1234 5678', '090　1234　5678']) {
      expect(PhoneNumber.parse(typed), typed).toBe('09012345678');
    }
    expect(PhoneNumber.parse('03-1234-5678')).toBe('0312345678');
    for (const bad of ['', '1234', '090-123-45', '090-1234-56789', 'O90-1234-5678', '٠٩٠١٢٣٤٥٦٧٨']) expect(PhoneNumber.safeParse(bad).success, bad).toBe(false);
  });

  it('reads a six-digit code with spaces or in full-width digits', () => {
    expect(ReservationCode.parse('123 456')).toBe('123456');
    expect(ReservationCode.parse('１２３４５６')).toBe('123456');
    expect(ReservationCode.parse('１２３－４５６')).toBe('123456');
    expect(ReservationCode.safeParse('12345').success).toBe(false);
    expect(ReservationCode.safeParse('12345a').success).toBe(false);
  });
});

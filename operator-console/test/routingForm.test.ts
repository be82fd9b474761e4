import { describe, expect, it } from 'vitest';
import { RoutingSettings } from '@madoguchi/protocol';
import { draftOf, parseAnnualClosures, parseClosedDates, parseIntervals, parseRoutingDraft } from '../src/supervisor/routingForm.ts';

const WEEKDAY = [
  { open: '08:30', close: '12:00' },
  { open: '13:00', close: '17:15' },
];
const SETTINGS: RoutingSettings = {
  ringTimeoutSeconds: 20,
  maxMissedOffers: null,
  wrapUpSeconds: 60,
  secondaryDelaySeconds: 30,
  overflow: { departmentId: 'general', delaySeconds: 120 },
  hours: { sun: [], mon: WEEKDAY, tue: WEEKDAY, wed: WEEKDAY, thu: WEEKDAY, fri: WEEKDAY, sat: [] },
  closedDates: ['2026-01-12', '2026-02-11'],
  annualClosures: [{ from: '12-29', to: '01-03' }],
};

describe('受付設定 as text', () => {
  it('writes the settings as an admin reads them, and reads them back unchanged', () => {
    const draft = draftOf(SETTINGS);
    expect(draft.hours.mon).toBe('08:30-12:00, 13:00-17:15');
    expect(draft.hours.sun).toBe('');
    expect(draft.maxMissedOffers).toBe('');
    expect(draft.closedDates).toBe('2026-01-12\n2026-02-11');
    expect(draft.annualClosures).toBe('12-29 01-03');
    expect(parseRoutingDraft(draft)).toEqual({ ok: true, settings: SETTINGS });
    expect(RoutingSettings.parse(SETTINGS)).toEqual(SETTINGS);
  });

  it('empty optional fields are "never"; no overflow department ignores its delay', () => {
    const parsed = parseRoutingDraft({ ...draftOf(SETTINGS), secondaryDelaySeconds: ' ', overflowDepartmentId: '', overflowDelaySeconds: 'x' });
    expect(parsed.ok && parsed.settings.secondaryDelaySeconds).toBeNull();
    expect(parsed.ok && parsed.settings.overflow).toBeNull();
  });

  it('reports every wrong field at once, with what is wrong', () => {
    const parsed = parseRoutingDraft({
      ...draftOf(SETTINGS),
      ringTimeoutSeconds: '3',
      wrapUpSeconds: '',
      maxMissedOffers: '1.5',
      overflowDelaySeconds: '',
      hours: { ...draftOf(SETTINGS).hours, tue: '08:30-12:00, 13:00' },
      closedDates: '2026-02-30',
    });
    expect(parsed).toEqual({
      ok: false,
      errors: {
        ringTimeoutSeconds: { kind: 'range', min: 5, max: 300 },
        wrapUpSeconds: { kind: 'required' },
        maxMissedOffers: { kind: 'range', min: 1, max: 20 },
        overflowDelaySeconds: { kind: 'required' },
        'hours.tue': { kind: 'interval', text: '13:00' },
        closedDates: { kind: 'date', text: '2026-02-30' },
      },
    });
  });
});

describe('opening hours of a day', () => {
  it('reads what a Japanese keyboard types: full-width digits, 〜, 、, one-digit hours; sorted', () => {
    expect(parseIntervals('１３：００〜１７：１５、8:30~12:00')).toEqual({
      value: [
        { open: '08:30', close: '12:00' },
        { open: '13:00', close: '17:15' },
      ],
    });
    expect(parseIntervals('  ')).toEqual({ value: [] });
    expect(parseIntervals('00:00-24:00')).toEqual({ value: [{ open: '00:00', close: '24:00' }] });
  });

  it('refuses what the server would refuse, naming the piece', () => {
    expect(parseIntervals('9-17')).toEqual({ error: { kind: 'interval', text: '9-17' } });
    expect(parseIntervals('08:60-12:00')).toEqual({ error: { kind: 'interval', text: '08:60-12:00' } });
    expect(parseIntervals('24:00-24:00')).toEqual({ error: { kind: 'interval', text: '24:00-24:00' } });
    expect(parseIntervals('17:00-09:00')).toEqual({ error: { kind: 'order', text: '17:00-09:00' } });
    expect(parseIntervals('08:30-12:00, 11:00-13:00')).toEqual({ error: { kind: 'overlap', text: '11:00-13:00' } });
    expect(parseIntervals('1:00-2:00, 3:00-4:00, 5:00-6:00, 7:00-8:00, 9:00-10:00')).toEqual({ error: { kind: 'tooMany', max: 4 } });
  });
});

describe('closed dates and annual closures', () => {
  it('closed dates: one a line, slashes too, sorted without repeats', () => {
    expect(parseClosedDates('2026/5/6\n\n2026-01-12\n2026-01-12\n')).toEqual({ value: ['2026-01-12', '2026-05-06'] });
    expect(parseClosedDates('2026-13-01')).toEqual({ error: { kind: 'date', text: '2026-13-01' } });
    expect(parseClosedDates('2025-02-29')).toEqual({ error: { kind: 'date', text: '2025-02-29' } });
    expect(parseClosedDates('2028-02-29')).toEqual({ value: ['2028-02-29'] });
  });

  it('annual closures: `12-29 01-03`, `12/29〜1/3`, a single day; 02-29 is a yearly date', () => {
    expect(parseAnnualClosures('12-29 01-03\n12/29〜1/3\n8-15\n02-29')).toEqual({
      value: [
        { from: '12-29', to: '01-03' },
        { from: '12-29', to: '01-03' },
        { from: '08-15', to: '08-15' },
        { from: '02-29', to: '02-29' },
      ],
    });
    expect(parseAnnualClosures('12-32 01-03')).toEqual({ error: { kind: 'closure', text: '12-32 01-03' } });
    expect(parseAnnualClosures('年末年始')).toEqual({ error: { kind: 'closure', text: '年末年始' } });
  });
});

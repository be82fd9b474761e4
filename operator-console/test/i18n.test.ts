import { describe, expect, it } from 'vitest';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, messagesFor, type Messages } from '../src/i18n/index.ts';

const ja = messagesFor('ja');
const en = messagesFor('en');

/** Kana or kanji: none may be left in another language's own words. */
const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Every string of a dictionary by its path (functions and the formats are checked by calling them below). */
function strings(messages: unknown, path = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(messages as Record<string, unknown>)) {
    const at = path ? `${path}.${key}` : key;
    if (typeof value === 'string') found.set(at, value);
    else if (value && typeof value === 'object' && at !== 'format') for (const [p, v] of strings(value, at)) found.set(p, v);
  }
  return found;
}

/** Every key path, strings and functions alike: the open records (event types, audit actions) are typed loosely. */
function keys(messages: unknown, path = ''): string[] {
  return Object.entries(messages as Record<string, unknown>).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    return value && typeof value === 'object' ? [at, ...keys(value, at)] : [at];
  });
}

describe('console dictionaries', () => {
  it('English has exactly the keys of Japanese, the reference', () => {
    expect(keys(en).sort()).toEqual(keys(ja).sort());
  });

  it('every English string is written, in English', () => {
    const japanese = strings(ja);
    for (const [path, text] of strings(en)) {
      const reference = japanese.get(path)!;
      if (reference === '') {
        expect(text, path).toBe(''); // a deliberately empty hint
        continue;
      }
      expect(text.trim(), path).not.toBe('');
      expect(text, path).not.toBe(reference);
      expect(text, path).not.toMatch(JAPANESE);
    }
  });

  it('English sentences built from values read as English', () => {
    const samples = (t: Messages) => [
      t.queues.waiting(3),
      t.queues.serving(2),
      t.records.count(50, true),
      t.records.score(5),
      t.record.quality(t.record.source.document!, 1234, 2, 40),
      t.stats.serviceLevel(20),
      t.stats.ratedCount(1),
      t.stats.hour(9),
      t.wallboard.column.serviceLevel(20),
      t.wallboard.elapsed(t.format.duration(83_000)),
      t.offer.ringingTitle('page'),
      t.offer.ringsFor(10),
      t.notice.callEnded('failed', 'system', t.format.duration(5_000), 'tablet_disconnected'),
      t.notice.callEnded('failed', 'system', t.format.duration(5_000), 'server_restart'),
      t.notice.callEnded('completed', 'resident', t.format.duration(5_000), null),
      t.call.reconnecting(12),
      t.call.partyLost(t.call.resident, 12),
      t.notice.callLeft.transferred(t.format.duration(5_000)),
      t.notice.failure(t.notice.error.accept, t.notice.errorCode.CONFLICT),
      t.chart.series([t.chart.bar(t.stats.hour(9), t.format.count(3))]),
      t.chart.max(t.format.count(3)),
      t.supervisor.refused('overflow: a department cannot overflow to itself'),
      t.routing.errors.range({ kind: 'range', min: 5, max: 300 }),
      t.routing.errors.interval({ kind: 'interval', text: '9-17' }),
      t.routing.errors.tooMany({ kind: 'tooMany', max: 4 }),
      t.devices.revokeTitle('Booth 1'),
      t.devices.tokenTitle('Post office', 'Booth 1'),
    ];
    for (const text of samples(en)) expect(text).not.toMatch(JAPANESE);
    expect(samples(en)).not.toEqual(samples(ja));
    expect(en.records.count(1, false)).toBe('Showing 1 record');
    expect(en.records.count(50, true)).toBe('Showing 50+ records');
    expect(ja.records.count(50, true)).toBe('50件以上を表示');
    expect(en.record.quality("Resident's face", 1234, 2, null)).toBe("Resident's face: average 1,234 kbps, max. loss 2%");
    expect(ja.notice.failure('応答できませんでした。', '対応できる職員がいません。')).toBe('応答できませんでした。対応できる職員がいません。');
    expect(en.notice.failure('Could not answer.', 'No staff member is available.')).toBe('Could not answer. No staff member is available.');
  });

  it('Japanese keeps the outcome labels the CSV export uses', () => {
    expect(ja.records.outcomes.completed).toBe('対応完了');
    expect(en.records.outcomes.completed).toBe('Completed');
  });
});

describe('formats per language', () => {
  it('durations', () => {
    expect(ja.format.duration(83_400)).toBe('1分23秒');
    expect(ja.format.duration(45_000)).toBe('45秒');
    expect(en.format.duration(83_400)).toBe('1 min 23 s');
    expect(en.format.duration(45_000)).toBe('45 s');
    expect(en.format.duration(-5_000)).toBe('0 s');
    expect(ja.format.seconds(83.4)).toBe('1分23秒');
    expect(en.format.seconds(null)).toBe('—');
  });

  it('a running call’s clock is the same in both', () => {
    for (const t of [ja, en]) {
      expect(t.format.clock(83_000)).toBe('01:23');
      expect(t.format.clock(3_723_000)).toBe('1:02:03');
    }
  });

  it('instants in Japan time, whatever the browser’s zone', () => {
    const lateEveningInTokyo = '2026-11-23T12:07:13Z';
    expect(ja.format.dateTime(lateEveningInTokyo)).toBe('2026/11/23 21:07:13');
    expect(en.format.dateTime(lateEveningInTokyo)).toBe('23/11/2026, 21:07:13');
    expect(ja.format.time(lateEveningInTokyo)).toBe('21:07');
    expect(en.format.time('2026-11-23T15:30:00Z')).toBe('00:30');
    expect(ja.format.monthDay('2026-11-23')).toBe('11/23');
    expect(en.format.monthDay('2026-11-23')).toBe('23/11');
  });

  it('numbers, counts and percentages', () => {
    expect(ja.format.number(12_345)).toBe('12,345');
    expect(ja.format.count(12_345)).toBe('12,345件');
    expect(en.format.count(12_345)).toBe('12,345');
    expect(ja.format.percent(0.8125)).toBe('81.3%');
    expect(en.format.percent(null)).toBe('—');
  });

  it('lists, labels and asides', () => {
    expect(ja.format.list(['税務課', '市民課'])).toBe('税務課・市民課');
    expect(en.format.list(['税務課', '市民課'])).toBe('税務課 · 市民課');
    expect(ja.format.labelled('担当課', '税務課')).toBe('担当課：税務課');
    expect(en.format.labelled('Departments', '税務課')).toBe('Departments: 税務課');
    expect(ja.format.parenthetical('Alt+C')).toBe('（Alt+C）');
    expect(en.format.parenthetical('Alt+C')).toBe(' (Alt+C)');
  });
});

describe('languages', () => {
  it('Japanese first and by default; each code is known', () => {
    expect(LANGUAGES.map((language) => language.code)).toEqual(['ja', 'en']);
    expect(DEFAULT_LANGUAGE).toBe('ja');
    expect(isLanguage('en')).toBe(true);
    expect(isLanguage('fr')).toBe(false);
    expect(isLanguage(null)).toBe(false);
  });
});

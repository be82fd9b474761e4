/**
 * How a language writes durations, instants, numbers and short compositions. Every dictionary
 * builds its own with `formatsFor`, so a component asks the current language (`t.format`) and
 * never names a locale. Instants are always shown in Japan time: the city's day, wherever the
 * browser's clock is set.
 */
export interface Formats {
  /** 83 000 ms → "1分23秒" / "1 min 23 s". */
  duration(ms: number): string;
  /** A duration in seconds from the API (null: none yet) → "1分23秒" / "—". */
  seconds(seconds: number | null): string;
  /** 83 000 ms → "01:23"; 1 h 2 min 3 s → "1:02:03" (a running call's timer). */
  clock(ms: number): string;
  /** An instant to the second: "2026/11/23 21:07:13" / "23/11/2026, 21:07:13". */
  dateTime(iso: string): string;
  /** An instant's hour and minute: "21:07". */
  time(iso: string): string;
  /** A Japan calendar day (YYYY-MM-DD) without its year: "11/23" / "23/11". */
  monthDay(day: string): string;
  /** 12345 → "12,345". */
  number(n: number): string;
  /** A number of consultations or answers: "3件" / "3". */
  count(n: number): string;
  /** 0.8125 → "81.3%"; null → "—". */
  percent(ratio: number | null): string;
  /** Names one after another: "税務課・市民課" / "税務課 · 市民課". */
  list(items: readonly string[]): string;
  /** A label and its value: "担当課：税務課" / "Departments: 税務課". */
  labelled(label: string, value: string): string;
  /** An aside after a phrase: "（Alt+C）" / " (Alt+C)". */
  parenthetical(text: string): string;
}

/** What differs between languages; the rest of Formats is built from it. */
export interface LanguageConventions {
  /** The BCP 47 tag for Intl (dates, digit grouping). */
  locale: string;
  duration(minutes: number, seconds: number): string;
  /** A count around its already grouped digits. */
  count(digits: string): string;
  listSeparator: string;
  labelSeparator: string;
  parenthetical(text: string): string;
}

const NONE = '—';

export function formatsFor(conventions: LanguageConventions): Formats {
  const { locale } = conventions;
  const dateTime = new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const time = new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });
  // A calendar day is already the city's: read as UTC it cannot shift to the day before.
  const monthDay = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: '2-digit', day: '2-digit' });
  const number = new Intl.NumberFormat(locale);

  const duration = (ms: number) => {
    const total = Math.max(0, Math.floor(ms / 1000));
    return conventions.duration(Math.floor(total / 60), total % 60);
  };
  return {
    duration,
    seconds: (seconds) => (seconds === null ? NONE : duration(seconds * 1000)),
    clock,
    dateTime: (iso) => dateTime.format(new Date(iso)),
    time: (iso) => time.format(new Date(iso)),
    monthDay: (day) => monthDay.format(new Date(`${day}T00:00:00Z`)),
    number: (n) => number.format(n),
    count: (n) => conventions.count(number.format(n)),
    percent: (ratio) => (ratio === null ? NONE : `${(ratio * 100).toFixed(1)}%`),
    list: (items) => items.join(conventions.listSeparator),
    labelled: (label, value) => `${label}${conventions.labelSeparator}${value}`,
    parenthetical: conventions.parenthetical,
  };
}

/** The same in every language. */
function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(2, '0');
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

import { RoutingError } from './errors.ts';
import { JAPANESE_PUBLIC_HOLIDAYS } from './holidays.ts';

/** Days of the week, indexed like `Date#getUTCDay()` of a Tokyo wall-clock time (0 = Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval of a day, Asia/Tokyo wall-clock `HH:MM`; `close` is exclusive and may be `24:00`. */
export interface OpeningInterval {
  readonly open: string;
  readonly close: string;
}

/** Opening intervals per weekday (an empty list: closed that day). */
export type WeeklyHours = Readonly<Record<Weekday, readonly OpeningInterval[]>>;

/** A closure repeated every year, `MM-DD` to `MM-DD` inclusive; may wrap the year end (12-29 → 01-03). */
export interface AnnualClosure {
  readonly from: string;
  readonly to: string;
}

/** After `delayMs` of waiting in its department, a request is also offered to `targetDepartmentId`'s operators. */
export interface OverflowRule {
  readonly targetDepartmentId: string;
  readonly delayMs: number;
}

/** How one department's requests are routed. Every routing rule reads its numbers from here. */
export interface DepartmentRoutingConfig {
  readonly departmentId: string;
  /** How long an offer rings before it moves to the next operator. */
  readonly ringTimeoutMs: number;
  /**
   * How long an operator who declined a request or let it ring out is not offered it again; after
   * that, if nobody else has answered, they are asked again. null: never again.
   */
  readonly passOverMs: number | null;
  /** Offers missed in a row before the operator is set away (`missed_offers`); null: never. */
  readonly maxMissedOffers: number | null;
  /** 後処理 after a call before the operator is available again (0: none; can be ended early). */
  readonly wrapUpMs: number;
  /** Waiting time after which operators with this department as a secondary skill may answer; null: never. */
  readonly secondaryDelayMs: number | null;
  readonly overflow: OverflowRule | null;
  readonly hours: WeeklyHours;
  /** Closed calendar dates `YYYY-MM-DD` (public holidays, city closures). */
  readonly closedDates: readonly string[];
  readonly annualClosures: readonly AnnualClosure[];
  /** How many recent handling times the wait estimate averages. */
  readonly estimateWindow: number;
  /** Handling time assumed before the department has any sample. */
  readonly defaultHandlingMs: number;
}

export type DepartmentRoutingSettings = Omit<DepartmentRoutingConfig, 'departmentId'>;
export type DepartmentRoutingConfigInput = { readonly departmentId: string } & Partial<DepartmentRoutingSettings>;

const WEEKDAY_HOURS: readonly OpeningInterval[] = [{ open: '08:30', close: '17:15' }];

/** Every routing default, in one place. A city overrides them per department. */
export const ROUTING_DEFAULTS: DepartmentRoutingSettings = {
  ringTimeoutMs: 20_000,
  passOverMs: 60_000,
  maxMissedOffers: 2,
  wrapUpMs: 60_000,
  secondaryDelayMs: 30_000,
  overflow: null,
  hours: { sun: [], mon: WEEKDAY_HOURS, tue: WEEKDAY_HOURS, wed: WEEKDAY_HOURS, thu: WEEKDAY_HOURS, fri: WEEKDAY_HOURS, sat: [] },
  closedDates: JAPANESE_PUBLIC_HOLIDAYS,
  annualClosures: [{ from: '12-29', to: '01-03' }], // 年末年始
  estimateWindow: 20,
  defaultHandlingMs: 10 * 60_000,
};

/** Defaults of the core as a whole. */
export const CORE_DEFAULTS = {
  /** Priority of a normal arrival. Higher goes first. */
  normalPriority: 0,
  /** Priority of a transferred resident and of a specialist invitation: ahead of normal arrivals. */
  transferPriority: 1,
  /** Priority of a resident who arrived for a booked slot (予約): ahead of walk-ins. */
  reservedPriority: 1,
  /** How long only the operator named on a booking is offered the resident before the others are. */
  preferredOperatorGraceMs: 30_000,
} as const;

/** Open hours every day, all day: for tests, benchmarks and 24-hour services. */
export const ALWAYS_OPEN: WeeklyHours = Object.fromEntries(
  WEEKDAYS.map((day) => [day, [{ open: '00:00', close: '24:00' }]]),
) as unknown as WeeklyHours;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** `HH:MM` → minutes since midnight. */
export function minutesOf(time: string): number {
  if (!TIME.test(time)) throw new RoutingError('invalid_config', `not a HH:MM time: ${time}`);
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Merge a department's settings over the defaults and check them. Throws `invalid_config`. */
export function resolveDepartmentConfig(
  input: DepartmentRoutingConfigInput,
  defaults: DepartmentRoutingSettings = ROUTING_DEFAULTS,
): DepartmentRoutingConfig {
  const config: DepartmentRoutingConfig = { ...defaults, ...withoutUndefined(input) };
  const where = `department ${config.departmentId}`;
  const fail = (what: string): never => {
    throw new RoutingError('invalid_config', `${where}: ${what}`, { departmentId: config.departmentId });
  };
  if (!config.departmentId) fail('departmentId is empty');
  const nonNegative = (value: number, name: string) => {
    if (!Number.isFinite(value) || value < 0) fail(`${name} must be a finite number ≥ 0`);
  };
  nonNegative(config.ringTimeoutMs, 'ringTimeoutMs');
  if (config.ringTimeoutMs === 0) fail('ringTimeoutMs must be > 0');
  nonNegative(config.wrapUpMs, 'wrapUpMs');
  if (config.passOverMs !== null) nonNegative(config.passOverMs, 'passOverMs');
  nonNegative(config.defaultHandlingMs, 'defaultHandlingMs');
  if (config.secondaryDelayMs !== null) nonNegative(config.secondaryDelayMs, 'secondaryDelayMs');
  if (config.maxMissedOffers !== null && !(Number.isInteger(config.maxMissedOffers) && config.maxMissedOffers >= 1)) {
    fail('maxMissedOffers must be an integer ≥ 1 or null');
  }
  if (!(Number.isInteger(config.estimateWindow) && config.estimateWindow >= 1)) fail('estimateWindow must be an integer ≥ 1');
  if (config.overflow) {
    nonNegative(config.overflow.delayMs, 'overflow.delayMs');
    if (!config.overflow.targetDepartmentId) fail('overflow.targetDepartmentId is empty');
    if (config.overflow.targetDepartmentId === config.departmentId) fail('a department cannot overflow to itself');
  }
  for (const day of WEEKDAYS) {
    const intervals = config.hours[day];
    if (!Array.isArray(intervals)) fail(`hours.${day} is missing`);
    for (const interval of intervals) {
      if (minutesOf(interval.open) >= minutesOf(interval.close)) fail(`hours.${day}: ${interval.open} is not before ${interval.close}`);
    }
  }
  for (const date of config.closedDates) if (!DATE.test(date)) fail(`closed date ${date} is not YYYY-MM-DD`);
  for (const closure of config.annualClosures) {
    if (!MONTH_DAY.test(closure.from) || !MONTH_DAY.test(closure.to)) fail(`annual closure ${closure.from}–${closure.to} is not MM-DD`);
  }
  return config;
}

/** Drop keys set to `undefined`, so that they do not hide defaults in a spread. */
export function withoutUndefined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}

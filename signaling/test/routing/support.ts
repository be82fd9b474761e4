import type { Clock, TimerHandle } from '../../src/clock.ts';
import {
  ALWAYS_OPEN,
  RoutingCore,
  tokyoInstant,
  type DepartmentRoutingConfigInput,
  type DepartmentRoutingSettings,
  type RoutingEvent,
  type RoutingEventName,
  type RoutingEventOf,
} from '../../src/routing/core/index.ts';

interface FakeTimer {
  readonly due: number;
  readonly id: number;
  readonly callback: () => void;
}

/** A clock whose time moves only when a test says so; due timers fire in order while it moves. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(start: number | Date) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), id, callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as unknown as number);
  }

  /** Timers scheduled and not yet fired nor cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward, firing every timer that falls due (including ones scheduled on the way). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.due <= target && (!next || timer.due < next.due || (timer.due === next.due && timer.id < next.id))) next = timer;
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = next.due;
      next.callback();
    }
    this.#now = target;
  }
}

/** Every event of a core, in order, with helpers to pick them out. */
export class EventLog {
  readonly all: RoutingEvent[] = [];

  constructor(core: RoutingCore) {
    core.events.onAny((event) => this.all.push(event));
  }

  of<K extends RoutingEventName>(type: K): RoutingEventOf<K>[] {
    return this.all.filter((event): event is RoutingEventOf<K> => event.type === type);
  }

  last<K extends RoutingEventName>(type: K): RoutingEventOf<K> | undefined {
    return this.of(type).at(-1);
  }

  /** Event types since the last `take()`, then forget them. */
  take(): RoutingEventName[] {
    const types = this.all.map((event) => event.type);
    this.all.length = 0;
    return types;
  }

  clear(): void {
    this.all.length = 0;
  }
}

/** Wednesday 2026-11-25 10:00 Asia/Tokyo: a normal working morning. */
export const WEDNESDAY_MORNING = tokyoInstant('2026-11-25', '10:00');

/** Settings for rule tests: always open, no wrap-up, no widening unless a test asks. */
export const TEST_SETTINGS: Partial<DepartmentRoutingSettings> = {
  hours: ALWAYS_OPEN,
  closedDates: [],
  annualClosures: [],
  wrapUpMs: 0,
  secondaryDelayMs: null,
};

export function setup(
  departments: DepartmentRoutingConfigInput[] = [{ departmentId: 'tax' }, { departmentId: 'welfare' }, { departmentId: 'general' }],
  settings: Partial<DepartmentRoutingSettings> = {},
  start = WEDNESDAY_MORNING,
) {
  const clock = new FakeClock(start);
  const core = new RoutingCore({ clock, departments, defaults: { ...TEST_SETTINGS, ...settings } });
  const log = new EventLog(core);
  return { clock, core, log };
}

/** Small, fast, seedable PRNG (mulberry32): the randomized test replays exactly from its seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

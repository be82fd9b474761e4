import type { Clock, TimerHandle } from './clock.ts';

/**
 * A leading- and trailing-edge throttle. The first trigger after a quiet interval runs at once;
 * triggers during the next `intervalMs` are coalesced into one run at its end, which opens another
 * interval. So a single change goes out without delay and a burst costs one run per interval.
 *
 * "At once" is the next turn of the event loop (a zero timeout), not inside trigger(): the command
 * that caused the change finishes and answers first, and everything changed in that turn goes in
 * the same run.
 */
export class Throttle {
  readonly #clock: Clock;
  readonly #intervalMs: () => number;
  readonly #run: () => void;
  #timer: TimerHandle | null = null;
  #pending = false;
  #closed = false;

  /** `intervalMs` may be a function: read when each interval opens, so it can follow the cost of a run. */
  constructor(clock: Clock, intervalMs: number | (() => number), run: () => void) {
    this.#clock = clock;
    this.#intervalMs = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
    this.#run = run;
  }

  trigger(): void {
    if (this.#closed) return;
    this.#pending = true;
    this.#timer ??= this.#clock.setTimeout(() => this.#fire(), 0);
  }

  /** No run after this, not even one already triggered. */
  close(): void {
    this.#closed = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fire(): void {
    this.#timer = null;
    if (!this.#pending || this.#closed) return; // a quiet interval: the next trigger is a leading edge
    this.#pending = false;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), this.#intervalMs());
    this.#run();
  }
}

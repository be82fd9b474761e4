import type { DepartmentAvailability, ServerPayload } from '@madoguchi/protocol';
import type { Clock, TimerHandle } from '../clock.ts';
import type { DepartmentOutlook } from '../routing/core/index.ts';
import { Throttle } from '../throttle.ts';

type AvailabilityPayload = ServerPayload<'departments:availability'>;

/** A change goes out at once; a burst of them (a queue moving, operators coming and going) as one push per interval… */
const PUSH_INTERVAL_MS = 200;
/**
 * …which is longer when many tablets are connected. A push costs the main thread 20–35 µs per
 * tablet (measured: 60–100 ms for 3,000 sockets, most of it one write each), so during a burst of
 * requests pushes every 200 ms to 3,000 tablets took a third of the thread, and /api/health waited
 * behind them. 0.4 ms of interval per tablet keeps pushes under about 8 % of it: 200 ms up to 500
 * tablets, 1.2 s for 3,000 — a home-screen figure, a second old at worst.
 */
const PUSH_INTERVAL_PER_TABLET_MS = 0.4;
/** Checked this often even when nothing happened: a department opens and closes by the clock. */
const RECHECK_MS = 30_000;

export interface DepartmentAvailabilityFeedOptions {
  clock: Clock;
  /** Every department a tablet may show. */
  departmentIds(): Iterable<string>;
  outlook(departmentId: string): DepartmentOutlook;
  /** Deliver to every connected tablet. */
  broadcast(payload: AvailabilityPayload): void;
  /** How many tablets are connected: what a push costs. */
  audience(): number;
}

/**
 * What every tablet's home screen shows on the department buttons before a press: closed (outside
 * hours, a closed date), nobody logged in, every operator away, or a long wait. Pushed to all tablets
 * when it changes, at most once per PUSH_INTERVAL_MS (longer for many tablets), and re-checked every RECHECK_MS for the
 * changes only the clock makes.
 */
export class DepartmentAvailabilityFeed {
  readonly #options: DepartmentAvailabilityFeedOptions;
  /** The last payload pushed, serialised: an unchanged one is not pushed again. */
  #lastPushed = '';
  readonly #pushes: Throttle;
  #recheckTimer: TimerHandle;
  #closed = false;

  constructor(options: DepartmentAvailabilityFeedOptions) {
    this.#options = options;
    const interval = () => Math.max(PUSH_INTERVAL_MS, options.audience() * PUSH_INTERVAL_PER_TABLET_MS);
    this.#pushes = new Throttle(options.clock, interval, () => this.#pushIfChanged());
    this.#lastPushed = JSON.stringify(this.snapshot());
    this.#recheckTimer = this.#scheduleRecheck();
  }

  snapshot(): AvailabilityPayload {
    const departments: DepartmentAvailability[] = [];
    for (const departmentId of this.#options.departmentIds()) {
      const { refusal, waiting, servingOperators, estimatedWaitMs } = this.#options.outlook(departmentId);
      departments.push({
        departmentId,
        refusal: refusal?.reason ?? null,
        nextOpeningAt: refusal?.nextOpeningAt?.toISOString() ?? null,
        waiting,
        estimatedWaitSeconds: estimatedWaitMs === null ? null : Math.round(estimatedWaitMs / 1000),
        allOperatorsAway: refusal === null && servingOperators === 0,
      });
    }
    return { departments };
  }

  /** Something that may change a department's availability happened: push it if it did. */
  changed(): void {
    this.#pushes.trigger();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pushes.close();
    this.#options.clock.clearTimeout(this.#recheckTimer);
  }

  #pushIfChanged(): void {
    if (this.#closed) return;
    const payload = this.snapshot();
    const serialised = JSON.stringify(payload);
    if (serialised === this.#lastPushed) return;
    this.#lastPushed = serialised;
    this.#options.broadcast(payload);
  }

  #scheduleRecheck(): TimerHandle {
    return this.#options.clock.setTimeout(() => {
      this.#pushIfChanged();
      if (!this.#closed) this.#recheckTimer = this.#scheduleRecheck();
    }, RECHECK_MS);
  }
}

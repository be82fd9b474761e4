/** The figures of one ramp step that decide whether the server still keeps up. */
export interface StepHealth {
  sessions: number;
  /** Of one core, in percent. */
  workerCpuPercent: number;
  /** Packets lost on the way to the receivers, in percent of those the SFU sent. */
  lossPercent: number;
}

export const KNEE_LIMITS = { lossPercent: 1, workerCpuPercent: 85 } as const;

export function isHealthy(step: StepHealth): boolean {
  return step.lossPercent < KNEE_LIMITS.lossPercent && step.workerCpuPercent < KNEE_LIMITS.workerCpuPercent;
}

export interface Knee {
  /** The largest number of sessions served within the limits (0: not even the first step). */
  sessions: number;
  /** Whether a step beyond it broke a limit; false: the ramp ended before the server saturated. */
  reached: boolean;
}

/**
 * The knee of a ramp: the last healthy step before the first unhealthy one. Steps after the first
 * unhealthy one do not count, even when a reading happens to pass again: the server was past it.
 */
export function findKnee(steps: readonly StepHealth[]): Knee {
  const ordered = [...steps].sort((a, b) => a.sessions - b.sessions);
  let sessions = 0;
  for (const step of ordered) {
    if (!isHealthy(step)) return { sessions, reached: true };
    sessions = step.sessions;
  }
  return { sessions, reached: false };
}

/**
 * Where the worker would reach KNEE_LIMITS' CPU, from a step that cost it `workerCpuPercent` for
 * `sessions` (CPU grows about linearly with sessions). The ramp takes fractions of it, dense around
 * the knee, so it takes the same few steps whatever the machine.
 */
export function predictedKnee({ sessions, workerCpuPercent }: { sessions: number; workerCpuPercent: number }): number {
  return KNEE_LIMITS.workerCpuPercent / (Math.max(workerCpuPercent, 1) / sessions);
}

/**
 * The ramp's targets: it walks `fractions` of the predicted knee, predicted again from each healthy
 * step — the worker's cost per session at a few sessions is noisy (its batching varies most at low
 * load), and a prediction from the first step alone has overshot the knee by a third. After an
 * unhealthy step it goes 10 % further, to show the trend.
 */
export class Ramp {
  readonly #fractions: readonly number[];
  #next = 0;

  constructor(fractions: readonly number[]) {
    this.#fractions = fractions;
  }

  /** The next number of sessions after `last` (sessions now running), or undefined when the fractions are spent. */
  next(last: StepHealth & { sessions: number }): number | undefined {
    if (!isHealthy(last)) return Math.ceil(last.sessions * 1.1);
    const knee = predictedKnee(last);
    for (; this.#next < this.#fractions.length; this.#next++) {
      const target = Math.round(knee * this.#fractions[this.#next]!);
      if (target > last.sessions) {
        this.#next++;
        return target;
      }
    }
    return undefined;
  }
}

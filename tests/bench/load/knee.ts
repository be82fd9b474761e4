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
 * The next ramp targets after a first step of `firstSessions` cost `firstCpuPercent` of the
 * worker: fractions of the predicted knee (CPU grows about linearly with sessions), so the
 * ramp takes the same few steps whatever the machine, dense around the knee.
 */
export function rampTargets(firstSessions: number, firstCpuPercent: number, fractions: readonly number[]): number[] {
  const perSession = Math.max(firstCpuPercent, 1) / firstSessions;
  const predictedKnee = KNEE_LIMITS.workerCpuPercent / perSession;
  const targets: number[] = [];
  for (const fraction of fractions) {
    const target = Math.round(predictedKnee * fraction);
    if (target > (targets.at(-1) ?? firstSessions)) targets.push(target);
  }
  return targets;
}

import { readFileSync } from 'node:fs';
import { createLogger } from '@madoguchi/protocol/logger';

const logger = createLogger('event-loop');

/** How often the watch's timer is due. */
const TICK_MS = 250;
/** A timer this much later than due is reported: every request, ack and health check waited as long. */
const REPORT_LATE_MS = 1_000;

/** A stretch in which the event loop could not run, and where the main thread's time went. */
export interface HoldUp {
  /** Epoch ms of the last tick before it. */
  from: number;
  /** From the last tick to the late one. */
  gapMs: number;
  lateMs: number;
  /** Linux only (null elsewhere): on a CPU, runnable but waiting for one, and neither (asleep in a blocking call). */
  runningMs: number | null;
  waitingForCpuMs: number | null;
  asleepMs: number | null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The log line of a hold-up; parseHoldUp reads it back (the fault tests judge the server by it). */
export function describeHoldUp(holdUp: HoldUp): string {
  const where =
    holdUp.runningMs === null
      ? 'no scheduler figures on this system'
      : `running ${seconds(holdUp.runningMs)}, waiting for a CPU ${seconds(holdUp.waitingForCpuMs ?? 0)}, asleep ${seconds(holdUp.asleepMs ?? 0)}`;
  return `the event loop was held up ${seconds(holdUp.lateMs)}; the main thread in the ${seconds(holdUp.gapMs)} from ${new Date(holdUp.from).toISOString()}: ${where}`;
}

export function parseHoldUp(line: string): HoldUp | null {
  const match = /held up ([\d.]+) s; the main thread in the ([\d.]+) s from (\S+): (?:running ([\d.]+) s, waiting for a CPU ([\d.]+) s, asleep ([\d.]+) s)?/.exec(line);
  if (!match) return null;
  const ms = (text: string | undefined) => (text === undefined ? null : Number(text) * 1000);
  return {
    lateMs: Number(match[1]) * 1000,
    gapMs: Number(match[2]) * 1000,
    from: Date.parse(match[3] ?? ''),
    runningMs: ms(match[4]),
    waitingForCpuMs: ms(match[5]),
    asleepMs: ms(match[6]),
  };
}

/** The main thread's time on a CPU and waiting for one (Linux's schedstat, ns); null elsewhere. */
function threadTimes(): { runningNs: number; waitingNs: number } | null {
  try {
    const [running = Number.NaN, waiting = Number.NaN] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return Number.isFinite(running) && Number.isFinite(waiting) ? { runningNs: running, waitingNs: waiting } : null;
  } catch {
    return null;
  }
}

/**
 * Says in the log when the event loop could not run for over a second, and where the time went: the
 * main thread running (this process's own work), waiting for a CPU (the machine's other processes), or
 * neither (asleep inside a call that should not block: the disk, a lock). The three need different
 * fixes, and a slow health answer alone cannot tell them apart. Returns the stop function.
 */
export function watchEventLoop(): () => void {
  let dueAt = performance.now() + TICK_MS;
  let lastTickAt = Date.now();
  let before = threadTimes();
  const timer = setInterval(() => {
    const now = performance.now();
    const lateMs = now - dueAt;
    const after = threadTimes();
    if (lateMs > REPORT_LATE_MS) {
      const gapMs = lateMs + TICK_MS;
      const runningMs = before && after ? (after.runningNs - before.runningNs) / 1e6 : null;
      const waitingForCpuMs = before && after ? (after.waitingNs - before.waitingNs) / 1e6 : null;
      const asleepMs = runningMs === null || waitingForCpuMs === null ? null : Math.max(0, gapMs - runningMs - waitingForCpuMs);
      logger.warn(describeHoldUp({ from: lastTickAt, gapMs, lateMs, runningMs, waitingForCpuMs, asleepMs }));
    }
    dueAt = now + TICK_MS;
    lastTickAt = Date.now();
    before = after;
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

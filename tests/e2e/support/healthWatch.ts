import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import type { HealthResponse } from '@madoguchi/protocol';
import { parseHoldUp, type HoldUp } from '../../../signaling/src/eventLoopWatch.ts';

/** How long one request may take before it counts as no answer: a health check that hangs. */
export const HEALTH_ANSWER_BOUND_MS = 3_000;

export interface HealthSample {
  /** When the request was sent, in ms after `since`. */
  atMs: number;
  /** How long /api/health took to answer (up to HEALTH_ANSWER_BOUND_MS). */
  ms: number;
  status: HealthResponse['status'] | 'no answer';
  database: HealthResponse['database'] | 'no answer';
  buffered: number;
  /** An authenticated read at the same moment (staff token checked, departments listed): HTTP status and time; absent without a token. */
  read?: { status: number; ms: number };
}

export interface HealthWatchOptions {
  /** Epoch ms that `atMs` counts from. */
  since: number;
  /** Pause between samples. */
  intervalMs: number;
  /** When given, each health request is followed by GET /api/departments with this staff token. */
  staffToken?: string;
}

/**
 * GET /api/health every `intervalMs` (each bounded by HEALTH_ANSWER_BOUND_MS), optionally followed by an authenticated
 * read: what a reconnecting page needs from the database. It runs in a process of its own, as a
 * monitor would, so that the caller's own event loop (Playwright, a benchmark's thousands of
 * sockets) does not add to the times it measures.
 */
export function watchHealth(url: string, { since, intervalMs, staffToken = '' }: HealthWatchOptions): { stop(): Promise<HealthSample[]> } {
  const script = `
    const [url, token, since, interval, bound] = process.argv.slice(1);
    let running = true;
    process.stdin.on('data', () => (running = false)).on('end', () => (running = false)).resume();
    process.stdout.on('error', () => process.exit(0)); // the watching process is gone
    (async () => {
      while (running) {
        const started = performance.now();
        const sample = { atMs: Date.now() - Number(since), ms: 0, status: 'no answer', database: 'no answer', buffered: -1 };
        try {
          const body = await (await fetch(url + '/api/health', { signal: AbortSignal.timeout(Number(bound)) })).json();
          Object.assign(sample, { status: body.status, database: body.database, buffered: body.records.buffered });
        } catch {}
        sample.ms = performance.now() - started;
        if (token) {
          const reading = performance.now();
          const status = await fetch(url + '/api/departments', { headers: { authorization: 'Bearer ' + token }, signal: AbortSignal.timeout(Number(bound)) }).then((r) => r.status, () => 0);
          sample.read = { status, ms: performance.now() - reading };
        }
        process.stdout.write(JSON.stringify(sample) + '\\n');
        await new Promise((r) => setTimeout(r, Number(interval)));
      }
      process.exit(0);
    })();`;
  const child = spawn(process.execPath, ['-e', script, url, staffToken, String(since), String(intervalMs), String(HEALTH_ANSWER_BOUND_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A monitor on a machine of its own is not kept waiting by the browsers the test runs beside the server.
  try {
    if (child.pid !== undefined) setPriority(child.pid, -10);
  } catch {
    // not root: the samples may include the monitor's own waits, which the judgement below allows for only through the server's
  }
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end('stop\n');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      return output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as HealthSample);
    },
  };
}

/** Hold-ups the server's event-loop watch logged ([event-loop] lines of its output). */
export function serverHoldUps(output: string): HoldUp[] {
  return output.split('\n').flatMap((line) => {
    const holdUp = line.includes('[event-loop]') ? parseHoldUp(line) : null;
    return holdUp ? [holdUp] : [];
  });
}

/** A sample whose health answer or authenticated read took HEALTH_ANSWER_BOUND_MS or more: judged by judgeHealth, not by what it said. */
export function pastBound(sample: HealthSample): boolean {
  return sample.ms >= HEALTH_ANSWER_BOUND_MS || (sample.read?.ms ?? 0) >= HEALTH_ANSWER_BOUND_MS;
}

/** Held up this long by the server itself (running or asleep in a blocking call), health hangs. */
const OWN_HOLD_UP_BOUND_MS = 1_000;

/**
 * What a health watch says about the server, told apart from what it says about the machine:
 * - `ownHoldUps`: the event loop held up a second or more by the server itself (its own work, or a
 *   call that blocked: a disk, a lock), which no machine excuses;
 * - `unexplained`: answers (or reads) past HEALTH_ANSWER_BOUND_MS that no wait for a CPU (the test's browsers
 *   on the same two cores) explains: the sample overlaps no hold-up in which the main thread waited a
 *   second or more for a CPU.
 */
export function judgeHealth(samples: HealthSample[], since: number, holdUps: HoldUp[]): { ownHoldUps: HoldUp[]; unexplained: HealthSample[] } {
  const ownHoldUps = holdUps.filter((h) => (h.runningMs ?? h.gapMs) + (h.asleepMs ?? 0) >= OWN_HOLD_UP_BOUND_MS);
  const starved = holdUps.filter((h) => (h.waitingForCpuMs ?? 0) >= OWN_HOLD_UP_BOUND_MS);
  const unexplained = samples.filter((sample) => {
    if (!pastBound(sample)) return false;
    const start = since + sample.atMs;
    const end = start + sample.ms + (sample.read?.ms ?? 0);
    return !starved.some((h) => start < h.from + h.gapMs && h.from < end);
  });
  return { ownHoldUps, unexplained };
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeHoldUp, parseHoldUp, watchEventLoop, type HoldUp } from '../src/eventLoopWatch.ts';

/** Lets the watch's timer run, then blocks the thread for `ms` in the given way, then lets the late tick fire. */
async function holdUp(ms: number, how: 'working' | 'asleep'): Promise<HoldUp[]> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const stop = watchEventLoop();
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (how === 'asleep') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    else for (const until = performance.now() + ms; performance.now() < until; );
    await new Promise((resolve) => setTimeout(resolve, 300));
    return warn.mock.calls.flatMap((args) => {
      const parsed = parseHoldUp(args.join(' '));
      return parsed ? [parsed] : [];
    });
  } finally {
    stop();
  }
}

const longest = (holdUps: HoldUp[]) => holdUps.reduce<HoldUp | undefined>((a, b) => (a && a.lateMs >= b.lateMs ? a : b), undefined);

describe('watchEventLoop', () => {
  afterEach(() => vi.restoreAllMocks());

  // A loaded machine may add hold-ups of its own and keep a busy thread waiting for a CPU: the
  // assertions are about the longest one, and on a running thread only its share.
  it('reports a thread busy with its own work as running', async () => {
    const reported = longest(await holdUp(1_400, 'working'));
    expect(reported?.lateMs).toBeGreaterThan(1_000);
    if (reported?.runningMs == null) return; // no schedstat on this system
    expect(reported.runningMs + (reported.waitingForCpuMs ?? 0)).toBeGreaterThan(1_000);
    expect(reported.runningMs).toBeGreaterThan(reported.asleepMs ?? 0);
  });

  it('reports a thread blocked in a call as asleep, not running', async () => {
    const reported = longest(await holdUp(1_400, 'asleep'));
    expect(reported?.lateMs).toBeGreaterThan(1_000);
    if (reported?.runningMs == null) return;
    expect(reported.asleepMs).toBeGreaterThan(1_000);
    expect(reported.runningMs).toBeLessThan(400);
  });

  it('reads back the line it writes', () => {
    const holdUp: HoldUp = { from: Date.parse('2026-12-06T00:41:12.300Z'), gapMs: 2_100, lateMs: 1_900, runningMs: 200, waitingForCpuMs: 1_500, asleepMs: 400 };
    expect(parseHoldUp(`[event-loop] ${describeHoldUp(holdUp)}`)).toEqual(holdUp);
    const unknown: HoldUp = { ...holdUp, runningMs: null, waitingForCpuMs: null, asleepMs: null };
    expect(parseHoldUp(describeHoldUp(unknown))).toEqual(unknown);
    expect(parseHoldUp('[server] listening')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { TooManyAttempts } from '../src/auth/AttemptWindow.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../src/auth/LoginThrottle.ts';
import { FakeClock } from './routing/support.ts';

const LIMITS = { failuresPerAccount: 3, failuresPerAddress: 5, windowMs: 60_000, concurrentChecks: 2, queuedChecks: 2 };

function setup(limits: Partial<LoginThrottleOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 1, 0));
  return { clock, throttle: new LoginThrottle({ clock, ...LIMITS, ...limits }) };
}

function refusal(check: () => void): TooManyAttempts | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof TooManyAttempts) return error;
    throw error;
  }
}

describe('LoginThrottle', () => {
  it('refuses a username from an address after its failures, until the oldest leaves the window', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull();
      throttle.recordFailure('10.0.0.1', 'tax1');
      clock.advance(10_000);
    }
    const refused = refusal(() => throttle.check('10.0.0.1', 'tax1'));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfterSeconds).toBe(30); // the first failure was 30 s ago in a 60 s window
    expect(refusal(() => throttle.check('10.0.0.1', 'TAX1'))).not.toBeNull(); // the same name, however typed

    // The same person elsewhere, and another name here, are not locked out.
    expect(refusal(() => throttle.check('10.0.0.2', 'tax1'))).toBeNull();
    expect(refusal(() => throttle.check('10.0.0.1', 'tax2'))).toBeNull();

    clock.advance(30_000);
    expect(refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull();
  });

  it('refuses an address that guesses across many names', () => {
    const { throttle } = setup();
    for (const username of ['a', 'b', 'c', 'd', 'e']) throttle.recordFailure('10.0.0.9', username);
    expect(refusal(() => throttle.check('10.0.0.9', 'f'))).not.toBeNull();
    expect(refusal(() => throttle.check('10.0.0.8', 'f'))).toBeNull();
  });

  it('forgets a pair’s failures after a right password, but not the address’s', () => {
    const { throttle } = setup();
    throttle.recordFailure('10.0.0.1', 'tax1');
    throttle.recordFailure('10.0.0.1', 'tax1');
    throttle.recordSuccess('10.0.0.1', 'tax1');
    throttle.recordFailure('10.0.0.1', 'tax1');
    throttle.recordFailure('10.0.0.1', 'tax1');
    expect(refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull(); // 2 since the success
    throttle.recordFailure('10.0.0.1', 'tax2');
    expect(refusal(() => throttle.check('10.0.0.1', 'welfare1'))).not.toBeNull(); // 5 from the address
  });

  it('runs at most the allowed number of password checks at once and refuses beyond the queue', async () => {
    const { throttle } = setup();
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const check = () =>
      new Promise<boolean>((resolve) => {
        running++;
        most = Math.max(most, running);
        releases.push(() => {
          running--;
          resolve(true);
        });
      });
    const admitted = [0, 1, 2, 3].map(() => throttle.gate(check)); // 2 running, 2 waiting
    await expect(throttle.gate(check)).rejects.toBeInstanceOf(TooManyAttempts);
    for (let done = 0; done < 4; done++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBe(Math.min(2, 4 - done));
      releases.shift()!();
    }
    expect(await Promise.all(admitted)).toEqual([true, true, true, true]);
    expect(most).toBe(2);
    // The slots are all free again: a failing check frees its slot too.
    await expect(throttle.gate(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(throttle.gate(async () => 'ok')).resolves.toBe('ok');
  });

  it('keeps a bounded number of addresses in memory', () => {
    const { throttle } = setup({ failuresPerAddress: 1_000 });
    for (let i = 0; i < 12_000; i++) throttle.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 'x');
    // The newest address is still counted; the oldest was dropped to stay within the bound.
    expect(refusal(() => throttle.check('10.0.46.223', 'x'))).toBeNull(); // 1 failure < 3
    throttle.recordFailure('10.0.46.223', 'x');
    throttle.recordFailure('10.0.46.223', 'x');
    expect(refusal(() => throttle.check('10.0.46.223', 'x'))).not.toBeNull();
    throttle.recordFailure('10.0.0.0', 'x');
    throttle.recordFailure('10.0.0.0', 'x');
    expect(refusal(() => throttle.check('10.0.0.0', 'x'))).toBeNull(); // its first failure was evicted
  });
});

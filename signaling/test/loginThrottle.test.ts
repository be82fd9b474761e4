import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TooManyAttempts, type AttemptLog } from '../src/auth/AttemptWindow.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../src/auth/LoginThrottle.ts';
import { RedisAttemptLog } from '../src/cluster/RedisAttemptLog.ts';
import { startTestRedis, useTestRedis } from './redis.ts';
import { FakeClock } from './routing/support.ts';

const LIMITS = { failuresPerAccount: 3, failuresPerAddress: 5, windowMs: 60_000, concurrentChecks: 2, queuedChecks: 2 };

const testRedis = useTestRedis();
let logs = 0;

/** Where the failures are counted: this process, or a real Redis (each throttle its own keys). */
const STORES: Array<[string, ((clock: FakeClock, windowMs: number) => AttemptLog) | undefined]> = [
  ['in memory', undefined],
  ['in Redis', (clock, windowMs) => new RedisAttemptLog({ redis: testRedis.client, name: `test-${++logs}`, windowMs, now: () => clock.now().getTime() })],
];

async function refusal(check: () => Promise<void>): Promise<TooManyAttempts | null> {
  try {
    await check();
    return null;
  } catch (error) {
    if (error instanceof TooManyAttempts) return error;
    throw error;
  }
}

describe.each(STORES)('LoginThrottle, failures counted %s', (_where, store) => {
  function setup(limits: Partial<LoginThrottleOptions> = {}) {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 1, 0));
    const options = { clock, ...LIMITS, ...limits };
    return { clock, throttle: new LoginThrottle(options, store?.(clock, options.windowMs)) };
  }

  it('refuses a username from an address after its failures, until the oldest leaves the window', async () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 3; i++) {
      expect(await refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull();
      await throttle.recordFailure('10.0.0.1', 'tax1');
      clock.advance(10_000);
    }
    const refused = await refusal(() => throttle.check('10.0.0.1', 'tax1'));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfterSeconds).toBe(30); // the first failure was 30 s ago in a 60 s window
    expect(await refusal(() => throttle.check('10.0.0.1', 'TAX1'))).not.toBeNull(); // the same name, however typed

    // The same person elsewhere, and another name here, are not locked out.
    expect(await refusal(() => throttle.check('10.0.0.2', 'tax1'))).toBeNull();
    expect(await refusal(() => throttle.check('10.0.0.1', 'tax2'))).toBeNull();

    clock.advance(30_000);
    expect(await refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull();
  });

  it('refuses an address that guesses across many names', async () => {
    const { throttle } = setup();
    for (const username of ['a', 'b', 'c', 'd', 'e']) await throttle.recordFailure('10.0.0.9', username);
    expect(await refusal(() => throttle.check('10.0.0.9', 'f'))).not.toBeNull();
    expect(await refusal(() => throttle.check('10.0.0.8', 'f'))).toBeNull();
  });

  it('forgets a pair’s failures after a right password, but not the address’s', async () => {
    const { throttle } = setup();
    await throttle.recordFailure('10.0.0.1', 'tax1');
    await throttle.recordFailure('10.0.0.1', 'tax1');
    await throttle.recordSuccess('10.0.0.1', 'tax1');
    await throttle.recordFailure('10.0.0.1', 'tax1');
    await throttle.recordFailure('10.0.0.1', 'tax1');
    expect(await refusal(() => throttle.check('10.0.0.1', 'tax1'))).toBeNull(); // 2 since the success
    await throttle.recordFailure('10.0.0.1', 'tax2');
    expect(await refusal(() => throttle.check('10.0.0.1', 'welfare1'))).not.toBeNull(); // 5 from the address
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

});

describe('LoginThrottle in memory', () => {
  it('keeps a bounded number of addresses', async () => {
    const throttle = new LoginThrottle({ clock: new FakeClock(Date.UTC(2026, 10, 23, 1, 0)), ...LIMITS, failuresPerAddress: 1_000 });
    for (let i = 0; i < 12_000; i++) await throttle.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 'x');
    // The newest address is still counted; the oldest was dropped to stay within the bound.
    expect(await refusal(() => throttle.check('10.0.46.223', 'x'))).toBeNull(); // 1 failure < 3
    await throttle.recordFailure('10.0.46.223', 'x');
    await throttle.recordFailure('10.0.46.223', 'x');
    expect(await refusal(() => throttle.check('10.0.46.223', 'x'))).not.toBeNull();
    await throttle.recordFailure('10.0.0.0', 'x');
    await throttle.recordFailure('10.0.0.0', 'x');
    expect(await refusal(() => throttle.check('10.0.0.0', 'x'))).toBeNull(); // its first failure was evicted
  });
});

describe('LoginThrottle in Redis', () => {
  it('refuses on every node that shares the Redis: failures made through one throttle count in another', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 1, 0));
    const shared = (name: string) => new RedisAttemptLog({ redis: testRedis.client, name, windowMs: LIMITS.windowMs, now: () => clock.now().getTime() });
    const nodeA = new LoginThrottle({ clock, ...LIMITS }, shared('login-shared'));
    const nodeB = new LoginThrottle({ clock, ...LIMITS }, shared('login-shared'));
    for (let i = 0; i < 3; i++) await (i % 2 === 0 ? nodeA : nodeB).recordFailure('10.0.0.1', 'tax1');
    expect((await refusal(() => nodeA.check('10.0.0.1', 'tax1')))?.code).toBe('RATE_LIMITED');
    expect((await refusal(() => nodeB.check('10.0.0.1', 'tax1')))?.code).toBe('RATE_LIMITED');
  });

  it('counts attempts made at once one after another: take() lets exactly the limit through', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 1, 0));
    const log = new RedisAttemptLog({ redis: testRedis.client, name: 'take-at-once', windowMs: 60_000, now: () => clock.now().getTime() });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => log.take('10.0.0.7', 4, 'too many')));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(4);
    expect(await log.add('10.0.0.7')).toBe(5);
  });

  it('a Redis that does not answer is UNAVAILABLE, neither a refusal nor a pass', async () => {
    const gone = await startTestRedis();
    const client = new Redis(gone.url, { maxRetriesPerRequest: null });
    client.on('error', () => {});
    await gone.stop();
    try {
      const throttle = new LoginThrottle({ clock: new FakeClock(0), ...LIMITS }, new RedisAttemptLog({ redis: client, name: 'gone', windowMs: 60_000, now: () => 0 }));
      await expect(throttle.check('10.0.0.1', 'tax1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(throttle.recordFailure('10.0.0.1', 'tax1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      client.disconnect();
    }
  });
});

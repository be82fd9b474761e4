import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { tooManyAttempts, type AttemptLog } from '../auth/AttemptWindow.ts';
import { askRedis } from './askRedis.ts';

/**
 * One step in Redis, so that attempts on several nodes at once are counted one after another: drop
 * what left the window, then either refuse (returning the attempt that limits the key) or count.
 * KEYS[1]: the key's sorted set (attempt times as scores). ARGV: now, window (ms), limit (0: none),
 * 1 to count the attempt or 0 only to check, a unique member for this attempt.
 */
const ATTEMPT_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
if limit > 0 and count >= limit then
  local limiting = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return {0, tonumber(limiting[2])}
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  count = count + 1
end
return {1, count}
`;

const CANNOT_COUNT = 'attempts cannot be counted';

/**
 * An AttemptLog in the Redis that signaling nodes share: a sorted set per key, expiring with its
 * window. A Redis that does not answer is UNAVAILABLE (503): never a refusal or a pass.
 */
export class RedisAttemptLog implements AttemptLog {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #windowMs: number;
  readonly #now: () => number;

  /** `name` keeps this log's keys apart from other logs' (`login`, `booking`, …). */
  constructor({ redis, name, windowMs, now }: { redis: Redis; name: string; windowMs: number; now: () => number }) {
    this.#redis = redis;
    this.#prefix = `madoguchi:attempts:${name}:`;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  async refuseIfOver(key: string, limit: number, message: string): Promise<void> {
    await this.#attempt(key, limit, false, message);
  }

  async take(key: string, limit: number, message: string): Promise<void> {
    await this.#attempt(key, limit, true, message);
  }

  async add(key: string): Promise<number> {
    return this.#attempt(key, 0, true, '');
  }

  async removeLatest(key: string): Promise<void> {
    await askRedis(() => this.#redis.zpopmax(this.#prefix + key), CANNOT_COUNT);
  }

  async clear(key: string): Promise<void> {
    await askRedis(() => this.#redis.del(this.#prefix + key), CANNOT_COUNT);
  }

  /** Runs the script; throws the refusal, or returns the key's count. */
  async #attempt(key: string, limit: number, count: boolean, message: string): Promise<number> {
    const now = this.#now();
    const args = [now, this.#windowMs, limit, count ? 1 : 0, `${now}:${randomUUID()}`];
    const [passed, figure] = (await askRedis(() => this.#redis.eval(ATTEMPT_SCRIPT, 1, this.#prefix + key, ...args), CANNOT_COUNT)) as [number, number];
    if (passed !== 1) throw tooManyAttempts(message, figure, this.#windowMs, now);
    return figure;
  }
}

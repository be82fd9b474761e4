import type { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import type { SfuNodeEntry } from './contract.ts';

const logger = createLogger('sfu:registry');

/** Sorted set of the registered nodes' ids, scored by when their entry lapses. */
const NODES_KEY = 'madoguchi:sfu:nodes';
const entryKey = (id: string) => `madoguchi:sfu:node:${id}`;

/** How often a node refreshes its entry, and how long an entry outlives its last refresh. */
export const REGISTRY_REFRESH_MS = 1_000;
export const REGISTRY_TTL_MS = 3_000;

/** The Redis commands the registry uses (an ioredis client; tests and signaling pass their own). */
export type RegistryRedis = Pick<Redis, 'set' | 'zadd' | 'zrem' | 'zrangebyscore' | 'zremrangebyscore' | 'mget' | 'del'>;

/**
 * An SFU node's presence in the registry: its entry (address, workers, load, draining) written at
 * once and every REGISTRY_REFRESH_MS, so that a node that dies lapses within REGISTRY_TTL_MS.
 * close() removes it.
 */
export class SfuRegistration {
  readonly #redis: RegistryRedis;
  readonly #entry: () => SfuNodeEntry;
  readonly #timer: ReturnType<typeof setInterval>;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(redis: RegistryRedis, entry: () => SfuNodeEntry) {
    this.#redis = redis;
    this.#entry = entry;
    this.#timer = setInterval(() => void this.refresh(), REGISTRY_REFRESH_MS);
  }

  static async register(redis: RegistryRedis, entry: () => SfuNodeEntry): Promise<SfuRegistration> {
    const registration = new SfuRegistration(redis, entry);
    await registration.refresh();
    return registration;
  }

  /** Write the entry now (a drain is announced at once, not at the next refresh). */
  refresh(): Promise<void> {
    if (this.#closed) return this.#writing;
    this.#writing = this.#writing.then(async () => {
      const entry = this.#entry();
      const lapsesAt = Date.now() + REGISTRY_TTL_MS;
      try {
        await this.#redis.set(entryKey(entry.id), JSON.stringify(entry), 'PX', REGISTRY_TTL_MS);
        await this.#redis.zadd(NODES_KEY, lapsesAt, entry.id);
      } catch (error) {
        logger.warn(`could not refresh the registry entry of ${entry.id}: ${(error as Error).message}`);
      }
    });
    return this.#writing;
  }

  /** Leave the registry; what could not be said lapses with the entry's expiry. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#writing;
    const { id } = this.#entry();
    await Promise.race([
      Promise.all([this.#redis.del(entryKey(id)), this.#redis.zrem(NODES_KEY, id)]).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
  }
}

/** The SFU nodes registered now (lapsed ones left out, and swept). */
export async function registeredSfuNodes(redis: RegistryRedis): Promise<SfuNodeEntry[]> {
  const now = Date.now();
  const ids = await redis.zrangebyscore(NODES_KEY, now, '+inf');
  void redis.zremrangebyscore(NODES_KEY, '-inf', now - 1).catch(() => {});
  if (ids.length === 0) return [];
  const values = await redis.mget(ids.map(entryKey));
  return values.flatMap((value) => (value ? [JSON.parse(value) as SfuNodeEntry] : []));
}

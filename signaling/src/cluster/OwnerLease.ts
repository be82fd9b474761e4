import type { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import { sayToRedisOnClose } from './askRedis.ts';

const logger = createLogger('lease');

/**
 * Takes the lease if it is free: KEYS[1] the holder key, KEYS[2] the fencing counter. ARGV: node id,
 * ttl (ms). Returns the new fencing token, or 0 when another node holds it.
 */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
  return token
end
return 0
`;

/** Extends the lease if this node still holds it with this token. ARGV: node id:token, ttl (ms). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** Gives the lease up if this node still holds it with this token. ARGV: node id:token. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Runs commands only while the lease is held with the given token: KEYS[1] the holder key; ARGV[1]
 * node id:token, ARGV[2] the commands as JSON ([["HSET", key, field, value], …]). Returns the
 * number of commands run, or -1 for a holder that is no longer the owner (its write is refused).
 */
const FENCED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local commands = cjson.decode(ARGV[2])
for _, command in ipairs(commands) do redis.call(unpack(command)) end
return #commands
`;

const holderKey = (name: string) => `madoguchi:lease:${name}`;

export interface OwnerLeaseOptions {
  redis: Redis;
  /** What is owned, e.g. `routing:<city>`. */
  name: string;
  /** This node's id (unique among the nodes sharing the Redis). */
  nodeId: string;
  /** How long the lease lasts without renewal: a dead owner's lease lapses after this. */
  ttlMs: number;
  /** Told when this node becomes the owner, with its fencing token (larger at every acquisition). */
  onAcquired(token: number): void;
  /** Told when this node stops being the owner (it did not renew in time, or Redis said another holds it). */
  onLost(): void;
}

/** A write the lease's holder may no longer make: another node owns what it writes now. */
export class LeaseLost extends Error {
  constructor(name: string) {
    super(`the lease ${name} is held by another node now`);
    this.name = 'LeaseLost';
  }
}

/**
 * One owner among the nodes for something (a city's routing), held in Redis: the lease is tried
 * for, held and renewed every third of its lifetime; if the owner dies it lapses and a standby
 * takes it with a larger fencing token. The owner's writes go through fencedWrite, which Redis
 * refuses once the token is not the holder's any more — so an owner that was paused past its lease
 * (a long GC, a frozen VM) cannot overwrite what its successor wrote. close() releases it.
 */
export class OwnerLease {
  readonly #options: OwnerLeaseOptions;
  readonly #holderKey: string;
  readonly #tokenKey: string;
  #token: number | null = null;
  /** When the last renewal (or acquisition) was confirmed: the lease holds until then + ttl. */
  #confirmedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: OwnerLeaseOptions) {
    this.#options = options;
    this.#holderKey = holderKey(options.name);
    this.#tokenKey = `madoguchi:lease:${options.name}:token`;
  }

  /** The id of the node that holds `name`'s lease now, or null when none does (it lapsed, or a take-over is under way). */
  static async holderOf(redis: Redis, name: string): Promise<string | null> {
    const holder = await redis.get(holderKey(name));
    // `<nodeId>:<token>`: the token is the part after the last ':'.
    return holder === null ? null : holder.slice(0, holder.lastIndexOf(':'));
  }

  /** This node's fencing token while it is the owner, else null. */
  get token(): number | null {
    return this.#token;
  }

  /** Tries for the lease at once and keeps trying; resolves when the first try is answered. */
  start(): Promise<void> {
    return this.#tick();
  }

  /** Runs Redis commands as the owner, or throws LeaseLost when this node is not the owner any more. */
  async fencedWrite(commands: Array<[string, ...(string | number)[]]>): Promise<void> {
    const token = this.#token;
    if (token === null) throw new LeaseLost(this.#options.name);
    const ran = await this.#options.redis.eval(FENCED, 1, this.#holderKey, this.#holder(token), JSON.stringify(commands.map((command) => command.map(String))));
    if (ran === -1) {
      this.#lose();
      throw new LeaseLost(this.#options.name);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const token = this.#token;
    this.#token = null;
    if (token !== null) await sayToRedisOnClose(() => this.#options.redis.eval(RELEASE, 1, this.#holderKey, this.#holder(token)));
  }

  #holder(token: number): string {
    return `${this.#options.nodeId}:${token}`;
  }

  async #tick(): Promise<void> {
    const { redis, ttlMs } = this.#options;
    const startedAt = Date.now();
    try {
      if (this.#token === null) {
        const token = Number(await redis.eval(ACQUIRE, 2, this.#holderKey, this.#tokenKey, this.#options.nodeId, ttlMs));
        if (!this.#closed && token > 0) {
          this.#token = token;
          this.#confirmedAt = startedAt;
          logger.info(`${this.#options.nodeId} owns ${this.#options.name} (token ${token})`);
          this.#options.onAcquired(token);
        }
      } else {
        const renewed = Number(await redis.eval(RENEW, 1, this.#holderKey, this.#holder(this.#token), ttlMs));
        if (renewed === 1) this.#confirmedAt = startedAt;
        else this.#lose();
      }
    } catch (error) {
      if (!this.#closed) logger.warn(`${this.#options.name}: cannot reach Redis for the lease: ${(error as Error).message}`);
    }
    // Unconfirmed for longer than the lease lasts: a successor may hold it now.
    if (this.#token !== null && Date.now() - this.#confirmedAt >= ttlMs) this.#lose();
    if (!this.#closed) this.#timer = setTimeout(() => void this.#tick(), Math.max(1, Math.floor(ttlMs / 3)));
  }

  #lose(): void {
    if (this.#token === null) return;
    logger.warn(`${this.#options.nodeId} no longer owns ${this.#options.name} (token ${this.#token})`);
    this.#token = null;
    if (!this.#closed) this.#options.onLost();
  }
}

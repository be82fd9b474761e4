import type { Redis } from 'ioredis';
import { newPairingCode, PAIRING_CODE_TTL_MS, type Pairing, type PairingCodeStore } from '../PairingCodes.ts';
import { askRedis } from './askRedis.ts';

const CODE_PREFIX = 'madoguchi:pairing:code:';
const DEVICE_PREFIX = 'madoguchi:pairing:device:';

/**
 * One step: the tablet's earlier code goes, the new one is set unless it is taken (0: draw another).
 * KEYS[1]: the tablet's key (its current code). ARGV: the code keys' prefix, the code, the pairing (JSON), ttl (ms).
 */
const ISSUE_SCRIPT = `
local earlier = redis.call('GET', KEYS[1])
if earlier then redis.call('DEL', ARGV[1] .. earlier) end
if not redis.call('SET', ARGV[1] .. ARGV[2], ARGV[3], 'PX', ARGV[4], 'NX') then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
return 1
`;

/**
 * One step: the pairing the code stands for, used up (and the tablet's key with it), or nil.
 * KEYS[1]: the code's key. ARGV: the tablets' keys' prefix, the code.
 */
const REDEEM_SCRIPT = `
local pairing = redis.call('GET', KEYS[1])
if not pairing then return nil end
redis.call('DEL', KEYS[1])
local deviceKey = ARGV[1] .. cjson.decode(pairing).deviceId
if redis.call('GET', deviceKey) == ARGV[2] then redis.call('DEL', deviceKey) end
return pairing
`;

const CANNOT_PAIR = 'pairing codes cannot be read';

/**
 * Pairing codes in the Redis that signaling nodes share: an admin's code issued through one node
 * pairs the tablet through any other. Each code and each tablet's current code expire with the
 * code (Redis' own expiry); a Redis that does not answer is UNAVAILABLE, never "wrong code".
 */
export class RedisPairingCodes implements PairingCodeStore {
  readonly #redis: Redis;
  readonly #ttlMs: number;

  constructor(redis: Redis, { ttlMs = PAIRING_CODE_TTL_MS }: { ttlMs?: number } = {}) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
  }

  async issue(deviceId: string, issuedBy: string): Promise<{ code: string; expiresAt: Date }> {
    const pairing = JSON.stringify({ deviceId, issuedBy } satisfies Pairing);
    for (;;) {
      const code = newPairingCode();
      const expiresAt = new Date(Date.now() + this.#ttlMs);
      const set = await askRedis(() => this.#redis.eval(ISSUE_SCRIPT, 1, DEVICE_PREFIX + deviceId, CODE_PREFIX, code, pairing, this.#ttlMs), CANNOT_PAIR);
      if (set === 1) return { code, expiresAt };
    }
  }

  async redeem(code: string): Promise<Pairing | null> {
    const pairing = await askRedis(() => this.#redis.eval(REDEEM_SCRIPT, 1, CODE_PREFIX + code, DEVICE_PREFIX, code), CANNOT_PAIR);
    if (typeof pairing !== 'string') return null;
    const { deviceId, issuedBy } = JSON.parse(pairing) as Pairing;
    return { deviceId, issuedBy };
  }
}

import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ProtocolError } from '@madoguchi/protocol';
import { RedisPairingCodes } from '../src/cluster/RedisPairingCodes.ts';
import { PAIRING_CODE_TTL_MS, PairingCodes, type PairingCodeStore } from '../src/PairingCodes.ts';
import { startTestRedis, useTestRedis } from './redis.ts';
import { FakeClock } from './routing/support.ts';

const testRedis = useTestRedis();

const REDIS_TTL_MS = 300;

/** Where the codes are kept, and how to let one expire there. */
const STORES: Array<[string, () => { codes: PairingCodeStore; now: () => number; ttlMs: number; expire: () => Promise<void> }]> = [
  ['in memory', () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 1, 0));
    return { codes: new PairingCodes(clock), now: () => clock.now().getTime(), ttlMs: PAIRING_CODE_TTL_MS, expire: async () => clock.advance(PAIRING_CODE_TTL_MS) };
  }],
  // Redis expires the keys itself, in real time: a short lifetime.
  ['in Redis', () => ({
    codes: new RedisPairingCodes(testRedis.client, { ttlMs: REDIS_TTL_MS }),
    now: () => Date.now(),
    ttlMs: REDIS_TTL_MS,
    expire: () => new Promise((resolve) => setTimeout(resolve, REDIS_TTL_MS + 100)),
  })],
];

describe.each(STORES)('pairing codes kept %s', (_where, setup) => {
  it('pair one tablet, once: the code is eight digits, used up by its first use', async () => {
    const { codes, now, ttlMs } = setup();
    const issuedAt = now();
    const { code, expiresAt } = await codes.issue('device-1', 'admin-1');
    expect(code).toMatch(/^\d{8}$/);
    expect(expiresAt.getTime() - issuedAt).toBeGreaterThanOrEqual(ttlMs);
    expect(expiresAt.getTime() - issuedAt).toBeLessThan(ttlMs + 1_000);
    expect(await codes.redeem(code)).toEqual({ deviceId: 'device-1', issuedBy: 'admin-1' });
    expect(await codes.redeem(code)).toBeNull();
    expect(await codes.redeem('00000000')).toBeNull();
  });

  it('a new code for the tablet replaces its earlier one; other tablets’ codes stay', async () => {
    const { codes } = setup();
    const first = await codes.issue('device-2', 'admin-1');
    const other = await codes.issue('device-3', 'admin-1');
    const second = await codes.issue('device-2', 'admin-2');
    expect(await codes.redeem(first.code)).toBeNull();
    expect(await codes.redeem(second.code)).toEqual({ deviceId: 'device-2', issuedBy: 'admin-2' });
    expect(await codes.redeem(other.code)).toEqual({ deviceId: 'device-3', issuedBy: 'admin-1' });
  });

  it('an expired code pairs nothing', async () => {
    const { codes, expire } = setup();
    const { code } = await codes.issue('device-4', 'admin-1');
    await expire();
    expect(await codes.redeem(code)).toBeNull();
  });
});

describe('pairing codes in Redis', () => {
  it('a code issued through one node pairs the tablet through another (each its own connection)', async () => {
    const otherNode = new Redis(testRedis.url);
    try {
      const { code } = await new RedisPairingCodes(testRedis.client).issue('device-5', 'admin-1');
      expect(await new RedisPairingCodes(otherNode).redeem(code)).toEqual({ deviceId: 'device-5', issuedBy: 'admin-1' });
      // Nothing of the tablet's is left behind.
      expect(await testRedis.client.keys('madoguchi:pairing:*device-5*')).toEqual([]);
    } finally {
      otherNode.disconnect();
    }
  });

  it('a Redis that does not answer is UNAVAILABLE, never “wrong code”', async () => {
    const gone = await startTestRedis();
    const client = new Redis(gone.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => {});
    try {
      await gone.stop();
      const refusal = await new RedisPairingCodes(client).redeem('12345678').catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ProtocolError);
      expect((refusal as ProtocolError).code).toBe('UNAVAILABLE');
    } finally {
      client.disconnect();
    }
  });
});

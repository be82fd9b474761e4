import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { LeaseLost, OwnerLease } from '../src/cluster/OwnerLease.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

const TTL_MS = 600;

/** One node's view of a lease, with what it was told. */
function node(redis: Redis, name: string, nodeId: string) {
  const told: string[] = [];
  let acquired: (token: number) => void = () => {};
  const firstAcquired = new Promise<number>((resolve) => (acquired = resolve));
  const lease = new OwnerLease({
    redis,
    name,
    nodeId,
    ttlMs: TTL_MS,
    onAcquired: (token) => {
      told.push(`acquired ${token}`);
      acquired(token);
    },
    onLost: () => told.push('lost'),
  });
  return { lease, told, firstAcquired };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A routing owner per city, held in a real Redis by nodes that each have their own connection. */
describe('OwnerLease', () => {
  let server: TestRedis;
  const connections: Redis[] = [];
  const leases: OwnerLease[] = [];
  const connection = () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    connections.push(redis);
    return redis;
  };
  const start = (name: string, nodeId: string, redis = connection()) => {
    const started = node(redis, name, nodeId);
    leases.push(started.lease);
    started.lease.start();
    return started;
  };

  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    for (const lease of leases) await lease.close();
    for (const redis of connections) redis.disconnect();
    await server?.stop();
  });

  it('one node of two owns a city; when it closes, the other takes over with a larger token', async () => {
    const a = start('routing:city-1', 'node-a');
    const aToken = await a.firstAcquired;
    const b = start('routing:city-1', 'node-b');
    await sleep(TTL_MS);
    expect(b.told).toEqual([]);
    expect(b.lease.token).toBeNull();

    await a.lease.close();
    const bToken = await b.firstAcquired;
    expect(bToken).toBeGreaterThan(aToken);
    expect(a.told).toEqual([`acquired ${aToken}`]); // closing is not losing
  });

  it('an owner whose Redis connection died loses the lease after its lifetime, and a standby takes it once it lapses', async () => {
    const ownerConnection = connection();
    const owner = start('routing:city-2', 'node-a', ownerConnection);
    const ownerToken = await owner.firstAcquired;
    const standby = start('routing:city-2', 'node-b');
    ownerConnection.disconnect(); // as a crashed process: no more renewals, nothing released
    const standbyToken = await standby.firstAcquired;
    expect(standbyToken).toBe(ownerToken + 1);
    // It stops calling itself the owner within its lease's lifetime of its last renewal.
    await expect.poll(() => owner.told, { timeout: 5_000 }).toEqual([`acquired ${ownerToken}`, 'lost']);
    expect(owner.lease.token).toBeNull();
  });

  it('refuses the writes of an owner that was paused past its lease: the successor’s data stands', async () => {
    const redis = connection();
    const paused = start('routing:city-3', 'node-a');
    await paused.firstAcquired;
    await paused.lease.fencedWrite([['HSET', 'madoguchi:test:queue', 'head', 'from node-a']]);
    // The lease lapses while node-a does not run (a long pause): Redis gives it to node-b.
    await redis.del('madoguchi:lease:routing:city-3');
    const successor = start('routing:city-3', 'node-b');
    await successor.firstAcquired;
    await successor.lease.fencedWrite([['HSET', 'madoguchi:test:queue', 'head', 'from node-b']]);

    await expect(paused.lease.fencedWrite([['HSET', 'madoguchi:test:queue', 'head', 'stale, from node-a']])).rejects.toBeInstanceOf(LeaseLost);
    expect(paused.told.at(-1)).toBe('lost');
    expect(await redis.hget('madoguchi:test:queue', 'head')).toBe('from node-b');
  });

  it('a node that does not own the lease cannot write at all', async () => {
    const owner = start('routing:city-4', 'node-a');
    await owner.firstAcquired;
    const other = start('routing:city-4', 'node-b');
    await expect(other.lease.fencedWrite([['SET', 'madoguchi:test:x', '1']])).rejects.toBeInstanceOf(LeaseLost);
  });
});

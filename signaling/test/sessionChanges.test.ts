import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionChange } from '../src/auth/SessionChanges.ts';
import { RedisSessionChanges } from '../src/cluster/RedisSessionChanges.ts';
import { useTestRedis } from './redis.ts';

/** Two nodes' worth of Redis connections: what one announces, every node hears. */
describe('staff session changes between nodes (a real Redis)', () => {
  const redis = useTestRedis();
  const opened: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  });

  const node = async () => {
    const commands = new Redis(redis.url);
    const subscriber = new Redis(redis.url);
    opened.push({ close: () => commands.disconnect() }, { close: () => subscriber.disconnect() });
    const connectionId = String(await subscriber.client('ID'));
    const changes = new RedisSessionChanges({ commands, subscriber });
    opened.push(changes);
    const heard: Array<SessionChange | 'missed'> = [];
    await changes.listen({ changed: (change) => heard.push(change), missed: () => heard.push('missed') });
    return { changes, heard, connectionId };
  };
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('a change one node announces reaches every node; malformed messages are ignored', async () => {
    const [a, b] = [await node(), await node()];
    await redis.client.publish('madoguchi:sessions', 'not json');
    await redis.client.publish('madoguchi:sessions', JSON.stringify({ sessionId: 's1', staffId: 'both is neither' }));
    await redis.client.publish('madoguchi:sessions', JSON.stringify({ sessionId: 42 }));
    await a.changes.announce({ sessionId: 's1' });
    await a.changes.announce({ staffId: 'staff-1' });
    await until(() => b.heard.length === 2 && a.heard.length === 2, 'both changes on both nodes');
    expect(b.heard).toEqual([{ sessionId: 's1' }, { staffId: 'staff-1' }]);
    expect(a.heard).toEqual(b.heard);
  });

  it('a node whose subscription was cut is told it may have missed changes once it is back', async () => {
    const a = await node();
    await redis.client.client('KILL', 'ID', a.connectionId);
    await until(() => a.heard.includes('missed'), 'missed after the reconnection');
    // Subscribed again by itself: later changes are heard.
    const b = await node();
    await b.changes.announce({ sessionId: 's2' });
    await until(() => a.heard.some((change) => change !== 'missed' && 'sessionId' in change && change.sessionId === 's2'), 's2 heard after the cut');
  });

  it('after close, nothing more is heard', async () => {
    const [a, b] = [await node(), await node()];
    await a.changes.close();
    await b.changes.announce({ sessionId: 's3' });
    await until(() => b.heard.length === 1, 'heard by b');
    expect(a.heard).toEqual([]);
  });
});

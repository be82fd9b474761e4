import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ProtocolError } from '@madoguchi/protocol';
import { OwnerChannel } from '../src/cluster/OwnerChannel.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

/** Commands from one node to the owner node, through a real Redis, each node with its own connections. */
describe('OwnerChannel', () => {
  let server: TestRedis;
  const connections: Redis[] = [];
  const channels: OwnerChannel[] = [];
  const open = async (nodeId: string, name = 'routing:city-1') => {
    const [redis, subscriber] = [new Redis(server.url), new Redis(server.url)];
    connections.push(redis, subscriber);
    const channel = await OwnerChannel.open({ redis, subscriber, name, nodeId });
    channels.push(channel);
    return channel;
  };

  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    for (const channel of channels) await channel.close();
    for (const connection of connections) connection.disconnect();
    await server?.stop();
  });

  it('runs a command on the owner and brings its answer or its refusal back; with no owner it is UNAVAILABLE', async () => {
    const owner = await open('node-a');
    const other = await open('node-b');
    await expect(other.request({ kind: 'position', consultationId: 'c1' }, 300)).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    await owner.serve(async (command) => {
      const { kind } = command as { kind: string };
      if (kind === 'position') return { position: 3 };
      throw new ProtocolError('CONFLICT', 'already in a call');
    });
    expect(await other.request({ kind: 'position', consultationId: 'c1' }, 2_000)).toEqual({ position: 3 });
    await expect(other.request({ kind: 'accept' }, 2_000)).rejects.toMatchObject({ code: 'CONFLICT', message: 'already in a call' });
    // The owner can send itself commands the same way.
    expect(await owner.request({ kind: 'position' }, 2_000)).toEqual({ position: 3 });

    await owner.serve(null); // the lease was lost
    await expect(other.request({ kind: 'position' }, 300)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('an owner whose handler fails unexpectedly answers INTERNAL, without its details', async () => {
    const owner = await open('node-a', 'routing:city-2');
    const other = await open('node-b', 'routing:city-2');
    await owner.serve(async () => {
      throw new Error('a bug with secrets in it');
    });
    await expect(other.request({}, 2_000)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the owner could not run the command' });
  });

  it('a closing node answers what it still waits for with UNAVAILABLE', async () => {
    const closing = await open('node-c', 'routing:city-3');
    const refused = expect(closing.request({}, 10_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await closing.close();
    await refused;
  });
});

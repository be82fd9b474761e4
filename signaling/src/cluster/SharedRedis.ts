import type { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import { sayToRedisOnClose } from './askRedis.ts';

const logger = createLogger('redis');

/** How long the start waits for Redis before it refuses to run without it. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The Redis that signaling nodes share (REDIS_URL): one connection for commands and publishing, one
 * for subscriptions (a subscribed connection can do nothing else). Both reconnect by themselves
 * after a cut; close() ends them. A node configured for Redis does not start without it: running
 * alone would split the city's pushes and counts from the other nodes'.
 */
export class SharedRedis {
  readonly commands: Redis;
  readonly subscriber: Redis;
  readonly #createAdapter: typeof createAdapter;
  #closed = false;

  private constructor(commands: Redis, subscriber: Redis, adapter: typeof createAdapter) {
    this.commands = commands;
    this.subscriber = subscriber;
    this.#createAdapter = adapter;
    for (const [name, connection] of [['commands', commands], ['subscriber', subscriber]] as const) {
      // Without a listener ioredis prints every failed reconnection; one line per outage is enough.
      let down = false;
      connection.on('error', (error: Error) => {
        if (!down && !this.#closed) logger.warn(`redis (${name}) unreachable, retrying: ${error.message}`);
        down = true;
      });
      connection.on('ready', () => {
        if (down) logger.info(`redis (${name}) reachable again`);
        down = false;
      });
    }
  }

  static async connect(url: string): Promise<SharedRedis> {
    // Loaded here, not imported at the top: a server without REDIS_URL does not carry the Redis
    // libraries (3 MB of heap; README, Benchmarks, memory).
    const [{ Redis }, { createAdapter }] = await Promise.all([import('ioredis'), import('@socket.io/redis-adapter')]);
    const options = { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: null };
    const commands = new Redis(url, options);
    const subscriber = new Redis(url, options);
    const shared = new SharedRedis(commands, subscriber, createAdapter);
    try {
      await Promise.all([commands.connect(), subscriber.connect()]);
    } catch (error) {
      await shared.close();
      throw new Error(`REDIS_URL: cannot reach Redis at ${redactedUrl(url)}: ${(error as Error).message}`);
    }
    return shared;
  }

  /** socket.io's Redis adapter over these connections: a push reaches a socket on any node. */
  socketAdapter(key: string): ReturnType<typeof createAdapter> {
    return this.#createAdapter(this.commands, this.subscriber, { key });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // QUIT waits for Redis; a Redis that is gone gets a plain disconnect after a while.
    await Promise.all(
      [this.commands, this.subscriber].map(async (connection) => {
        await sayToRedisOnClose(() => connection.quit());
        connection.disconnect();
      }),
    );
  }
}

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

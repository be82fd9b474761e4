import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from './redisServer.ts';

export { startTestRedis, type TestRedis } from './redisServer.ts';

/**
 * A test Redis for the file's (or the describe block's) tests, with one client connected to it:
 * started before them, its client closed and the server stopped after them, also when they fail.
 */
export function useTestRedis(): { readonly url: string; readonly client: Redis } {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startTestRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get url() {
      return server!.url;
    },
    get client() {
      return client!;
    },
  };
}

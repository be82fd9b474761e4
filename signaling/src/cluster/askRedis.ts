import { ProtocolError } from '@madoguchi/protocol';

/** How long a request may wait for the shared Redis before it is answered UNAVAILABLE. */
const REDIS_PATIENCE_MS = 2_000;

/**
 * `command`'s answer, or UNAVAILABLE (503, "try again shortly") when Redis fails or does not answer
 * within REDIS_PATIENCE_MS: an infrastructure fault is never turned into a refusal or a pass.
 */
export async function askRedis<T>(command: () => Promise<T>, cannot: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), REDIS_PATIENCE_MS);
  });
  try {
    return await Promise.race([command(), late]);
  } catch (error) {
    throw new ProtocolError('UNAVAILABLE', `${cannot} now (${(error as Error).message}); try again shortly`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A last word to Redis on the way out (releasing the lease, deleting a key, unsubscribing): given up
 * after REDIS_PATIENCE_MS, so that a node whose Redis is gone still stops (ioredis would retry it for
 * ever). What it could not say lapses with its key's expiry.
 */
export async function sayToRedisOnClose(command: () => Promise<unknown>): Promise<void> {
  await askRedis(command, 'cannot reach Redis').catch(() => {});
}

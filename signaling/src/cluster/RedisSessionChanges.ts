import type { Redis } from 'ioredis';
import { z } from 'zod';
import { createLogger } from '@madoguchi/protocol/logger';
import type { SessionChange, SessionChangeListener, SessionChanges } from '../auth/SessionChanges.ts';
import { safeJson } from './OwnerChannel.ts';
import { sayToRedisOnClose } from './askRedis.ts';

const logger = createLogger('redis');

const CHANNEL = 'madoguchi:sessions';

const Change = z.union([z.object({ sessionId: z.string().min(1).max(200) }).strict(), z.object({ staffId: z.string().min(1).max(200) }).strict()]);

/**
 * Session changes over Redis pub/sub. Pub/sub delivers only to connected subscribers: when the
 * subscription comes back after a cut, the listener is told that changes may have been missed.
 */
export class RedisSessionChanges implements SessionChanges {
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  #listener: SessionChangeListener | undefined;

  constructor({ commands, subscriber }: { commands: Redis; subscriber: Redis }) {
    this.#commands = commands;
    this.#subscriber = subscriber;
  }

  async announce(change: SessionChange): Promise<void> {
    await this.#commands.publish(CHANNEL, JSON.stringify(change));
  }

  async listen(listener: SessionChangeListener): Promise<void> {
    if (this.#listener) throw new Error('RedisSessionChanges: already listening');
    this.#listener = listener;
    this.#subscriber.on('message', this.#onMessage);
    await this.#subscriber.subscribe(CHANNEL);
    // Only a connection made after the subscription is a reconnection.
    this.#subscriber.on('ready', this.#onReady);
  }

  async close(): Promise<void> {
    if (!this.#listener) return;
    this.#listener = undefined;
    this.#subscriber.off('message', this.#onMessage);
    this.#subscriber.off('ready', this.#onReady);
    await sayToRedisOnClose(() => this.#subscriber.unsubscribe(CHANNEL));
  }

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel !== CHANNEL) return;
    const change = Change.safeParse(safeJson(message));
    if (change.success) this.#listener?.changed(change.data);
    else logger.warn(`ignored a malformed message on ${CHANNEL}`);
  };

  /** ioredis subscribes again by itself after a reconnection; what was published meanwhile is lost. */
  readonly #onReady = (): void => {
    this.#listener?.missed();
  };
}

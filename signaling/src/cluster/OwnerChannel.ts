import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorCode, ProtocolError } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import { sayToRedisOnClose } from './askRedis.ts';

const logger = createLogger('owner-channel');

const Request = z.object({ id: z.string(), replyTo: z.string(), command: z.unknown() });
const Reply = z.union([
  // JSON leaves out the data of a command that returns nothing.
  z.object({ id: z.string(), ok: z.literal(true), data: z.unknown().optional() }),
  z.object({ id: z.string(), ok: z.literal(false), error: z.object({ code: ErrorCode, message: z.string() }) }),
]);

export interface OwnerChannelOptions {
  /** Publishes requests and replies. */
  redis: Redis;
  /** A connection of the channel's own for its subscriptions (it can do nothing else). */
  subscriber: Redis;
  /** What is owned, as for the OwnerLease (`routing:<city>`). */
  name: string;
  /** This node's id: where its replies come. */
  nodeId: string;
}

/**
 * Commands from any node to the node that owns something (a city's routing), over Redis pub/sub:
 * a request names the node to reply to and an id; the owner runs it and replies. A request that
 * nobody answers in time — no owner at that moment (a take-over under way), or Redis cut — is
 * UNAVAILABLE for the caller to try again: never a verdict on the command.
 */
export class OwnerChannel {
  readonly #options: OwnerChannelOptions;
  readonly #requests: string;
  readonly #replies: string;
  readonly #pending = new Map<string, { resolve(data: unknown): void; reject(error: Error): void; timer: ReturnType<typeof setTimeout> }>();
  #serving: ((command: unknown) => Promise<unknown>) | null = null;
  readonly #onMessage = (channel: string, message: string) => this.#received(channel, message);
  #closed = false;

  private constructor(options: OwnerChannelOptions) {
    this.#options = options;
    this.#requests = `madoguchi:owner:${options.name}:requests`;
    this.#replies = `madoguchi:node:${options.nodeId}:replies:${options.name}`;
  }

  static async open(options: OwnerChannelOptions): Promise<OwnerChannel> {
    const channel = new OwnerChannel(options);
    options.subscriber.on('message', channel.#onMessage);
    await options.subscriber.subscribe(channel.#replies);
    return channel;
  }

  /** Runs `command` on the owner; rejects with the owner's ProtocolError, or UNAVAILABLE after `timeoutMs`. */
  request(command: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ProtocolError('UNAVAILABLE', 'this node is shutting down'));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ProtocolError('UNAVAILABLE', `no answer from the owner of ${this.#options.name}; try again shortly`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#options.redis.publish(this.#requests, JSON.stringify({ id, replyTo: this.#replies, command })).catch(() => {
        // Redis cut: the timer answers UNAVAILABLE.
      });
    });
  }

  /** This node owns it now: run the commands that come (one handler; null stops serving). */
  async serve(handler: ((command: unknown) => Promise<unknown>) | null): Promise<void> {
    const was = this.#serving;
    this.#serving = handler;
    if (handler && !was) await this.#options.subscriber.subscribe(this.#requests);
    if (!handler && was) await this.#options.subscriber.unsubscribe(this.#requests);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.subscriber.off('message', this.#onMessage);
    for (const [id, { reject, timer }] of this.#pending) {
      clearTimeout(timer);
      this.#pending.delete(id);
      reject(new ProtocolError('UNAVAILABLE', 'this node is shutting down'));
    }
    const channels = [this.#replies, ...(this.#serving ? [this.#requests] : [])];
    await sayToRedisOnClose(() => this.#options.subscriber.unsubscribe(...channels));
    this.#serving = null;
  }

  #received(channel: string, message: string): void {
    if (channel === this.#replies) return this.#replied(message);
    if (channel === this.#requests && this.#serving) void this.#answer(this.#serving, message);
  }

  #replied(message: string): void {
    const reply = Reply.safeParse(safeJson(message));
    if (!reply.success) return logger.warn('a malformed reply was dropped');
    const pending = this.#pending.get(reply.data.id);
    if (!pending) return; // answered after its caller gave up
    clearTimeout(pending.timer);
    this.#pending.delete(reply.data.id);
    if (reply.data.ok) pending.resolve(reply.data.data);
    else pending.reject(new ProtocolError(reply.data.error.code, reply.data.error.message));
  }

  async #answer(handler: (command: unknown) => Promise<unknown>, message: string): Promise<void> {
    const request = Request.safeParse(safeJson(message));
    if (!request.success) return logger.warn('a malformed request was dropped');
    const { id, replyTo, command } = request.data;
    let reply: z.infer<typeof Reply>;
    try {
      reply = { id, ok: true, data: await handler(command) };
    } catch (error) {
      reply =
        error instanceof ProtocolError
          ? { id, ok: false, error: { code: error.code, message: error.message } }
          : { id, ok: false, error: { code: 'INTERNAL', message: 'the owner could not run the command' } };
      if (!(error instanceof ProtocolError)) logger.error(`${this.#options.name}: a command failed on the owner:`, error);
    }
    await this.#options.redis.publish(replyTo, JSON.stringify(reply)).catch(() => {
      // Redis cut: the caller's timer answers UNAVAILABLE.
    });
  }
}

/** A message from another node, parsed; undefined when it is not JSON (its schema then refuses it). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

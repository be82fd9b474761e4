import { ProtocolError } from '@madoguchi/protocol';

/** A refusal the HTTP layer answers with 429 and a Retry-After header. */
export class TooManyAttempts extends ProtocolError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Distinct keys kept at most. Past it, expired keys are dropped, then the least recently active down
 * to nine tenths, so that the sweep runs once per thousand new keys, not on every attempt.
 */
const MAX_TRACKED_KEYS = 10_000;
const KEYS_AFTER_EVICTION = 9_000;

/**
 * Attempts per key (an address, an address and a username, …) over a sliding window, wherever they
 * are kept: in this process (AttemptWindow) or in the Redis that signaling nodes share
 * (RedisAttemptLog), so that a guess refused on one node is refused on every node.
 */
export interface AttemptLog {
  /** Throws TooManyAttempts (with the seconds until the key is under `limit` again) when it has reached `limit`. */
  refuseIfOver(key: string, limit: number, message: string): Promise<void>;
  /** Counts an attempt unless the key has reached `limit` (then as refuseIfOver): one step, so attempts made at once cannot all pass. */
  take(key: string, limit: number, message: string): Promise<void>;
  /** Counts an attempt; returns the key's attempts within the window, this one included. */
  add(key: string): Promise<number>;
  /** Gives back the key's latest attempt (one that turned out not to count). */
  removeLatest(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** The refusal for a key whose `limit`-th latest attempt was at `limitingAttempt`. */
export function tooManyAttempts(message: string, limitingAttempt: number, windowMs: number, now: number): TooManyAttempts {
  return new TooManyAttempts(message, Math.max(1, Math.ceil((limitingAttempt + windowMs - now) / 1000)));
}

/**
 * An AttemptLog in this process's memory. Memory is bounded: a flood of new keys evicts the least
 * recently active ones, never grows without end.
 */
export class AttemptWindow implements AttemptLog {
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Attempt times (ms) by key, oldest first; a Map keeps insertion order for eviction. */
  readonly #attempts = new Map<string, number[]>();

  constructor({ windowMs, now }: { windowMs: number; now: () => number }) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  async refuseIfOver(key: string, limit: number, message: string): Promise<void> {
    this.#refuseIfOver(key, limit, message);
  }

  async take(key: string, limit: number, message: string): Promise<void> {
    this.#refuseIfOver(key, limit, message);
    this.#add(key);
  }

  async add(key: string): Promise<number> {
    return this.#add(key);
  }

  async removeLatest(key: string): Promise<void> {
    const attempts = this.#attempts.get(key);
    attempts?.pop();
    if (attempts?.length === 0) this.#attempts.delete(key);
  }

  async clear(key: string): Promise<void> {
    this.#attempts.delete(key);
  }

  #refuseIfOver(key: string, limit: number, message: string): void {
    const now = this.#now();
    const attempts = this.#recent(key, now);
    if (attempts.length >= limit) throw tooManyAttempts(message, attempts[attempts.length - limit]!, this.#windowMs, now);
  }

  #add(key: string): number {
    const now = this.#now();
    const attempts = this.#recent(key, now);
    attempts.push(now);
    this.#attempts.delete(key); // re-inserted last: the most recently active key is evicted last
    this.#attempts.set(key, attempts);
    this.#evict(now);
    return attempts.length;
  }

  /** The key's attempts still inside the window (the stored list is trimmed in place). */
  #recent(key: string, now: number): number[] {
    const attempts = this.#attempts.get(key);
    if (!attempts) return [];
    const cutoff = now - this.#windowMs;
    while (attempts.length > 0 && attempts[0]! <= cutoff) attempts.shift();
    if (attempts.length === 0) this.#attempts.delete(key);
    return attempts;
  }

  #evict(now: number): void {
    if (this.#attempts.size <= MAX_TRACKED_KEYS) return;
    for (const key of [...this.#attempts.keys()]) this.#recent(key, now);
    for (const key of this.#attempts.keys()) {
      if (this.#attempts.size <= KEYS_AFTER_EVICTION) break;
      this.#attempts.delete(key);
    }
  }
}

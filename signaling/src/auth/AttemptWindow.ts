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
 * Attempts per key (an address, an address and a username, …) over a sliding window. Memory is
 * bounded: a flood of new keys evicts the least recently active ones, never grows without end.
 */
export class AttemptWindow {
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Attempt times (ms) by key, oldest first; a Map keeps insertion order for eviction. */
  readonly #attempts = new Map<string, number[]>();

  constructor({ windowMs, now }: { windowMs: number; now: () => number }) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Throws TooManyAttempts (with the seconds until the key is under `limit` again) when it has reached `limit`. */
  refuseIfOver(key: string, limit: number, message: string): void {
    const now = this.#now();
    const attempts = this.#recent(key, now);
    if (attempts.length < limit) return;
    throw new TooManyAttempts(message, Math.max(1, Math.ceil((attempts[attempts.length - limit]! + this.#windowMs - now) / 1000)));
  }

  /** Counts an attempt; returns the key's attempts within the window, this one included. */
  add(key: string): number {
    const now = this.#now();
    const attempts = this.#recent(key, now);
    attempts.push(now);
    this.#attempts.delete(key); // re-inserted last: the most recently active key is evicted last
    this.#attempts.set(key, attempts);
    this.#evict(now);
    return attempts.length;
  }

  /** Gives back the key's latest attempt (one that turned out not to count). */
  removeLatest(key: string): void {
    const attempts = this.#attempts.get(key);
    attempts?.pop();
    if (attempts?.length === 0) this.#attempts.delete(key);
  }

  clear(key: string): void {
    this.#attempts.delete(key);
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

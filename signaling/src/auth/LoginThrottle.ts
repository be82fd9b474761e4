import { ProtocolError } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Clock } from '../clock.ts';

const logger = createLogger('login');

export interface LoginThrottleOptions {
  clock: Clock;
  /** Failed logins for one username from one address within the window before that pair is refused. */
  failuresPerAccount: number;
  /** Failed logins from one address (any username) within the window before the address is refused. */
  failuresPerAddress: number;
  windowMs: number;
  /** Password checks running at once: each scrypt check takes 128 MiB and a libuv thread. */
  concurrentChecks: number;
  /** Checks allowed to wait for a slot; beyond that a login is refused at once. */
  queuedChecks: number;
}

export const DEFAULT_LOGIN_LIMITS = { failuresPerAccount: 5, failuresPerAddress: 20, windowMs: 15 * 60_000, concurrentChecks: 2, queuedChecks: 16 };

/**
 * Distinct failure keys kept at most. Past it, expired keys are dropped, then the least recently
 * failed down to nine tenths, so that the sweep runs once per thousand new keys, not on every failure.
 */
const MAX_TRACKED_KEYS = 10_000;
const KEYS_AFTER_EVICTION = 9_000;

/** A refusal the HTTP layer answers with 429 and a Retry-After header. */
export class LoginRefused extends ProtocolError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Guards password login against guessing and against floods. Failures are counted per address and
 * per (address, username) over a sliding window — per pair rather than per username, so that
 * nobody can lock a colleague out by typing their name wrong from elsewhere. Password checks go
 * through a small gate, so a flood of logins cannot take all memory or starve the thread pool that
 * file writes and the database also use.
 */
export class LoginThrottle {
  readonly #options: LoginThrottleOptions;
  /** Failure times (ms) by key, oldest first; a Map keeps insertion order for eviction. */
  readonly #failures = new Map<string, number[]>();
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: LoginThrottleOptions) {
    this.#options = options;
  }

  /** Throws LoginRefused when this address, or this address for this username, failed too often. */
  check(address: string, username: string): void {
    const now = this.#options.clock.now().getTime();
    for (const [key, limit] of this.#keys(address, username)) {
      const failures = this.#recent(key, now);
      if (failures.length >= limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((failures[0]! + this.#options.windowMs - now) / 1000));
        throw new LoginRefused('too many failed logins; try again later', retryAfterSeconds);
      }
    }
  }

  recordFailure(address: string, username: string): void {
    const now = this.#options.clock.now().getTime();
    for (const [key, limit] of this.#keys(address, username)) {
      const failures = this.#recent(key, now);
      failures.push(now);
      this.#failures.delete(key); // re-inserted last: the most recently active key is evicted last
      this.#failures.set(key, failures);
      if (failures.length === limit) logger.warn(`login refused for ${this.#options.windowMs / 60_000} min after ${limit} failures: ${key}`);
    }
    this.#evict(now);
  }

  /** A right password clears the pair's failures (the address's count stays: it guards guessing across names). */
  recordSuccess(address: string, username: string): void {
    this.#failures.delete(pairKey(address, username));
  }

  /** Runs a password check when a slot is free; refuses at once when too many are waiting. */
  async gate<T>(check: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#options.concurrentChecks) {
      if (this.#waiting.length >= this.#options.queuedChecks) throw new LoginRefused('the server is busy with logins; try again', 1);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await check();
    } finally {
      // The slot passes straight to the next waiter, so the count never dips below the limit.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  #keys(address: string, username: string): Array<[string, number]> {
    return [
      [`address ${address}`, this.#options.failuresPerAddress],
      [pairKey(address, username), this.#options.failuresPerAccount],
    ];
  }

  /** The key's failures still inside the window (the stored list is trimmed in place). */
  #recent(key: string, now: number): number[] {
    const failures = this.#failures.get(key);
    if (!failures) return [];
    const cutoff = now - this.#options.windowMs;
    while (failures.length > 0 && failures[0]! <= cutoff) failures.shift();
    if (failures.length === 0) this.#failures.delete(key);
    return failures;
  }

  #evict(now: number): void {
    if (this.#failures.size <= MAX_TRACKED_KEYS) return;
    for (const key of [...this.#failures.keys()]) this.#recent(key, now);
    for (const key of this.#failures.keys()) {
      if (this.#failures.size <= KEYS_AFTER_EVICTION) break;
      this.#failures.delete(key);
    }
  }
}

const pairKey = (address: string, username: string) => `account ${username.normalize('NFKC').toLowerCase()} from ${address}`;

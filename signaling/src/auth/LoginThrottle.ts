import { createLogger } from '@madoguchi/protocol/logger';
import type { Clock } from '../clock.ts';
import { AttemptWindow, TooManyAttempts, type AttemptLog } from './AttemptWindow.ts';

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
 * Guards password login against guessing and against floods. Failures are counted per address and
 * per (address, username) over a sliding window — per pair rather than per username, so that
 * nobody can lock a colleague out by typing their name wrong from elsewhere. Password checks go
 * through a small gate, so a flood of logins cannot take all memory or starve the thread pool that
 * file writes and the database also use.
 */
export class LoginThrottle {
  readonly #options: LoginThrottleOptions;
  readonly #failures: AttemptLog;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  /**
   * `failures`: where failures are counted — this process by default, or the Redis that signaling
   * nodes share (made with this throttle's window), so that every node refuses the same guesser.
   */
  constructor(options: LoginThrottleOptions, failures?: AttemptLog) {
    this.#options = options;
    this.#failures = failures ?? new AttemptWindow({ windowMs: options.windowMs, now: () => options.clock.now().getTime() });
  }

  /** Throws TooManyAttempts when this address, or this address for this username, failed too often. */
  async check(address: string, username: string): Promise<void> {
    for (const [key, limit] of this.#keys(address, username)) await this.#failures.refuseIfOver(key, limit, 'too many failed logins; try again later');
  }

  async recordFailure(address: string, username: string): Promise<void> {
    for (const [key, limit] of this.#keys(address, username)) {
      if ((await this.#failures.add(key)) === limit) logger.warn(`login refused for ${this.#options.windowMs / 60_000} min after ${limit} failures: ${key}`);
    }
  }

  /** A right password clears the pair's failures (the address's count stays: it guards guessing across names). */
  async recordSuccess(address: string, username: string): Promise<void> {
    await this.#failures.clear(pairKey(address, username));
  }

  /** Runs a password check when a slot is free; refuses at once when too many are waiting. */
  async gate<T>(check: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#options.concurrentChecks) {
      if (this.#waiting.length >= this.#options.queuedChecks) throw new TooManyAttempts('the server is busy with logins; try again', 1);
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
}

const pairKey = (address: string, username: string) => `account ${username.normalize('NFKC').toLowerCase()} from ${address}`;

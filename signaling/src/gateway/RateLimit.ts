/** A sustained rate and the burst allowed on top of it. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/**
 * A token bucket that runs into debt: every refused attempt costs a token too, so a client that
 * keeps sending while refused stays refused, and one that owes more than a whole burst is
 * `abusive`. A client that pauses is forgiven at the sustained rate.
 *
 * It measures elapsed real time (monotonic, injectable for tests), not the domain's clock: a
 * flood is a flood whatever time the consultations think it is.
 */
export class TokenBucket {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.#limit = limit;
    this.#now = now;
    this.#tokens = limit.burst;
    this.#updatedAt = now();
  }

  /** Spend a token: true if the attempt is within the limit. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#limit.burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#limit.perSecond);
    this.#updatedAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0;
  }

  /** Refused attempts have gone on for more than a whole burst. */
  get abusive(): boolean {
    return this.#tokens < -this.#limit.burst;
  }
}

/** What this browser's video senders have done so far in one session (null: no video is being sent). */
export interface SentVideoProgress {
  /** Frames the cameras delivered to the senders. */
  captured: number;
  /** Frames the encoders turned out of them. */
  encoded: number;
}

/**
 * Notices video encoders that stopped while their cameras still deliver frames and the link is up:
 * a sender stuck in its own congestion control (seen in CI: both cameras' encoders "limited by
 * bandwidth" a second into a call, for good, while the microphone kept flowing on the same
 * connection). A new connection starts its congestion control afresh. A camera that stopped
 * delivering frames is no encoder stall: a new connection would not help it.
 */
export class SendStallWatch {
  readonly #stallMs: number;
  #last: SentVideoProgress | null = null;
  /** The last reading at which the encoders had turned out a frame (or the watch started again). */
  #progressAt = 0;

  constructor(stallMs: number) {
    this.#stallMs = stallMs;
  }

  /** A reading taken at `at` while the link is up; true once the encoders have been stuck stallMs. */
  observe(at: number, progress: SentVideoProgress | null): boolean {
    const last = this.#last;
    this.#last = progress;
    // Nothing to watch, or another set of senders (counters went back), or frames encoded, or none
    // captured: the stall, if any, starts from here.
    const stuck = progress && last && progress.captured > last.captured && progress.encoded === last.encoded;
    if (!stuck) {
      this.#progressAt = at;
      return false;
    }
    return at - this.#progressAt >= this.#stallMs;
  }

  /** The link is down or the session changed: readings start again. */
  reset(): void {
    this.#last = null;
  }
}

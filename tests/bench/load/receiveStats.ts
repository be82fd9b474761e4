/**
 * What a receiver counts of one incoming RTP stream from headers alone: packets, the extended
 * highest sequence number (so losses), interarrival jitter (RFC 3550 §6.4.1, A.8) and frames
 * (one marker bit ends each video frame).
 */
export class ReceiveStats {
  readonly clockRate: number;
  received = 0;
  /** Bytes of the packets received, as they came (SRTP, without UDP/IP headers). */
  bytes = 0;
  frames = 0;
  #baseSeq = -1;
  #highestExtended = -1;
  #transit: number | null = null;
  /** RFC 3550's estimate, in RTP timestamp units. */
  #jitter = 0;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
  }

  /** Note one packet: its header fields, its arrival time in milliseconds and its size. */
  onPacket(sequenceNumber: number, timestamp: number, marker: boolean, arrivalMs: number, bytes: number): void {
    this.received++;
    this.bytes += bytes;
    if (marker) this.frames++;
    if (this.#highestExtended < 0) {
      this.#baseSeq = sequenceNumber;
      this.#highestExtended = sequenceNumber;
    } else {
      // Pick the extended number closest to the highest seen: handles wrap-around and reordering.
      const cycle = this.#highestExtended - (this.#highestExtended & 0xffff);
      let extended = cycle + sequenceNumber;
      if (extended - this.#highestExtended > 0x8000) extended -= 0x10000;
      else if (this.#highestExtended - extended > 0x8000) extended += 0x10000;
      if (extended > this.#highestExtended) this.#highestExtended = extended;
    }
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - timestamp;
    if (this.#transit !== null) {
      let delta = Math.abs(transit - this.#transit);
      // A 32-bit timestamp wrap looks like a huge jump of transit time; it is none.
      if (delta > 2 ** 31) delta = Math.abs(delta - 2 ** 32);
      this.#jitter += (delta - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  /** Packets the sender numbered so far (first to highest received): what was sent to us. */
  get expected(): number {
    return this.#highestExtended < 0 ? 0 : this.#highestExtended - this.#baseSeq + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  get jitterMs(): number {
    return (this.#jitter * 1000) / this.clockRate;
  }
}

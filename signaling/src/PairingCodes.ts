import { randomInt } from 'node:crypto';
import type { Clock } from './clock.ts';

/** How long a pairing code may be entered on the tablet. */
export const PAIRING_CODE_TTL_MS = 10 * 60_000;
const CODE_DIGITS = 8;

/** A random code of CODE_DIGITS digits. */
export function newPairingCode(): string {
  return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/** Who a code pairs, and the admin who issued it (the pairing is audited in their name). */
export interface Pairing {
  deviceId: string;
  issuedBy: string;
}

/**
 * Short one-time codes that pair a tablet: a post-office clerk types 8 digits (or scans the QR code
 * the admin's console shows) instead of a 300-character token. A code is good once, for
 * PAIRING_CODE_TTL_MS, for one tablet; a new code for the tablet replaces the old one. Guessing is
 * bounded by the login throttle per address (10^8 codes, a handful of attempts).
 */
export interface PairingCodeStore {
  issue(deviceId: string, issuedBy: string): Promise<{ code: string; expiresAt: Date }>;
  /** The pairing the code stands for, used up; null for a wrong or expired code. */
  redeem(code: string): Promise<Pairing | null>;
}

interface PendingPairing extends Pairing {
  expiresAt: number;
}

/**
 * The codes of one process, in memory: a restart forgets them, and the admin issues another. Nodes
 * that share a Redis keep them there instead (RedisPairingCodes), so a code issued through one node
 * pairs a tablet through another.
 */
export class PairingCodes implements PairingCodeStore {
  readonly #clock: Clock;
  readonly #byCode = new Map<string, PendingPairing>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async issue(deviceId: string, issuedBy: string): Promise<{ code: string; expiresAt: Date }> {
    this.#sweep();
    for (const [code, pending] of this.#byCode) if (pending.deviceId === deviceId) this.#byCode.delete(code);
    let code: string;
    do code = newPairingCode();
    while (this.#byCode.has(code));
    const expiresAt = this.#clock.now().getTime() + PAIRING_CODE_TTL_MS;
    this.#byCode.set(code, { deviceId, issuedBy, expiresAt });
    return { code, expiresAt: new Date(expiresAt) };
  }

  async redeem(code: string): Promise<Pairing | null> {
    this.#sweep();
    const pending = this.#byCode.get(code);
    if (!pending) return null;
    this.#byCode.delete(code);
    return { deviceId: pending.deviceId, issuedBy: pending.issuedBy };
  }

  /** Expired codes go on every use: at most one per tablet is ever kept. */
  #sweep(): void {
    const now = this.#clock.now().getTime();
    for (const [code, pending] of this.#byCode) if (pending.expiresAt <= now) this.#byCode.delete(code);
  }
}

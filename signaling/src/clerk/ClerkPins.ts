import { hashPassword, verifyPassword, type PrismaClient } from '@madoguchi/db';
import { ProtocolError, type ClerkLock, type ClerkUnlockResult } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { DevicePrincipal } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';

const logger = createLogger('clerk-pin');

/** Wrong PINs in a row before a site's PIN pad locks. */
export const WRONG_PINS_BEFORE_LOCK = 5;
/** How long it stays locked; wrong PINs older than this are forgotten too. */
export const PIN_LOCK_MS = 5 * 60_000;

interface WrongPins {
  count: number;
  lastAt: number;
  lockedUntil: number | null;
}

export interface ClerkPinsOptions {
  db: PrismaClient;
  clock: Clock;
  /** Where scrypt checks queue (the login's gate): each takes 128 MiB and a thread-pool slot. */
  gate<T>(check: () => Promise<T>): Promise<T>;
}

/**
 * The clerk PIN of each site: set by admins (only its scrypt hash is stored), checked for the
 * site's tablets, with a lockout per site after WRONG_PINS_BEFORE_LOCK wrong PINs — per site, not
 * per tablet, so that more tablets do not mean more guesses.
 */
export class ClerkPins {
  readonly #options: ClerkPinsOptions;
  /** Recent wrong PINs by site id (at most one entry per site); deleted on a right PIN, a new PIN, or once forgotten. */
  readonly #wrong = new Map<string, WrongPins>();

  constructor(options: ClerkPinsOptions) {
    this.#options = options;
  }

  /** A new PIN (null: none) for the site; any lockout of the old one is lifted. */
  async set(siteId: string, pin: string | null): Promise<void> {
    const clerkPinHash = pin === null ? null : await this.#options.gate(() => hashPassword(pin));
    await this.#options.db.site.update({ where: { id: siteId }, data: { clerkPinHash } });
    this.#wrong.delete(siteId);
  }

  async status(device: DevicePrincipal): Promise<ClerkLock> {
    return { pinSet: (await this.#hash(device.siteId)) !== null, retryAfterSeconds: this.#retryAfterSeconds(device.siteId) };
  }

  async unlock(device: DevicePrincipal, pin: string): Promise<ClerkUnlockResult> {
    const { siteId } = device;
    const locked = this.#retryAfterSeconds(siteId);
    if (locked !== null) return { unlocked: false, attemptsLeft: 0, retryAfterSeconds: locked };
    const hash = await this.#hash(siteId);
    // No PIN set: the settings open to anyone, as before clerk mode (the admin's site screen warns).
    if (hash === null || (await this.#options.gate(() => verifyPassword(pin, hash)))) {
      this.#wrong.delete(siteId);
      return { unlocked: true, attemptsLeft: WRONG_PINS_BEFORE_LOCK, retryAfterSeconds: null };
    }
    const wrong = this.#recordWrong(siteId, device);
    return { unlocked: false, attemptsLeft: Math.max(0, WRONG_PINS_BEFORE_LOCK - wrong.count), retryAfterSeconds: this.#retryAfterSeconds(siteId) };
  }

  /**
   * Residents' names on the tablet (today's bookings): the site's PIN itself, with each request —
   * never shown where no PIN is set. A wrong PIN counts towards the lockout as at the pad.
   */
  async authorizeNames(device: DevicePrincipal, pin: string): Promise<void> {
    if ((await this.#hash(device.siteId)) === null) throw new ProtocolError('FORBIDDEN', 'this site has no clerk PIN');
    if (!(await this.unlock(device, pin)).unlocked) throw new ProtocolError('FORBIDDEN', 'wrong clerk PIN');
  }

  async #hash(siteId: string): Promise<string | null> {
    const site = await this.#options.db.site.findUnique({ where: { id: siteId }, select: { clerkPinHash: true } });
    return site?.clerkPinHash ?? null;
  }

  #recordWrong(siteId: string, device: DevicePrincipal): WrongPins {
    const now = this.#options.clock.now().getTime();
    const wrong = this.#current(siteId, now) ?? { count: 0, lastAt: now, lockedUntil: null };
    wrong.count += 1;
    wrong.lastAt = now;
    if (wrong.count >= WRONG_PINS_BEFORE_LOCK) {
      wrong.lockedUntil = now + PIN_LOCK_MS;
      logger.warn(`clerk PIN of site ${device.siteName} locked for ${PIN_LOCK_MS / 60_000} min after ${wrong.count} wrong PINs (tablet ${device.deviceId})`);
    }
    this.#wrong.set(siteId, wrong);
    return wrong;
  }

  #retryAfterSeconds(siteId: string): number | null {
    const now = this.#options.clock.now().getTime();
    const lockedUntil = this.#current(siteId, now)?.lockedUntil ?? null;
    return lockedUntil === null ? null : Math.max(1, Math.ceil((lockedUntil - now) / 1000));
  }

  /** The site's wrong PINs still in force; a lock run out or wrong PINs long past are forgotten here. */
  #current(siteId: string, now: number): WrongPins | undefined {
    const wrong = this.#wrong.get(siteId);
    if (!wrong) return undefined;
    const over = wrong.lockedUntil !== null ? wrong.lockedUntil <= now : now - wrong.lastAt >= PIN_LOCK_MS;
    if (over) {
      this.#wrong.delete(siteId);
      return undefined;
    }
    return wrong;
  }
}

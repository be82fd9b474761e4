import { z } from 'zod';
import { Id, SiteSummary } from './domain.ts';

/**
 * Clerk mode: what the site's clerk (the post-office or branch clerk who looks after the booth)
 * does on the tablet, and how a resident asks for them.
 */

/** The clerk PIN an admin sets per site: 4–8 digits, typed on the kiosk's PIN pad. */
export const ClerkPin = z.string().regex(/^\d{4,8}$/, '4–8 digits');

/** PUT /api/admin/sites/:id/clerk-pin (admins); DELETE the same path removes it. */
export const SetClerkPinRequest = z.strictObject({ pin: ClerkPin });
export type SetClerkPinRequest = z.infer<typeof SetClerkPinRequest>;

/** Whether the tablet's clerk screens need the PIN, and how long the PIN pad is locked after wrong PINs. */
export const ClerkLock = z.object({
  pinSet: z.boolean(),
  /** Seconds until the PIN may be tried again; null when it may be tried now. */
  retryAfterSeconds: z.number().int().min(1).nullable(),
});
export type ClerkLock = z.infer<typeof ClerkLock>;

export const ClerkUnlockResult = z.object({
  unlocked: z.boolean(),
  /** Wrong PINs still allowed before the pad locks (0 when locked). */
  attemptsLeft: z.number().int().min(0),
  retryAfterSeconds: z.number().int().min(1).nullable(),
});
export type ClerkUnlockResult = z.infer<typeof ClerkUnlockResult>;

/** 職員を呼ぶ not yet acknowledged, as supervisors' consoles show it. */
export const HelpCall = z.object({
  helpCallId: Id,
  site: SiteSummary,
  deviceName: z.string(),
  requestedAt: z.iso.datetime(),
  /** Presses so far (repeated presses are one call). */
  presses: z.number().int().min(1),
});
export type HelpCall = z.infer<typeof HelpCall>;

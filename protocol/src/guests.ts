import { z } from 'zod';
import { ErrorCode } from './errors.ts';
import { Id, type MediaSource } from './domain.ts';

/**
 * Guests by link (issue 14): someone who is not at the booth joins a call — an interpreter, a
 * sign-language interpreter, a family member from another city, staff of another organisation
 * (社会福祉協議会, 地域包括支援センター). The operator invites them from the console and gets a one-time
 * link with a short expiry; the guest opens it in any browser, checks camera and microphone, and
 * waits in a lobby until the operator admits them.
 */

/** What the guest is to the call: 通訳 / 手話通訳 / 家族 / 関係機関. */
export const GuestKind = z.enum(['interpreter', 'sign_interpreter', 'family', 'agency']);
export type GuestKind = z.infer<typeof GuestKind>;

/** The name a guest may give on their device check (optional): what the operator sees in the lobby. */
export const GuestName = z.string().trim().max(40);

/**
 * A guest of a call as staff see it: `invited` (the link is out, or opened but nobody knocks yet),
 * `waiting` (in the lobby: 参加を許可 / 断る) or `admitted` (in the call).
 */
export const GuestState = z.enum(['invited', 'waiting', 'admitted']);
export type GuestState = z.infer<typeof GuestState>;

export const CallGuest = z.object({
  guestId: Id,
  kind: GuestKind,
  /** As the guest typed it on their device check; null when they gave none. */
  name: z.string().nullable(),
  state: GuestState,
  /** The operator let this guest see the document camera and what staff show (default: not). */
  documentsAllowed: z.boolean(),
  /** Until when the link can be opened (an opened link stays good for this guest until the call ends). */
  expiresAt: z.iso.datetime(),
});
export type CallGuest = z.infer<typeof CallGuest>;

/**
 * Why a guest's link does not (or no longer) work, for the guest's page to say in words:
 * `invalid` (not a link of ours), `expired` (not opened in time), `in_use` (opened in another
 * browser), `closed` (refused, removed, left, or the call ended).
 */
export const GuestRefusalReason = z.enum(['invalid', 'expired', 'in_use', 'closed']);
export type GuestRefusalReason = z.infer<typeof GuestRefusalReason>;

/** The `data` of a guest's refused socket connection (connect_error). */
export const GuestRefusal = z.object({ code: ErrorCode, reason: GuestRefusalReason });
export type GuestRefusal = z.infer<typeof GuestRefusal>;

/** Why a guest's part in a call ended, as the guest's page is told (guest:closed). */
export const GuestEnd = z.enum(['refused', 'removed', 'left', 'call_ended', 'disconnected']);
export type GuestEnd = z.infer<typeof GuestEnd>;

/** The socket.io namespace guests connect to: it knows only the events a guest may send. */
export const GUEST_NAMESPACE = '/guest';
/** Where a guest's link opens (the token follows in the fragment, `#t=…`, so it is never sent in a request line). */
export const GUEST_PAGE_PATH = '/guest/';

/**
 * What a guest receives: everyone's faces and voices. An allow-list, so a source added later (a
 * document sent another way) is not given to guests until it is named here.
 */
export const GUEST_SOURCES: readonly MediaSource[] = ['mic', 'face', 'operator-mic', 'operator-cam', 'supervisor-mic', 'guest-mic', 'guest-cam'];
/** …and, only when the operator allows it, the papers: the resident's document camera and what staff show. */
export const GUEST_DOCUMENT_SOURCES: readonly MediaSource[] = ['document', 'operator-document', 'screen'];

/** The sources a guest is given streams of (the server never offers them any other). */
export function guestSources(documentsAllowed: boolean): readonly MediaSource[] {
  return documentsAllowed ? [...GUEST_SOURCES, ...GUEST_DOCUMENT_SOURCES] : GUEST_SOURCES;
}

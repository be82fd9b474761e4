import { z } from 'zod';

/** Shared vocabulary: the same words in the schema, the protocol and the UI. */

export const Id = z.string().min(1).max(64);

export const StaffRole = z.enum(['operator', 'supervisor', 'admin']);
export type StaffRole = z.infer<typeof StaffRole>;

/**
 * An operator's presence. Staff choose only `available` (受付可) or `away` (離席中);
 * the other states are set by the server as calls are offered, answered and ended.
 */
export const Presence = z.enum(['offline', 'available', 'offered', 'in_call', 'wrap_up', 'away']);
export type Presence = z.infer<typeof Presence>;
/** Why an operator is away: chose it (離席中), or let offers ring out in a row. */
export const AwayReason = z.enum(['manual', 'missed_offers']);
export type AwayReason = z.infer<typeof AwayReason>;
/**
 * Why the server ended a staff member's session: logged out (in this or a copy of this tab), the
 * account disabled, its role or departments changed, its password changed, or an admin signed it
 * out everywhere.
 */
export const SessionEndReason = z.enum(['logged_out', 'account_disabled', 'account_changed', 'password_changed', 'signed_out_by_admin']);
export type SessionEndReason = z.infer<typeof SessionEndReason>;
export const SelectablePresence = z.enum(['available', 'away']);
export type SelectablePresence = z.infer<typeof SelectablePresence>;

export const ConsultationStatus = z.enum(['waiting', 'offered', 'in_call', 'ended']);
export type ConsultationStatus = z.infer<typeof ConsultationStatus>;

export const ConsultationOutcome = z.enum([
  'completed', // answered and ended normally
  'abandoned', // the resident cancelled (or the tablet left) before an answer
  'no_operator', // nobody could take it (no operator logged in / outside hours)
  'callback_requested',
  'failed', // a technical failure ended it (media worker died, …)
]);
export type ConsultationOutcome = z.infer<typeof ConsultationOutcome>;

/** What a media stream is, carried as producer appData.source. Layouts use this, never arrival order. */
export const MediaSource = z.enum([
  'mic',
  'face',
  'document',
  'operator-mic',
  'operator-cam',
  'operator-document',
  'screen',
  'supervisor-mic',
  'guest-mic',
  'guest-cam',
]);
export type MediaSource = z.infer<typeof MediaSource>;

/** What an operator can show the resident besides their face: their document camera, or their screen. */
export const SharedSource = z.enum(['operator-document', 'screen']);
export type SharedSource = z.infer<typeof SharedSource>;

const pixels = z.number().int().min(0).max(16_384);

/**
 * How the tablet draws what the operator shows, so the operator knows what the resident can read:
 * the picture's size on the tablet's screen in CSS pixels (after fitting, times the zoom) and the
 * frame size that arrives there.
 */
export const ShareDisplay = z.object({
  source: SharedSource,
  drawnWidth: pixels,
  drawnHeight: pixels,
  frameWidth: pixels,
  frameHeight: pixels,
  /** The resident opened it full-screen (拡大). */
  enlarged: z.boolean(),
  zoom: z.number().min(1).max(8),
});
export type ShareDisplay = z.infer<typeof ShareDisplay>;

/**
 * Who is in a call's room: the resident's tablet, the operators, a supervisor (supervisor or
 * admin) who monitors, whispers or barges in (live supervision), and a guest invited by link
 * (an interpreter, a family member, staff of another organisation: see guests.ts).
 */
export const ParticipantRole = z.enum(['resident', 'operator', 'supervisor', 'guest']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

/** Sources each side of a call may send. */
export const SOURCES_BY_ROLE: Record<ParticipantRole, readonly MediaSource[]> = {
  resident: ['mic', 'face', 'document'],
  operator: ['operator-mic', 'operator-cam', 'operator-document', 'screen'],
  supervisor: ['supervisor-mic'],
  guest: ['guest-mic', 'guest-cam'],
};

/**
 * Live supervision, as contact centres have it: `monitor` listens and watches silently (sends
 * nothing); `whisper` speaks to the operators only (never to the tablet); `barge` joins the call
 * (everyone hears the supervisor).
 */
export const SupervisionMode = z.enum(['monitor', 'whisper', 'barge']);
export type SupervisionMode = z.infer<typeof SupervisionMode>;

/** Which roles in the room hear a supervisor in each mode (the supervisor hears everyone in all of them). */
export const SUPERVISOR_AUDIENCE: Record<SupervisionMode, readonly ParticipantRole[]> = {
  monitor: [],
  whisper: ['operator', 'supervisor'],
  barge: ['resident', 'operator', 'supervisor', 'guest'],
};

/** A supervisor in a call, as the operators' banner shows them. */
export const CallSupervisor = z.object({ staffId: Id, name: z.string(), mode: SupervisionMode, since: z.iso.datetime() });
export type CallSupervisor = z.infer<typeof CallSupervisor>;

/**
 * What the tablet says of supervision (when the city tells residents): `listening` (monitor or
 * whisper: 責任者が通話を確認しています) or `joined` (barge); null: nobody supervises.
 */
export const SupervisionNotice = z.enum(['listening', 'joined']);
export type SupervisionNotice = z.infer<typeof SupervisionNotice>;


/** Satisfaction as 5 faces: 1 = とても不満 … 5 = とても満足. */
export const SatisfactionScore = z.number().int().min(1).max(5);
export type SatisfactionScore = z.infer<typeof SatisfactionScore>;

/** A chat message: one line or a few, never empty. */
export const ChatText = z.string().trim().min(1).max(1000);

/** A short handover note (引き継ぎメモ) from the operator who transfers or calls in a colleague. */
export const HandoverNoteText = z.string().trim().min(1).max(500);

export const SiteSummary = z.object({ id: Id, name: z.string() });
export type SiteSummary = z.infer<typeof SiteSummary>;
export const DepartmentSummary = z.object({ id: Id, code: z.string(), name: z.string() });
export type DepartmentSummary = z.infer<typeof DepartmentSummary>;

/** Why a request cannot be queued now. */
export const RefusalReason = z.enum(['outside_hours', 'no_operator']);
export type RefusalReason = z.infer<typeof RefusalReason>;

/**
 * What a resident who presses a department's button now would meet, as the kiosk's home screen shows
 * it before the press: a refusal (outside hours, closed date, nobody logged in: a callback is
 * offered), operators who are all away, or a long wait.
 */
export const DepartmentAvailability = z.object({
  departmentId: Id,
  /** Why a request would be refused now; null: it would be queued. */
  refusal: RefusalReason.nullable(),
  /** For outside_hours: when the department opens next. */
  nextOpeningAt: z.iso.datetime().nullable(),
  /** Residents waiting in the department's queue now. */
  waiting: z.number().int().min(0),
  /** The estimate a resident asking now would be given; null when refused or nobody serves. */
  estimatedWaitSeconds: z.number().int().min(0).nullable(),
  /** Operators are logged in but every one is away (離席中): nobody answers until one comes back. */
  allOperatorsAway: z.boolean(),
});
export type DepartmentAvailability = z.infer<typeof DepartmentAvailability>;

/**
 * A party's connection as its own browser measures it (round trip, loss, what its uplink gets out):
 * よい / ふつう / わるい on the tablet.
 */
export const ConnectionQuality = z.enum(['good', 'fair', 'poor']);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;

/** Why an offer stopped ringing for its operator. */
export const OfferWithdrawnReason = z.enum(['cancelled', 'declined', 'answered', 'timeout', 'operator_disconnected']);
export type OfferWithdrawnReason = z.infer<typeof OfferWithdrawnReason>;

/** A callback request's name: as the resident gives it (kana, kanji or latin). */
export const CallbackName = z.string().trim().min(1).max(60);
/** A Japanese phone number: digits with optional hyphens/spaces, 10–11 digits (or +81 form). */
export const PhoneNumber = z
  .string()
  .trim()
  // Full-width digits and separators as a Japanese keyboard types them (０９０－…) become ASCII (NFKC);
  // ‐ (U+2010), − (U+2212) and ー (U+30FC) are dropped too. Written as escapes so that the built server is ASCII
  // only, which V8 keeps as one byte a character.
  .transform((value) => value.normalize('NFKC').replace(/[\s\-\u2010\u2212\u30FC()]/g, '').replace(/^\+81/, '0'))
  .pipe(z.string().regex(/^0\d{9,10}$/, 'a phone number of 10 or 11 digits'));

/** One department's queue as the consoles show it. */
export const DepartmentQueueSummary = z.object({
  department: DepartmentSummary,
  waiting: z.number().int().min(0),
  /** Request time of the resident waiting longest (kept across transfers); null when nobody waits. */
  longestWaitingSince: z.iso.datetime().nullable(),
  /** Operators serving the department now (available, ringing, in call or wrap-up). */
  servingOperators: z.number().int().min(0),
});
export type DepartmentQueueSummary = z.infer<typeof DepartmentQueueSummary>;

/** Image types a still may be stored as (what ImageCapture.takePhoto and canvas.toBlob give). */
export const StillMime = z.enum(['image/jpeg', 'image/png']);
export type StillMime = z.infer<typeof StillMime>;

/** A full-resolution photo of the resident's document camera, taken at the operator's request. */
export const StillInfo = z.object({
  id: Id,
  consultationId: Id,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  mime: StillMime,
  createdAt: z.iso.datetime(),
});
export type StillInfo = z.infer<typeof StillInfo>;

/**
 * A handover note as the colleague who takes over (転送) or joins (他の課を呼ぶ) reads it: who wrote
 * it, from which department, to which department, and when.
 */
export const HandoverNote = z.object({
  purpose: z.enum(['transfer', 'invite']),
  from: z.object({ staffId: Id, name: z.string(), department: DepartmentSummary }),
  to: DepartmentSummary,
  note: HandoverNoteText,
  at: z.iso.datetime(),
});
export type HandoverNote = z.infer<typeof HandoverNote>;

/** Why a still could not be taken: reported by the tablet, or `timeout` when it never answered. */
export const StillFailure = z.enum(['no_document_camera', 'capture_failed', 'upload_failed', 'timeout']);
export type StillFailure = z.infer<typeof StillFailure>;

import { z } from 'zod';
import { DepartmentSummary, Id } from './domain.ts';
import { MediaPath } from './media.ts';

/** HTTP bodies of routing configuration (admin) and callback requests (operators). */

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');
const OpeningInterval = z.object({ open: HourMinute, close: HourMinute });
const DayHours = z.array(OpeningInterval).max(4);

/** Weekly opening hours in Asia/Tokyo wall-clock time; an empty day is closed. */
export const WeeklyHours = z.object({
  sun: DayHours,
  mon: DayHours,
  tue: DayHours,
  wed: DayHours,
  thu: DayHours,
  fri: DayHours,
  sat: DayHours,
});
export type WeeklyHours = z.infer<typeof WeeklyHours>;

/** One department's routing, as an admin edits it (seconds, not milliseconds: people type these). */
export const RoutingSettings = z.object({
  ringTimeoutSeconds: z.number().int().min(5).max(300),
  /** Offers missed in a row before the operator is set away; null: never. */
  maxMissedOffers: z.number().int().min(1).max(20).nullable(),
  /** 後処理 after each call. */
  wrapUpSeconds: z.number().int().min(0).max(3600),
  /** Wait before operators with the department as a secondary skill may answer; null: never. */
  secondaryDelaySeconds: z.number().int().min(0).max(3600).nullable(),
  /** After this wait the request may also go to another department (総合窓口); null: no overflow. */
  overflow: z.object({ departmentId: Id, delaySeconds: z.number().int().min(0).max(3600) }).nullable(),
  hours: WeeklyHours,
  /** Closed dates YYYY-MM-DD: public holidays and other closures. */
  closedDates: z.array(z.iso.date()).max(400),
  /** Closures repeated every year, MM-DD to MM-DD inclusive (年末年始 12-29 → 01-03). */
  annualClosures: z
    .array(z.object({ from: z.string().regex(/^\d{2}-\d{2}$/), to: z.string().regex(/^\d{2}-\d{2}$/) }))
    .max(20),
});
export type RoutingSettings = z.infer<typeof RoutingSettings>;

export const DepartmentRoutingView = RoutingSettings.extend({ department: DepartmentSummary });
export type DepartmentRoutingView = z.infer<typeof DepartmentRoutingView>;

export const RoutingSettingsResponse = z.object({ departments: z.array(DepartmentRoutingView) });
export type RoutingSettingsResponse = z.infer<typeof RoutingSettingsResponse>;

/**
 * Where a callback request (折り返し) stands: not called yet, called back, or not reached (不在・つながらず,
 * which may be tried again).
 */
export const CallbackStatus = z.enum(['open', 'done', 'unreachable']);
export type CallbackStatus = z.infer<typeof CallbackStatus>;
export const CALLBACK_STATUSES = CallbackStatus.options;

/** The status in the words of the console's lists and the CSV export. */
export const CALLBACK_STATUS_LABELS: Record<CallbackStatus, string> = {
  open: '未対応',
  done: '対応済み',
  unreachable: '不在・つながらず',
};

/**
 * GET /api/callbacks: `status` one status, or `pending` (open or unreachable: still to call back; the
 * operator's list, oldest first); without it, every status (newest first). `from`–`to` are Japan days
 * of the request, both included.
 */
export const CallbacksQuery = z.strictObject({
  status: z.enum([...CALLBACK_STATUSES, 'pending']).optional(),
  departmentId: Id.optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(500),
});
export type CallbacksQuery = z.infer<typeof CallbacksQuery>;

/** A resident's callback request (折り返し), as the console lists it. */
export const CallbackView = z.object({
  id: Id,
  consultationId: Id,
  department: DepartmentSummary,
  site: z.object({ id: Id, name: z.string() }),
  name: z.string(),
  phone: z.string(),
  createdAt: z.iso.datetime(),
  status: CallbackStatus,
  /** the staff member's note on the call back ("" for none) */
  note: z.string(),
  /** when and by whom the status was last set (null while open) */
  outcomeAt: z.iso.datetime().nullable(),
  outcomeBy: z.string().nullable(),
});
export type CallbackView = z.infer<typeof CallbackView>;

export const CallbacksResponse = z.object({ callbacks: z.array(CallbackView) });
export type CallbacksResponse = z.infer<typeof CallbacksResponse>;

/** PATCH /api/callbacks/:id: the outcome of calling the resident back, with a note (open again: the note may say why). */
export const CallbackUpdate = z.strictObject({ status: CallbackStatus, note: z.string().trim().max(500).default('') });
export type CallbackUpdate = z.infer<typeof CallbackUpdate>;
export const CallbackUpdated = z.object({ callback: CallbackView });
export type CallbackUpdated = z.infer<typeof CallbackUpdated>;

/** The supervisor's live wallboard: queues, operators and tablets now, and today's figures. */
export const Wallboard = z.object({
  at: z.iso.datetime(),
  /** Answered within this many seconds counts for the service level. */
  serviceLevelSeconds: z.number().int().positive(),
  departments: z.array(
    z.object({
      department: DepartmentSummary,
      waiting: z.number().int().min(0),
      longestWaitingSince: z.iso.datetime().nullable(),
      /** Operators with the department as a primary skill, by presence (offline ones left out). */
      operators: z.object({
        available: z.number().int().min(0),
        offered: z.number().int().min(0),
        in_call: z.number().int().min(0),
        wrap_up: z.number().int().min(0),
        away: z.number().int().min(0),
      }),
      answeredToday: z.number().int().min(0),
      /** Of today's ended consultations that were queued (refused requests are not), the share answered within serviceLevelSeconds (null before the first ends). */
      serviceLevelToday: z.number().min(0).max(1).nullable(),
    }),
  ),
  sites: z.array(
    z.object({
      site: z.object({ id: Id, name: z.string() }),
      tablets: z.array(
        z.object({
          id: Id,
          name: z.string(),
          online: z.boolean(),
          state: z.enum(['idle', 'waiting', 'in_call']),
          lastSeenAt: z.iso.datetime().nullable(),
        }),
      ),
    }),
  ),
  /** Consultations in progress, oldest first. */
  live: z.array(
    z.object({
      consultationId: Id,
      site: z.object({ id: Id, name: z.string() }),
      department: DepartmentSummary,
      status: z.enum(['waiting', 'offered', 'refused', 'in_call']),
      requestedAt: z.iso.datetime(),
      operators: z.array(z.string()),
      /** How the tablet's media reaches the server, once its transport has connected. */
      tabletPath: MediaPath.nullable(),
    }),
  ),
});
export type Wallboard = z.infer<typeof Wallboard>;

import { z } from 'zod';
import { DepartmentSummary, Id } from './domain.ts';

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

/** A resident's callback request (折り返し), as the console lists it. */
export const CallbackView = z.object({
  id: Id,
  consultationId: Id,
  department: DepartmentSummary,
  site: z.object({ id: Id, name: z.string() }),
  name: z.string(),
  phone: z.string(),
  createdAt: z.iso.datetime(),
  doneAt: z.iso.datetime().nullable(),
  doneBy: z.string().nullable(),
});
export type CallbackView = z.infer<typeof CallbackView>;

export const CallbacksResponse = z.object({ callbacks: z.array(CallbackView) });
export type CallbacksResponse = z.infer<typeof CallbacksResponse>;

export const CallbackUpdate = z.object({ done: z.boolean() });
export type CallbackUpdate = z.infer<typeof CallbackUpdate>;
export const CallbackUpdated = CallbackUpdate.extend({ id: Id });
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
    }),
  ),
});
export type Wallboard = z.infer<typeof Wallboard>;

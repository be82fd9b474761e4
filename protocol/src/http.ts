import { z } from 'zod';
import { SentDocument } from './documents.ts';
import { ConsultationForm } from './forms.ts';
import { ConsultationOutcome, DepartmentSummary, Id, SiteSummary, StaffRole, StillInfo } from './domain.ts';
import { ConsultationNote } from './notes.ts';

/** HTTP bodies and responses of the REST API. Errors are `{ error: WireError }` with a status code. */

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** The body of an action that takes no input (a logout, an admin's sign-out): nothing, or `{}`. */
export const EmptyRequest = z.strictObject({});
export type EmptyRequest = z.infer<typeof EmptyRequest>;

export const StaffProfile = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  role: StaffRole,
  departments: z.array(DepartmentSummary),
});
export type StaffProfile = z.infer<typeof StaffProfile>;

export const LoginResponse = z.object({ token: z.string(), staff: StaffProfile });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const DeviceProfile = z.object({ id: Id, name: z.string(), site: SiteSummary });
export type DeviceProfile = z.infer<typeof DeviceProfile>;

/** A department as the kiosk offers it: its button's text is the city's (e.g. 住民票・引っ越し・マイナンバーカード). */
export const KioskDepartment = DepartmentSummary.extend({ kioskText: z.string() });
export type KioskDepartment = z.infer<typeof KioskDepartment>;
/** The enabled departments, in the kiosk's order. */
export const DepartmentsResponse = z.object({ departments: z.array(KioskDepartment) });
export type DepartmentsResponse = z.infer<typeof DepartmentsResponse>;

export const IssueDeviceTokenRequest = z.object({ siteId: Id, name: z.string().min(1).max(100) });
export type IssueDeviceTokenRequest = z.infer<typeof IssueDeviceTokenRequest>;
export const IssueDeviceTokenResponse = z.object({ device: DeviceProfile, token: z.string() });
export type IssueDeviceTokenResponse = z.infer<typeof IssueDeviceTokenResponse>;

/** A tablet as the admin's 端末管理 shows it. Times are ISO 8601. */
export const AdminDevice = DeviceProfile.extend({
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
  /** Set when the admin revoked the tablet: its token no longer works. */
  revokedAt: z.string().nullable(),
  /** Connected to the server now. */
  online: z.boolean(),
});
export type AdminDevice = z.infer<typeof AdminDevice>;
export const AdminDevicesResponse = z.object({ sites: z.array(SiteSummary), devices: z.array(AdminDevice) });
export type AdminDevicesResponse = z.infer<typeof AdminDevicesResponse>;
/** A new token for a tablet (re-pairing it): its earlier tokens stop working. */
export const ReissueDeviceTokenResponse = z.object({ device: AdminDevice, token: z.string() });
export type ReissueDeviceTokenResponse = z.infer<typeof ReissueDeviceTokenResponse>;
/** A one-time code the clerk types on the tablet instead of the token (8 digits, good for 10 minutes). */
export const PairingCode = z.string().regex(/^\d{8}$/, 'eight digits');
export const PairingCodeResponse = z.object({ device: AdminDevice, code: PairingCode, expiresAt: z.iso.datetime() });
export type PairingCodeResponse = z.infer<typeof PairingCodeResponse>;
export const PairByCodeRequest = z.strictObject({ code: PairingCode });
export type PairByCodeRequest = z.infer<typeof PairByCodeRequest>;
export const PairByCodeResponse = z.object({ token: z.string() });
export type PairByCodeResponse = z.infer<typeof PairByCodeResponse>;
export const RevokeDeviceResponse = z.object({ device: AdminDevice });
export type RevokeDeviceResponse = z.infer<typeof RevokeDeviceResponse>;

export const ConsultationRecord = z.object({
  id: Id,
  site: SiteSummary,
  department: DepartmentSummary,
  deviceId: Id,
  operatorId: Id.nullable(),
  requestedAt: z.iso.datetime(),
  answeredAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  outcome: z.string().nullable(),
  events: z.array(z.object({ type: z.string(), at: z.iso.datetime(), actor: z.string() })),
});
export type ConsultationRecord = z.infer<typeof ConsultationRecord>;

/** Live media objects held by the SFU (admin/supervisor view and leak checks). */
export const SfuStats = z.object({
  workers: z.array(
    z.object({
      pid: z.number(),
      rooms: z.number(),
      /** The consultations whose rooms this worker process hosts. */
      roomIds: z.array(z.string()),
      routers: z.number(),
      transports: z.number(),
      producers: z.number(),
      consumers: z.number(),
      rssKiB: z.number().nullable(),
      failed: z.boolean(),
      /** The SFU node (process of its own) the worker runs in; absent for the server's own workers. */
      sfuNodeId: z.string().optional(),
    }),
  ),
});
export type SfuStats = z.infer<typeof SfuStats>;

/**
 * GET /api/health, no token; answers within a second whatever the database does.
 * `ok`: at least one media worker runs (the tablet's pre-check reads it).
 */
export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  ok: z.boolean(),
  /** Media workers running, and how many of those the node is meant to have are not (died, replacement not up yet). */
  workers: z.number(),
  failedWorkers: z.number(),
  /** Whether a write could start now; `read-only` also when the records' writes are refused. */
  database: z.enum(['ok', 'locked', 'read-only', 'unreachable']),
  /** Events waiting in memory for the database, and events given up since the start (each in the log). */
  records: z.object({ buffered: z.number(), dropped: z.number() }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/**
 * POST /api/stills?consultationId=…&requestId=… with the image as the raw body (Content-Type
 * image/jpeg or image/png), device token only: the still the operator asked for in this call.
 */
export const StillUploadQuery = z.object({ consultationId: Id, requestId: Id });
export type StillUploadQuery = z.infer<typeof StillUploadQuery>;
export const StillUploadResponse = z.object({ still: StillInfo });
export type StillUploadResponse = z.infer<typeof StillUploadResponse>;

/** Largest still accepted (a 4K PNG of a busy page is about 15 MB). */
export const STILL_MAX_BYTES = 20 * 1024 * 1024;
/** Largest width or height accepted: beyond any document camera, and bounds decoding cost. */
export const STILL_MAX_DIMENSION = 8192;

// ── Session records (相談記録), statistics, settings and the audit trail ────────────────────────

/** Query strings: express turns a repeated key into an array, which these refuse. */
const QueryDateTime = z.iso.datetime({ offset: true });
const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Filters shared by the records list and the CSV export. */
export const RecordsFilter = z.strictObject({
  /** inclusive lower bound of requestedAt (ISO 8601 with offset) */
  from: QueryDateTime.optional(),
  /** exclusive upper bound of requestedAt */
  to: QueryDateTime.optional(),
  departmentId: Id.optional(),
  siteId: Id.optional(),
  /** the operator who answered */
  operatorId: Id.optional(),
  outcome: ConsultationOutcome.optional(),
  /** the resident's rating (1–5) */
  satisfaction: QueryInt(1, 5).optional(),
});
export type RecordsFilter = z.infer<typeof RecordsFilter>;

export const RecordsListQuery = RecordsFilter.extend({
  /** opaque, from the previous page's nextCursor */
  cursor: z.string().min(1).max(200).optional(),
  limit: QueryInt(1, 500).default(50),
});
export type RecordsListQuery = z.infer<typeof RecordsListQuery>;

/** The outcome in the words of the records screens and the CSV export. */
export const OUTCOME_LABELS: Record<ConsultationOutcome, string> = {
  completed: '対応完了',
  abandoned: '待ち中に終了',
  no_operator: '対応者なし',
  callback_requested: '折り返し希望',
  failed: '通信障害',
};

export const StaffSummary = z.object({ id: Id, name: z.string() });
export type StaffSummary = z.infer<typeof StaffSummary>;

export const RecordListItem = z.object({
  id: Id,
  requestedAt: z.iso.datetime(),
  site: SiteSummary,
  department: DepartmentSummary,
  /** the operator who answered */
  operator: StaffSummary.nullable(),
  /** answered (or, never answered, ended) − requested; null while still waiting */
  waitSeconds: z.number().nullable(),
  /** ended − answered; null when never answered or not ended */
  talkSeconds: z.number().nullable(),
  outcome: ConsultationOutcome.nullable(),
  satisfaction: z.number().int().min(1).max(5).nullable(),
});
export type RecordListItem = z.infer<typeof RecordListItem>;

export const RecordsListResponse = z.object({
  records: z.array(RecordListItem),
  /** pass as `cursor` for the next page; null on the last page */
  nextCursor: z.string().nullable(),
});
export type RecordsListResponse = z.infer<typeof RecordsListResponse>;

export const RecordEvent = z.object({
  type: z.string(),
  at: z.iso.datetime(),
  actor: z.object({ type: z.enum(['device', 'staff', 'system']), id: z.string().nullable(), name: z.string().nullable() }),
  data: z.unknown().nullable(),
});
export type RecordEvent = z.infer<typeof RecordEvent>;

export const RecordDetail = RecordListItem.extend({
  device: z.object({ id: Id, name: z.string() }),
  /** came for a booking (予約) or walked in */
  arrival: z.enum(['reserved', 'walk_in']),
  answeredAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  endedBy: z.enum(['resident', 'operator', 'system']).nullable(),
  /** the department requested first, then every department brought in (transfers, specialists) */
  departmentsServed: z.array(DepartmentSummary),
  /** staff who acted in the consultation (answered, declined, chatted, transferred, joined, …) */
  operatorsInvolved: z.array(StaffSummary),
  satisfactionComment: z.string().nullable(),
  /** text null: the message was written while the transcript was not kept (setting keepChatTranscript) */
  chat: z.array(z.object({ at: z.iso.datetime(), from: z.enum(['resident', 'operator']), text: z.string().nullable() })),
  /** the operators' notes and categories (対応メモ・相談種別), oldest first */
  notes: z.array(ConsultationNote),
  /** every event, oldest first */
  events: z.array(RecordEvent),
  /** the stills of the document camera still kept (retention deletes older ones), oldest first; each opens at GET /api/stills/:id */
  stills: z.array(StillInfo),
  /** the documents sent to the tablet still kept (retention deletes older ones), oldest first; each opens at GET /api/documents/sent/:id */
  documents: z.array(SentDocument),
  /** the forms filled in the consultation (signed ones open at GET /api/forms/:id/signed), oldest first */
  forms: z.array(ConsultationForm),
});
export type RecordDetail = z.infer<typeof RecordDetail>;

/** Days of the charts are local (JST) calendar days, YYYY-MM-DD, both ends included. */
export const RecordsStatsQuery = z.strictObject({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  departmentId: Id.optional(),
  siteId: Id.optional(),
  /** service level: answered within this many seconds (default: the serviceLevelSeconds setting) */
  serviceLevelSeconds: QueryInt(1, 3600).optional(),
});
export type RecordsStatsQuery = z.infer<typeof RecordsStatsQuery>;

/** Seconds; the 90th percentile at one-second resolution (durations rounded up to whole seconds). */
const DurationStats = z.object({ average: z.number().nullable(), p90: z.number().nullable() });
/** Seconds; the median at one-second resolution, like the 90th percentile. */
const MedianDuration = z.object({ average: z.number().nullable(), median: z.number().nullable() });
/** The residents' ratings: their average (1–5; null when none) and how many rated. */
const RatingSummary = z.object({ average: z.number().nullable(), rated: z.number() });
/** Callback requests by status. */
const CallbackCounts = z.object({ open: z.number(), done: z.number(), unreachable: z.number() });

/**
 * One operator's figures: the consultations they took part in (answered, also after a transfer or
 * taking over, or joined as the specialist), their own part's handling time, the transfers they made,
 * the residents' ratings of those consultations, and the callback requests of the range whose outcome
 * they recorded.
 */
export const OperatorStats = z.object({
  operator: StaffSummary,
  count: z.number(),
  talkSeconds: MedianDuration,
  transfers: z.number(),
  satisfaction: RatingSummary,
  callbacks: CallbackCounts.omit({ open: true }),
});
export type OperatorStats = z.infer<typeof OperatorStats>;

/**
 * One 相談種別 (the latest category an operator filed the consultation under; `category` null: none
 * filed): how many, waiting and handling time, how they ended, the ratings.
 */
export const CategoryStats = z.object({
  department: DepartmentSummary,
  category: z.object({ id: Id, name: z.string() }).nullable(),
  count: z.number(),
  waitSeconds: MedianDuration,
  talkSeconds: MedianDuration,
  outcomes: z.record(ConsultationOutcome, z.number()),
  satisfaction: RatingSummary,
});
export type CategoryStats = z.infer<typeof CategoryStats>;

/**
 * 予約 per department over the range (by slot day): bookings not cancelled, kept (arrived), missed
 * (no-show: still booked when the slot ended), the no-show rate (missed ÷ slots that have ended), and
 * the average wait of the consultations of residents who came reserved and who walked in (seconds).
 */
export const ReservationStats = z.object({
  department: DepartmentSummary,
  booked: z.number(),
  arrived: z.number(),
  noShows: z.number(),
  noShowRate: z.number().nullable(),
  waitSeconds: z.object({ reserved: z.number().nullable(), walkIn: z.number().nullable() }),
});
export type ReservationStats = z.infer<typeof ReservationStats>;

export const RecordsStatsResponse = z.object({
  total: z.number(),
  /** 24 entries, local (JST) hour 0–23 */
  byHour: z.array(z.object({ hour: z.number(), count: z.number() })),
  /** local days (YYYY-MM-DD) that had consultations, ascending */
  byDay: z.array(z.object({ day: z.string(), count: z.number() })),
  byDepartment: z.array(
    z.object({ department: DepartmentSummary, count: z.number(), waitSeconds: DurationStats, talkSeconds: DurationStats }),
  ),
  bySite: z.array(z.object({ site: SiteSummary, count: z.number() })),
  /**
   * Consultations in which a party's connection was lost at least once, and the seconds lost in all
   * (the gaps until it was back), in all and per site: which site's network is bad.
   */
  connectionLosses: z.object({
    consultations: z.number(),
    lostSeconds: z.number(),
    bySite: z.array(z.object({ site: SiteSummary, consultations: z.number(), lostSeconds: z.number() })),
  }),
  serviceLevel: z.object({
    thresholdSeconds: z.number(),
    /** answered within the threshold ÷ ended consultations that were queued, refused requests left out (null when none) */
    ratio: z.number().nullable(),
  }),
  /** outcome "abandoned" ÷ ended consultations that were queued, refused requests left out (null when none) */
  abandonmentRate: z.number().nullable(),
  satisfaction: z.object({
    /** five entries, score 1–5 */
    distribution: z.array(z.object({ score: z.number(), count: z.number() })),
    rated: z.number(),
    /** ratings of 4 or 5 ÷ ratings (null when none) — the "8 割以上満足" benchmark */
    satisfiedShare: z.number().nullable(),
  }),
  /** per operator, most consultations first */
  byOperator: z.array(OperatorStats),
  /** per 相談種別, in the departments' and the categories' order, each department's consultations filed under none after its categories */
  byCategory: z.array(CategoryStats),
  /** the callback requests of the range (by request day) by status, in all and per department */
  callbacks: CallbackCounts.extend({ byDepartment: z.array(CallbackCounts.extend({ department: DepartmentSummary })) }),
  /** per department with bookings or reserved consultations in the range, in the departments' order */
  reservations: z.array(ReservationStats),
});
export type RecordsStatsResponse = z.infer<typeof RecordsStatsResponse>;

/** Settings of the records that an admin may change (every change is audited). */
export const RecordsSettings = z.object({
  /** consultations requested longer ago than this are purged by the daily job */
  retentionDays: z.number().int().min(30).max(3650),
  /** default threshold of the service level chart */
  serviceLevelSeconds: z.number().int().min(1).max(3600),
  /** keep the text of chat messages in the record; when off, only who wrote when (and how long) is kept */
  keepChatTranscript: z.boolean(),
  /** tell the resident on the tablet when a supervisor listens to or joins their call (live supervision) */
  tellResidentOfSupervision: z.boolean(),
});
export type RecordsSettings = z.infer<typeof RecordsSettings>;
export const RecordsSettingsUpdate = RecordsSettings.partial().strict();
export type RecordsSettingsUpdate = z.infer<typeof RecordsSettingsUpdate>;

export const AuditListQuery = z.strictObject({
  /** rows with id below this (from the previous page's nextCursor) */
  cursor: QueryInt(1, Number.MAX_SAFE_INTEGER).optional(),
  limit: QueryInt(1, 500).default(100),
  staffId: Id.optional(),
  action: z.string().min(1).max(64).optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditEntry = z.object({
  id: z.number(),
  at: z.iso.datetime(),
  staffId: z.string(),
  /** display name of the staff member; null for the system (scheduled jobs) or a deleted account */
  staffName: z.string().nullable(),
  action: z.string(),
  targetId: z.string().nullable(),
  details: z.unknown().nullable(),
  /** times the target was shown to this staff member within the coalescing window (1 for every other action) */
  views: z.number().int().positive(),
  /** the last of those views; null when shown once */
  lastAt: z.iso.datetime().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditListResponse = z.object({ entries: z.array(AuditEntry), nextCursor: z.number().nullable() });
export type AuditListResponse = z.infer<typeof AuditListResponse>;

/** GET /api/records/stats.csv: the statistics' filter and which table (per operator, per 相談種別, callbacks by status). */
export const RecordsStatsCsvQuery = RecordsStatsQuery.omit({ serviceLevelSeconds: true }).extend({
  breakdown: z.enum(['operator', 'category', 'callbacks', 'reservations']),
});
export type RecordsStatsCsvQuery = z.infer<typeof RecordsStatsCsvQuery>;

/** What the records filters can choose from (supervisor, admin). */
export const RecordsFilterOptions = z.object({
  departments: z.array(DepartmentSummary),
  sites: z.array(SiteSummary),
  operators: z.array(StaffSummary),
});
export type RecordsFilterOptions = z.infer<typeof RecordsFilterOptions>;

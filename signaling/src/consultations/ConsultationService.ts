import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PrismaClient } from '@madoguchi/db';
import {
  ProtocolError,
  type ClientAck,
  type ConnectionQuality,
  type ConsultationOutcome,
  type DepartmentQueueSummary,
  type DepartmentRoutingView,
  type DepartmentSummary,
  type ErrorCode,
  type HandoverNote,
  type MediaPath,
  type Presence,
  type ParticipantRole,
  type RoutingSettings,
  type SelectablePresence,
  type ServerEventName,
  type ServerPayload,
  type SessionEndReason,
  type ShareDisplay,
  type SiteSummary,
  type SupervisionMode,
  SUPERVISOR_AUDIENCE,
  samePath,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { ConsumerInfo, MediaLoss, MediaNode, MediaParticipant, MediaRoom } from '@madoguchi/sfu';
import { deviceKey, principalKey, staffKey, type DevicePrincipal, type Principal, type StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { Throttle } from '../throttle.ts';
import type { Actor, ConsultationEventType, ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { CORE_DEFAULTS, RoutingCore, RoutingError, type RoutingErrorCode, type RoutingEventOf, type RoutingOutcome } from '../routing/core/index.ts';
import { toCoreConfig } from '../routing/RoutingSettingsStore.ts';
import { MediaQualityLog } from '../records/MediaQuality.ts';
import { stillInfo } from '../stills/StillService.ts';
import { DepartmentAvailabilityFeed } from './DepartmentAvailabilityFeed.ts';
import type { HeldConsultation } from './heldConsultations.ts';

const logger = createLogger('consultations');

/** How the lifecycle reaches browsers, without knowing about sockets. */
export interface Notifier {
  toDevice<E extends ServerEventName>(deviceId: string, event: E, payload: ServerPayload<E>): void;
  toStaff<E extends ServerEventName>(staffId: string, event: E, payload: ServerPayload<E>): void;
  /** Close every connection of a tablet whose token was revoked or replaced: it must pair again. */
  disconnectDevice(deviceId: string): void;
  /** Tell every console of a staff member why their sessions end, then close their connections. */
  endStaffSession(staffId: string, reason: SessionEndReason): void;
  /** The same for the consoles of one login session (a logout in one tab). */
  endSession(sessionId: string, reason: SessionEndReason): void;
  toAll<E extends ServerEventName>(event: E, payload: ServerPayload<E>): void;
  /** Every connected tablet: a whole state, which a newer push of the same event replaces (see SlicedPush). */
  toDevices<E extends ServerEventName>(event: E, payload: ServerPayload<E>): void;
  /** Every console of a supervisor or an admin. */
  toSupervisors<E extends ServerEventName>(event: E, payload: ServerPayload<E>): void;
}

interface CallOperator {
  name: string;
  department: DepartmentSummary;
}

/** A supervisor in a call: who, from which console, in which mode, since when (the current mode's start, for the audit trail). */
interface CallSupervision {
  name: string;
  /** The login session (console tab) supervising: when its last connection closes, the supervision ends. */
  sessionId: string;
  mode: SupervisionMode;
  since: Date;
}

/** Why a supervision ended, on record and in the audit trail. */
type SupervisionEnd = 'stopped' | 'call_ended' | 'transferred' | 'disconnected' | 'server_stop';

/** How a party's lost connection was repaired, weakest first (the record keeps the strongest step taken). */
const RECOVERY_STEPS = ['network_returned', 'ice_restart', 'rejoin', 'resume_after_restart'] as const;
type RecoveryStep = (typeof RECOVERY_STEPS)[number];

/** A party of a call whose socket or media is gone, from when, and what has been done about it. */
interface Outage {
  since: Date;
  how: RecoveryStep | null;
}

/** The resume window of each party kind: how long a consultation is held for a party that is gone. */
export interface ResumeWindows {
  tabletMs: number;
  operatorMs: number;
}

interface LiveConsultation {
  id: string;
  deviceId: string;
  site: SiteSummary;
  /** The department whose queue the resident is in, or whose operator leads the call (changes on transfer). */
  department: DepartmentSummary;
  requestedAt: Date;
  /** Operators in the call's room, by staff id; the lead first. */
  operators: Map<string, CallOperator>;
  /** Supervisors monitoring, whispering or barged in, by staff id (live supervision). */
  supervisors: Map<string, CallSupervision>;
  /** The call's room from the first answer until the consultation ends (a transfer keeps the resident in it). */
  room?: MediaRoom;
  /**
   * The room made when the call is first offered, with only the resident in it: the tablet's media is
   * connected and flowing into the SFU, consumed by nobody, while the operator's console rings, so the
   * operator sees the resident the moment they answer. It becomes `room` on the answer and is closed
   * when the offer is declined or times out (the tablet stops sending until the next offer).
   */
  preparedRoom?: MediaRoom;
  /** The prepared room being created, which an answer waits for. */
  preparing?: Promise<void>;
  /**
   * The operator whose console rings for the first answer: already in the prepared room, connected
   * and sending, with the room held (MediaRoom.hold) so that nothing is forwarded before 応答.
   */
  ringingOperatorId?: string;
  /** The room's streams sampled every few seconds while it lives; written once at the end. */
  quality: MediaQualityLog;
  qualityTimer?: TimerHandle;
  /** Set just before the command that ends the consultation: who ended it, for the record. */
  ending?: { endedBy: EndedBy; actor: Actor };
  /** Parties whose connection is lost, by participant id (resident:<device> / operator:<staff>). */
  outages: Map<string, Outage>;
  /** Restored after a server restart and not yet resumed by all its parties (`resumed` is recorded then). */
  restored: boolean;
  /** What an operator joining later is shown (call:history): the latest chat messages and the handover notes. */
  chat: ServerPayload<'chat:message'>[];
  handoverNotes: HandoverNote[];
  /** What the tablet was last told of its place (status, position, estimate, operators away): an unchanged place is not pushed again. */
  lastStatusPushed?: string;
  /** The resident's connection quality as the tablet last reported it (media:quality); null until it does. */
  residentQuality: ConnectionQuality | null;
  /** Each party's media path as its browser last reported it (media:path), by principal key. */
  paths: Map<string, MediaPath>;
}

/** A connected call, for what lives beside it (callView). */
export interface CallView extends CallParties {
  room: MediaRoom;
  supervisorIds: string[];
  site: SiteSummary;
  department: DepartmentSummary;
  /** The lead operator's name (call:joined). */
  operatorName: string;
}

/** Who is in a connected call: its tablet and its operators. */
export interface CallParties {
  deviceId: string;
  operatorIds: string[];
}

/** The room the consultation's media is in: the call's, or the one prepared while its first offer rings. */
function mediaRoom(live: LiveConsultation): MediaRoom | undefined {
  return live.room ?? live.preparedRoom;
}

export interface ConsultationServiceOptions {
  db: PrismaClient;
  sfu: MediaNode;
  recorder: ConsultationRecorder;
  notifier: Notifier;
  clock: Clock;
  /** Every department and its routing settings (from the database). */
  departments: readonly DepartmentRoutingView[];
  resumeWindows: ResumeWindows;
  /** How often the SFU's statistics of a call's streams are sampled for its record. */
  qualitySampleMs: number;
  /** Whether chat messages' text goes into the record (the records setting, as last known). */
  keepsChatTranscript(): boolean;
  /** The audit trail: every supervision of a live call is written to it. */
  audit: AuditLog;
  /** Whether the tablet is told that a supervisor listens or joined (the city's setting, as last known). */
  tellsResidentOfSupervision(): boolean;
}

type EndedBy = 'resident' | 'operator' | 'system';

export interface LiveSnapshot {
  consultations: Array<{
    consultationId: string;
    site: SiteSummary;
    department: DepartmentSummary;
    status: 'waiting' | 'offered' | 'refused' | 'in_call';
    requestedAt: Date;
    operators: string[];
    deviceId: string;
    /** How the tablet's media reaches the server (media:path), once it has said. */
    tabletPath: MediaPath | null;
  }>;
  onlineDevices: ReadonlySet<string>;
  operators: Array<{ operatorId: string; primary: readonly string[]; presence: Presence }>;
}

/**
 * How many of the latest chat messages a joining operator is shown: enough to pick up the thread,
 * without holding an endless log in memory (the record keeps every message).
 */
const HISTORY_CHAT_MESSAGES = 200;
/** The same for handover notes: a call handed on more often than this is shown its latest ones. */
const HISTORY_HANDOVER_NOTES = 20;

/** A department's queue push goes out at once, then at most once in this interval while the queue keeps changing. */
const QUEUE_PUSH_INTERVAL_MS = 200;

/**
 * How long a request waits for its row to be in the database before it is routed and acknowledged:
 * a few milliseconds when the database is well, so that a crash right after the ack cannot lose a
 * request the tablet was told is queued (a restart or a take-over restores what the database holds).
 * A database that is faulted gets no more than this: the request goes on, held by the records writer.
 */
const REQUEST_DURABLE_PATIENCE_MS = 2_000;

/** An estimate as the tablet shows it: whole seconds. */
const toSeconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
/** What a tablet is told of its place, to tell whether a push would change anything. */
const statusKey = (status: string, queuePosition: number | null, estimatedWaitSeconds: number | null, allOperatorsAway: boolean) =>
  `${status} ${queuePosition} ${estimatedWaitSeconds} ${allOperatorsAway}`;

const PROTOCOL_CODES: Record<RoutingErrorCode, ErrorCode> = {
  closed: 'CONFLICT',
  invalid_config: 'BAD_REQUEST',
  unknown_department: 'NOT_FOUND',
  unknown_operator: 'CONFLICT',
  unknown_consultation: 'NOT_FOUND',
  duplicate: 'CONFLICT',
  not_offered: 'CONFLICT',
  not_in_call: 'CONFLICT',
  operator_busy: 'CONFLICT',
  invalid_state: 'CONFLICT',
  target_unavailable: 'NO_OPERATOR',
};

function strongest(current: RecoveryStep | null, step: RecoveryStep): RecoveryStep {
  return current && RECOVERY_STEPS.indexOf(current) > RECOVERY_STEPS.indexOf(step) ? current : step;
}

/** Run a routing command; its refusals become protocol errors the browser can show. */
function routed<T>(command: () => T): T {
  try {
    return command();
  } catch (error) {
    if (error instanceof RoutingError) throw new ProtocolError(PROTOCOL_CODES[error.code], error.message);
    throw error;
  }
}

const OUTCOME_EVENT: Record<RoutingOutcome, ConsultationEventType> = {
  completed: 'ended',
  abandoned: 'cancelled',
  no_operator: 'cancelled',
  callback_requested: 'callback_requested',
  failed: 'failed',
};

/**
 * The life of a consultation around the routing core: the core decides who is offered what and
 * when; this service owns what the core must not know — the database rows, the SFU room of each
 * call, the sockets' connections and grace periods — and turns the core's events into pushes and
 * records.
 */
export class ConsultationService {
  readonly #db: PrismaClient;
  readonly #sfu: MediaNode;
  readonly #recorder: ConsultationRecorder;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #resumeWindows: ResumeWindows;
  readonly #qualitySampleMs: number;
  readonly #keepsChatTranscript: () => boolean;
  readonly #audit: AuditLog;
  readonly #tellsResidentOfSupervision: () => boolean;
  readonly #core: RoutingCore;
  /** What the tablets' home screens show on the department buttons. */
  readonly #availability: DepartmentAvailabilityFeed;
  readonly #live = new Map<string, LiveConsultation>();
  readonly #byDevice = new Map<string, LiveConsultation>();
  readonly #requesting = new Set<string>();
  readonly #deviceConnections = new Map<string, number>();
  /** Open socket connections of each operator; their skills live in the routing core. */
  readonly #staffConnections = new Map<string, number>();
  /** Open socket connections of each supervisor's and admin's login session: the last one closing ends its supervisions. */
  readonly #supervisorConnections = new Map<string, number>();
  readonly #departments = new Map<string, DepartmentSummary>();
  /** Departments a tablet may ask for (enabled), as last read: each one's first request reads the database, later ones only this. */
  readonly #requestable = new Map<string, DepartmentSummary>();
  readonly #graceTimers = new Map<string, TimerHandle>();
  /** Operators in 後処理, and the consultation it follows. */
  readonly #wrappingUp = new Map<string, string>();
  /** Each department's queue pushes (positions and estimates on tablets, counts on consoles). */
  readonly #queuePushes = new Map<string, Throttle>();
  #closed = false;
  /**
   * For what lives beside a consultation and goes with it (a call's marks, its guests): `ended` once
   * per consultation; `participants` whenever its parties are pushed again (someone joined, left or
   * came back); `roomRebuilt` when its room was made anew on another media worker.
   */
  readonly observer = new EventEmitter<{ ended: [consultationId: string]; participants: [consultationId: string]; roomRebuilt: [consultationId: string] }>();

  constructor(options: ConsultationServiceOptions) {
    this.#db = options.db;
    this.#sfu = options.sfu;
    this.#recorder = options.recorder;
    this.#notifier = options.notifier;
    this.#clock = options.clock;
    this.#resumeWindows = options.resumeWindows;
    this.#qualitySampleMs = options.qualitySampleMs;
    this.#keepsChatTranscript = options.keepsChatTranscript;
    this.#audit = options.audit;
    this.#tellsResidentOfSupervision = options.tellsResidentOfSupervision;
    for (const { department } of options.departments) this.#rememberDepartment(department);
    this.#core = new RoutingCore({
      clock: options.clock,
      departments: options.departments.map(({ department, ...settings }) => toCoreConfig(department.id, settings)),
    });
    this.#availability = new DepartmentAvailabilityFeed({
      clock: options.clock,
      departmentIds: () => this.#departments.keys(),
      outlook: (departmentId) => this.#core.outlook(departmentId),
      broadcast: (payload) => this.#notifier.toDevices('departments:availability', payload),
      audience: () => this.#deviceConnections.size,
    });
    this.#listen();
    this.#sfu.on('roomsLost', this.#onRoomsLost);
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** The routing state, read-only: for dashboards and tests. */
  get routing(): Pick<RoutingCore, 'operator' | 'operators' | 'consultation' | 'queue' | 'departmentConfig'> {
    return this.#core;
  }

  /** What is live now, for the supervisor's wallboard: consultations, tablets and operators. */
  liveSnapshot(): LiveSnapshot {
    return {
      consultations: [...this.#live.values()].map((live) => ({
        consultationId: live.id,
        site: live.site,
        department: live.department,
        status: live.room && live.operators.size > 0 ? 'in_call' : (this.#core.consultation(live.id)?.phase ?? 'waiting'),
        requestedAt: live.requestedAt,
        operators: [...live.operators.values()].map((operator) => operator.name),
        deviceId: live.deviceId,
        tabletPath: live.paths.get(deviceKey(live.deviceId)) ?? null,
      })),
      onlineDevices: new Set(this.#deviceConnections.keys()),
      operators: this.#core.operators().map(({ operatorId, primary, presence }) => ({ operatorId, primary, presence })),
    };
  }

  /** Apply an admin's change to a department's routing (validated and saved by the caller). */
  applyRoutingSettings(department: DepartmentSummary, settings: RoutingSettings): void {
    this.#rememberDepartment(department);
    routed(() => this.#core.setDepartmentConfig(toCoreConfig(department.id, settings)));
    this.#availability.changed();
  }

  /**
   * An admin added or changed a department (its name, order, kiosk text, whether it is offered): the
   * core routes to it from now on, and every kiosk and console fetches the department list again.
   */
  departmentsChanged(departments: readonly (DepartmentSummary & { active: boolean })[]): void {
    for (const department of departments) {
      const summary = this.#rememberDepartment(department);
      if (department.active) this.#requestable.set(summary.id, summary);
      else this.#requestable.delete(summary.id);
      this.#ensureDepartment(department.id);
    }
    this.#notifier.toAll('departments:changed', {});
  }

  /**
   * An admin changed a staff member's departments. The routing core keeps an operator it knows across
   * logins, so it takes the new skills now (an offer or call in progress is not affected); the change
   * also ends the operator's sessions, and the next login is offered calls by them. One the core does
   * not know gets them from the database at the next login.
   */
  staffSkillsChanged(staffId: string, skills: { primary: readonly string[]; secondary: readonly string[] }): void {
    if (!this.#core.operator(staffId)) return;
    for (const departmentId of [...skills.primary, ...skills.secondary]) this.#ensureDepartment(departmentId);
    routed(() => this.#core.updateSkills(staffId, skills));
    this.#sendOperatorState(staffId);
  }

  /**
   * Every session of a staff member was ended (signed out by an admin, disabled, changed): they are
   * not coming back to their call, so the resident is not held for them as for a lost console. A
   * call they lead goes back to its department's queue ahead of new arrivals with its original
   * request time — the routing core's transfer, which passes over the operator who left; in a
   * three-party call they just leave. When the department can take nobody now (closed, unstaffed),
   * the call is left to the lost-console path (held, then ended).
   */
  staffSignedOut(staffId: string): void {
    const consultationId = this.#core.operator(staffId)?.consultationId;
    const entry = consultationId ? this.#core.consultation(consultationId) : undefined;
    if (!entry || entry.phase !== 'in_call') return;
    try {
      if (entry.specialistId) return this.#core.leaveCall(staffId);
      if (entry.specialistEntryId) this.#core.cancelSpecialist(entry.consultationId);
      this.#core.transfer(entry.consultationId, entry.departmentId, staffId);
    } catch (error) {
      if (!(error instanceof RoutingError)) throw error;
      logger.warn(`consultation ${entry.consultationId} stays with its signed-out operator until their resume window ends: ${error.message}`);
    }
  }

  // ── Connections ────────────────────────────────────────────────────────────

  connected(principal: Principal): void {
    if (this.#closed) return;
    this.#clearGrace(principalKey(principal));
    if (principal.kind === 'device') {
      const connections = (this.#deviceConnections.get(principal.deviceId) ?? 0) + 1;
      this.#deviceConnections.set(principal.deviceId, connections);
      const live = this.#byDevice.get(principal.deviceId);
      this.#notifier.toDevice(principal.deviceId, 'consultation:current', { consultationId: live?.id ?? null });
      this.#notifier.toDevice(principal.deviceId, 'departments:availability', this.#availability.snapshot());
      if (live) this.#resumeResident(live);
      return;
    }
    if (principal.role !== 'operator') {
      this.#supervisorConnections.set(principal.sessionId, (this.#supervisorConnections.get(principal.sessionId) ?? 0) + 1);
      return;
    }
    const connections = (this.#staffConnections.get(principal.staffId) ?? 0) + 1;
    this.#staffConnections.set(principal.staffId, connections);
    if (connections > 1) {
      this.#sendOperatorState(principal.staffId);
      const live = this.#live.get(this.#core.operator(principal.staffId)?.consultationId ?? '');
      if (live?.room) this.#resumeOperator(live, principal.staffId);
      return;
    }
    for (const departmentId of [...principal.departmentIds, ...principal.secondaryDepartmentIds]) this.#ensureDepartment(departmentId);
    const operator = this.#core.operator(principal.staffId)
      ? this.#core.operatorConnected(principal.staffId)
      : this.#core.addOperator({ operatorId: principal.staffId, primary: principal.departmentIds, secondary: principal.secondaryDepartmentIds });
    this.#sendOperatorState(principal.staffId);
    const live = operator.consultationId ? this.#live.get(operator.consultationId) : undefined;
    if (operator.presence === 'in_call' && live?.room) this.#resumeOperator(live, principal.staffId);
  }

  disconnected(principal: Principal): void {
    if (this.#closed) return;
    if (principal.kind === 'device') {
      const left = (this.#deviceConnections.get(principal.deviceId) ?? 1) - 1;
      if (left > 0) {
        this.#deviceConnections.set(principal.deviceId, left);
        return;
      }
      this.#deviceConnections.delete(principal.deviceId);
      const live = this.#byDevice.get(principal.deviceId);
      if (live) {
        this.#connectionLost(live, `resident:${live.deviceId}`, this.#clock.now(), 'socket');
        this.#startGrace(deviceKey(principal.deviceId), this.#resumeWindows.tabletMs, () => this.#tabletGone(live));
      }
      return;
    }
    if (principal.role !== 'operator') return this.#supervisorDisconnected(principal);
    const connections = this.#staffConnections.get(principal.staffId);
    if (connections === undefined) return;
    const left = Math.max(0, connections - 1);
    this.#staffConnections.set(principal.staffId, left);
    // A ringing offer moves on at once; a call gets a grace period (operatorLost).
    if (left === 0 && this.#core.operator(principal.staffId)) this.#core.operatorDisconnected(principal.staffId);
  }

  /**
   * The tablet did not come back within its resume window: a call fails, a waiting request is
   * abandoned; a consultation held across a restart that its tablet never resumed fails as server_restart.
   */
  #tabletGone(live: LiveConsultation): void {
    live.ending = { endedBy: 'system', actor: { type: 'system' } };
    const phase = this.#core.consultation(live.id)?.phase;
    if (!phase) return;
    if (this.#lostInRestart(live, `resident:${live.deviceId}`)) this.#core.fail(live.id, 'server_restart');
    else if (phase === 'in_call') this.#core.fail(live.id, 'tablet_disconnected');
    else this.#core.cancel(live.id, 'tablet_disconnected');
  }

  #lostInRestart(live: LiveConsultation, participantId: string): boolean {
    return live.outages.get(participantId)?.how === 'resume_after_restart';
  }

  // ── After a restart ────────────────────────────────────────────────────────

  /**
   * Take back the consultations that were open when the server stopped: each is held for its
   * parties' resume windows. A waiting resident is back in the queue at their original place; a
   * call gets a new room and its operator, and goes on when tablet and console are back.
   */
  async restore(held: readonly HeldConsultation[]): Promise<void> {
    const now = this.#clock.now();
    for (const consultation of held) {
      if (!consultation.heldCleanly) {
        void this.#recorder.record(consultation.id, 'held', now, { type: 'system' }, { data: { reason: 'server_crash' } });
      }
      const live: LiveConsultation = {
        id: consultation.id,
        deviceId: consultation.deviceId,
        site: consultation.site,
        department: this.#rememberDepartment(consultation.department),
        requestedAt: consultation.requestedAt,
        operators: new Map(),
        supervisors: new Map(),
        quality: new MediaQualityLog(),
        outages: new Map([[`resident:${consultation.deviceId}`, { since: consultation.heldSince, how: 'resume_after_restart' }]]),
        restored: true,
        chat: [],
        handoverNotes: [],
        residentQuality: null,
        paths: new Map(),
      };
      this.#live.set(live.id, live);
      this.#byDevice.set(live.deviceId, live);
      this.#ensureDepartment(live.department.id);
      try {
        if (consultation.call) await this.#restoreCall(live, consultation.call, consultation.heldSince);
        else this.#core.request({ consultationId: live.id, departmentId: live.department.id, requestedAt: live.requestedAt, resumed: true });
      } catch (error) {
        logger.error(`consultation ${live.id} could not be restored:`, error);
        if (this.#core.consultation(live.id)) this.#failIfLive(live, 'server_restart');
        else this.#failUnrouted(live, now);
        continue;
      }
      if (this.#live.has(live.id)) this.#startGrace(deviceKey(live.deviceId), this.#resumeWindows.tabletMs, () => this.#tabletGone(live));
    }
    if (held.length > 0) logger.info(`${held.length} consultation(s) held from before the restart`);
  }

  /** A restored consultation the routing core never took: closed on record as failed all the same. */
  #failUnrouted(live: LiveConsultation, at: Date): void {
    this.#live.delete(live.id);
    this.#byDevice.delete(live.deviceId);
    live.room?.close();
    void this.#recorder.record(live.id, 'failed', at, { type: 'system' }, {
      update: { endedAt: at, outcome: 'failed', endedBy: 'system' },
      data: { reason: 'server_restart' },
    });
  }

  async #restoreCall(live: LiveConsultation, call: NonNullable<HeldConsultation['call']>, heldSince: Date): Promise<void> {
    const { operatorId } = call;
    for (const departmentId of [...call.skills.primary, ...call.skills.secondary]) this.#ensureDepartment(departmentId);
    if (!this.#core.operator(operatorId)) this.#core.addOperator({ operatorId, primary: call.skills.primary, secondary: call.skills.secondary });
    this.#core.restoreCall({ consultationId: live.id, departmentId: live.department.id, operatorId, requestedAt: live.requestedAt, answeredAt: call.answeredAt });
    live.operators.set(operatorId, { name: call.operatorName, department: live.department });
    live.outages.set(`operator:${operatorId}`, { since: heldSince, how: 'resume_after_restart' });
    live.room = await this.#sfu.createRoom(live.id);
    this.#sampleQuality(live);
    // Its console is not connected yet: the operator's resume window starts (operatorLost).
    this.#core.operatorDisconnected(operatorId);
  }

  // ── Tablet ─────────────────────────────────────────────────────────────────

  /**
   * A resident asks for a department. `reservation`: they came for a booking — ahead of walk-ins, and
   * offered first to the operator named on it.
   */
  async request(
    device: DevicePrincipal,
    departmentId: string,
    reservation?: { preferredOperatorId: string | null },
  ): Promise<ClientAck<'consultation:request'>> {
    if (this.#byDevice.has(device.deviceId) || this.#requesting.has(device.deviceId)) {
      throw new ProtocolError('CONFLICT', 'this tablet already has a consultation');
    }
    // Reserved across the awaits below: two requests from one tablet must not both pass.
    this.#requesting.add(device.deviceId);
    let live: LiveConsultation;
    try {
      const requestedAt = this.#clock.now();
      // Known departments come from memory: a burst of requests costs no database round trip each.
      const department = this.#requestable.get(departmentId) ?? (await this.#loadRequestable(departmentId));
      if (!department) throw new ProtocolError('NOT_FOUND', 'no such department');
      if (this.#closed) throw new ProtocolError('CONFLICT', 'the server is shutting down');
      const id = this.#recorder.create(
        { siteId: device.siteId, deviceId: device.deviceId, departmentId: department.id, requestedAt },
        { type: 'device', id: device.deviceId },
      );
      live = {
        id,
        deviceId: device.deviceId,
        site: { id: device.siteId, name: device.siteName },
        department: this.#rememberDepartment(department),
        requestedAt,
        operators: new Map(),
        supervisors: new Map(),
        quality: new MediaQualityLog(),
        outages: new Map(),
        restored: false,
        chat: [],
        handoverNotes: [],
        residentQuality: null,
        paths: new Map(),
      };
      await this.#durable(id);
    } finally {
      this.#requesting.delete(device.deviceId);
    }
    // Stopping meanwhile: the consultation is in the database, and the next start (or owner) restores it as waiting.
    if (this.#closed) return { consultationId: live.id, status: 'waiting', queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false };
    this.#live.set(live.id, live);
    this.#byDevice.set(device.deviceId, live);
    this.#ensureDepartment(live.department.id);
    const result = this.#core.request({
      consultationId: live.id,
      departmentId: live.department.id,
      requestedAt: live.requestedAt,
      ...(reservation && { priority: CORE_DEFAULTS.reservedPriority, preferredOperatorId: reservation.preferredOperatorId ?? undefined }),
    });
    if (!result.accepted) {
      return { consultationId: live.id, status: 'waiting', queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false };
    }
    // The place goes with the ack, all of it: the department's coalesced pushes then only send changes
    // (in a burst with everyone away, a push to each new tablet right after its ack was a third of the work).
    const estimatedWaitSeconds = toSeconds(result.estimatedWaitMs);
    const allOperatorsAway = result.status === 'waiting' && this.#core.outlook(live.department.id).servingOperators === 0;
    live.lastStatusPushed = statusKey(result.status, result.position, estimatedWaitSeconds, allOperatorsAway);
    return { consultationId: live.id, status: result.status, queuePosition: result.position, estimatedWaitSeconds, allOperatorsAway };
  }

  /** Resolves once the consultation's row is written, or after REQUEST_DURABLE_PATIENCE_MS (a faulted database). */
  async #durable(consultationId: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, REQUEST_DURABLE_PATIENCE_MS)));
    try {
      await Promise.race([this.#recorder.onRecord(consultationId), patience]);
    } finally {
      clearTimeout(timer);
    }
  }

  cancel(device: DevicePrincipal, consultationId: string): void {
    const live = this.#own(device, consultationId);
    live.ending = { endedBy: 'resident', actor: { type: 'device', id: device.deviceId } };
    routed(() => this.#core.cancel(live.id));
  }

  /** The resident leaves a name and number instead of waiting (or after a refusal). Stored before the request ends. */
  async requestCallback(device: DevicePrincipal, consultationId: string, name: string, phone: string): Promise<void> {
    const live = this.#own(device, consultationId);
    const phase = this.#core.consultation(live.id)?.phase;
    if (!phase || phase === 'in_call') throw new ProtocolError('CONFLICT', 'the call is already connected');
    await this.#recorder.onRecord(live.id);
    await this.#db.callbackRequest.create({
      data: { consultationId: live.id, departmentId: live.department.id, name, phone, createdAt: this.#clock.now() },
    });
    live.ending = { endedBy: 'resident', actor: { type: 'device', id: device.deviceId } };
    routed(() => this.#core.requestCallback(live.id));
  }

  // ── Operator ───────────────────────────────────────────────────────────────

  /** 受付可 / 離席中; 受付可 during 後処理 ends it early. */
  setPresence(staff: StaffPrincipal, presence: SelectablePresence): void {
    if (!this.#core.operator(staff.staffId)) throw new ProtocolError('CONFLICT', 'not connected');
    routed(() => this.#core.setPresence(staff.staffId, presence));
  }

  async accept(staff: StaffPrincipal, consultationId: string): Promise<void> {
    const live = this.#live.get(consultationId);
    if (!live) throw new ProtocolError('CONFLICT', 'this call is not offered to you');
    await live.preparing;
    const accepted = routed(() => this.#core.accept(staff.staffId, consultationId));
    const joinsOngoingCall = live.room !== undefined;
    live.operators.set(staff.staffId, { name: staff.displayName, department: this.#departmentSummary(accepted.departmentId) });
    if (accepted.kind === 'resident') live.department = this.#departmentSummary(accepted.departmentId);

    live.ringingOperatorId = undefined;
    let room = live.room;
    if (!room && live.preparedRoom) {
      // Both sides are already in the room: what they send is forwarded from now on.
      room = live.room = live.preparedRoom;
      live.preparedRoom = undefined;
      void room.release();
      this.#sampleQuality(live);
      const answered = { consultationId: live.id, operatorName: staff.displayName, department: live.department };
      this.#notifier.toDevice(live.deviceId, 'call:answered', answered);
      if (room.participant(`operator:${staff.staffId}`)) {
        this.#notifier.toStaff(staff.staffId, 'call:answered', answered);
        this.#operatorAnsweredPrepared(live, staff);
        this.#pushParticipants(live);
        return;
      }
    } else if (!room) {
      try {
        room = await this.#sfu.createRoom(live.id);
      } catch (error) {
        logger.error(`no media room for consultation ${live.id}:`, error);
        this.#failIfLive(live, 'media_unavailable');
        throw new ProtocolError('MEDIA_ERROR', 'the media server could not start the call');
      }
      if (!this.#live.has(live.id)) {
        room.close(); // ended while the room was being created
        return;
      }
      live.room = room;
      this.#sampleQuality(live);
      this.#enterRoom(live, room, 'resident', live.deviceId);
    }
    this.#enterRoom(live, room, 'operator', staff.staffId);
    this.#pushParticipants(live);
    if (joinsOngoingCall) void this.#sendHistory(live, staff.staffId);
  }

  /** What an operator who entered the room while their console rang learns only once they answer. */
  #operatorAnsweredPrepared(live: LiveConsultation, staff: StaffPrincipal): void {
    if (live.residentQuality) this.#notifier.toStaff(staff.staffId, 'call:quality', { consultationId: live.id, role: 'resident', quality: live.residentQuality });
    const path = live.paths.get(principalKey(staff));
    if (path) void this.#recorder.record(live.id, 'media_path', this.#clock.now(), this.#actor(staff), { data: { role: 'staff', ...path } });
  }

  decline(staff: StaffPrincipal, consultationId: string): void {
    routed(() => this.#core.decline(staff.staffId, consultationId));
  }

  /** Blind transfer: the resident stays connected to the room and waits, ahead of others, for the new department. */
  async transfer(staff: StaffPrincipal, consultationId: string, departmentId: string, note?: string): Promise<void> {
    await this.#routableDepartment(departmentId);
    const live = this.#own(staff, consultationId);
    // Read before the transfer: the transferring operator leaves the call as part of it.
    const from = live.operators.get(staff.staffId)!;
    routed(() => this.#core.transfer(live.id, departmentId, staff.staffId));
    if (note) this.#keepHandoverNote(live, 'transfer', staff.staffId, from, departmentId, note);
  }

  async invite(staff: StaffPrincipal, consultationId: string, departmentId: string, note?: string): Promise<{ status: 'waiting' | 'offered' }> {
    await this.#routableDepartment(departmentId);
    const live = this.#own(staff, consultationId);
    const { status } = routed(() => this.#core.inviteSpecialist(live.id, departmentId, staff.staffId));
    if (note) this.#keepHandoverNote(live, 'invite', staff.staffId, live.operators.get(staff.staffId)!, departmentId, note);
    return { status };
  }

  /** Whether the staff member is in this consultation's call now (they may see what belongs to it, e.g. its stills). */
  takesPart(staffId: string, consultationId: string): boolean {
    return this.#live.get(consultationId)?.operators.has(staffId) ?? false;
  }

  cancelInvite(staff: StaffPrincipal, consultationId: string): void {
    const live = this.#own(staff, consultationId);
    routed(() => this.#core.cancelSpecialist(live.id));
  }

  /** Leave a three-party call; the other operator carries on. */
  leave(staff: StaffPrincipal, consultationId: string): void {
    this.#own(staff, consultationId);
    routed(() => this.#core.leaveCall(staff.staffId));
  }

  // ── Supervisor ─────────────────────────────────────────────────────────────

  /**
   * A supervisor (or admin) enters a call in progress to monitor, whisper or barge in: on the audit
   * trail first (refused if it cannot be written), then on record, then into the call's room as a
   * party of its own (call:joined, role supervisor) who consumes everyone and is consumed by the
   * mode's audience only. The operators are shown who supervises; the tablet is told if the city says so.
   */
  async startSupervision(staff: StaffPrincipal, consultationId: string, mode: SupervisionMode): Promise<void> {
    const live = this.#callInProgress(consultationId);
    if (live.supervisors.has(staff.staffId)) throw new ProtocolError('CONFLICT', 'already supervising this call');
    const at = this.#clock.now();
    // Reserved before the await: a second start of the same supervisor is refused, not doubled.
    const supervision: CallSupervision = { name: staff.displayName, sessionId: staff.sessionId, mode, since: at };
    live.supervisors.set(staff.staffId, supervision);
    try {
      await this.#audit.write({ staffId: staff.staffId, action: 'supervision.start', targetId: live.id, details: { mode }, at });
    } catch (error) {
      live.supervisors.delete(staff.staffId);
      throw error;
    }
    // The call ended (or was transferred, or the supervisor's console went) during the write: that ended the supervision.
    if (live.supervisors.get(staff.staffId) !== supervision || !live.room) throw new ProtocolError('CONFLICT', 'the call ended meanwhile');
    void this.#recorder.record(live.id, 'supervision_started', at, { type: 'staff', id: staff.staffId }, { data: { mode } });
    this.#enterRoom(live, live.room, 'supervisor', staff.staffId);
    this.#pushSupervision(live);
  }

  /** Move between monitor, whisper and barge: who hears the supervisor changes at once; to monitor, their microphone is closed. */
  async changeSupervision(staff: StaffPrincipal, consultationId: string, mode: SupervisionMode): Promise<void> {
    const live = this.#supervised(staff, consultationId);
    const supervision = live.supervisors.get(staff.staffId)!;
    if (supervision.mode === mode) return;
    const at = this.#clock.now();
    const from = supervision.mode;
    this.#auditSupervisionEnd(staff.staffId, live.id, supervision, at, 'mode_changed');
    supervision.mode = mode;
    supervision.since = at;
    void this.#audit
      .write({ staffId: staff.staffId, action: 'supervision.start', targetId: live.id, details: { mode }, at })
      .catch((error: unknown) => logger.error(`supervision of ${live.id} by ${staff.staffId} not audited:`, error));
    void this.#recorder.record(live.id, 'supervision_mode_changed', at, { type: 'staff', id: staff.staffId }, { data: { from, to: mode } });
    const participantId = `supervisor:${staff.staffId}`;
    const participant = live.room?.participant(participantId);
    if (participant) {
      if (mode === 'monitor') participant.closeProducers();
      await live.room!.setAudience(participantId, SUPERVISOR_AUDIENCE[mode]);
    }
    this.#pushSupervision(live);
  }

  stopSupervision(staff: StaffPrincipal, consultationId: string): void {
    this.#endSupervision(this.#supervised(staff, consultationId), staff.staffId, 'stopped');
  }

  /**
   * What a supervisor may send into the call's room: nothing while monitoring, their microphone
   * while whispering or barged in. Everyone else: their participant as participant() gives it.
   */
  sender(principal: Principal, consultationId: string): MediaParticipant {
    const participant = this.participant(principal, consultationId);
    const supervision = principal.kind === 'staff' ? this.#live.get(consultationId)?.supervisors.get(principal.staffId) : undefined;
    if (participant.role === 'supervisor' && supervision?.mode === 'monitor') throw new ProtocolError('FORBIDDEN', 'a supervisor who monitors sends nothing');
    return participant;
  }

  /** A call with a room and an operator in it (what a supervisor may join); anything else is NOT_FOUND. */
  #callInProgress(consultationId: string): LiveConsultation {
    const live = this.#live.get(consultationId);
    if (!live?.room || live.operators.size === 0 || this.#core.consultation(live.id)?.phase !== 'in_call') {
      throw new ProtocolError('NOT_FOUND', 'no call in progress with this id');
    }
    return live;
  }

  #supervised(staff: StaffPrincipal, consultationId: string): LiveConsultation {
    const live = this.#live.get(consultationId);
    if (!live?.supervisors.has(staff.staffId)) throw new ProtocolError('NOT_FOUND', 'not supervising this call');
    return live;
  }

  /**
   * The single end of one supervisor's part in a call (stopped, the call ended or was transferred,
   * their console gone): their participant closes with every transport, producer and consumer, the
   * audit trail and the record say so, and the call's parties are told.
   */
  #endSupervision(live: LiveConsultation, staffId: string, reason: SupervisionEnd): void {
    const supervision = live.supervisors.get(staffId);
    if (!supervision) return;
    live.supervisors.delete(staffId);
    live.room?.participant(`supervisor:${staffId}`)?.close();
    const at = this.#clock.now();
    this.#auditSupervisionEnd(staffId, live.id, supervision, at, reason);
    void this.#recorder.record(live.id, 'supervision_ended', at, { type: 'staff', id: staffId }, { data: { mode: supervision.mode, reason } });
    if (reason === 'stopped' || reason === 'call_ended' || reason === 'transferred') {
      this.#notifier.toStaff(staffId, 'supervision:ended', { consultationId: live.id, reason });
    }
    this.#pushSupervision(live);
  }

  #auditSupervisionEnd(staffId: string, consultationId: string, supervision: CallSupervision, at: Date, reason: SupervisionEnd | 'mode_changed'): void {
    const details = { mode: supervision.mode, startedAt: supervision.since.toISOString(), endedAt: at.toISOString(), reason };
    void this.#audit
      .write({ staffId, action: 'supervision.end', targetId: consultationId, details, at })
      .catch((error: unknown) => logger.error(`end of the supervision of ${consultationId} by ${staffId} not audited:`, error));
  }

  #supervisorDisconnected({ staffId, sessionId }: StaffPrincipal): void {
    const left = (this.#supervisorConnections.get(sessionId) ?? 1) - 1;
    if (left > 0) {
      this.#supervisorConnections.set(sessionId, left);
      return;
    }
    this.#supervisorConnections.delete(sessionId);
    for (const live of this.#live.values()) {
      if (live.supervisors.get(staffId)?.sessionId === sessionId) this.#endSupervision(live, staffId, 'disconnected');
    }
  }

  /**
   * Who supervises the call, to its operators (their banner) and supervisors; to the tablet what to
   * say (listening, joined, nothing) when the city tells residents.
   */
  #pushSupervision(live: LiveConsultation): void {
    const supervisors = [...live.supervisors].map(([staffId, { name, mode, since }]) => ({ staffId, name, mode, since: since.toISOString() }));
    for (const staffId of [...live.operators.keys(), ...live.supervisors.keys()]) {
      this.#notifier.toStaff(staffId, 'call:supervision', { consultationId: live.id, supervisors });
    }
    if (!this.#tellsResidentOfSupervision()) return;
    const notice = supervisors.length === 0 ? null : supervisors.some(({ mode }) => mode === 'barge') ? 'joined' : 'listening';
    this.#notifier.toDevice(live.deviceId, 'call:supervisionNotice', { consultationId: live.id, notice });
  }

  // ── Both sides ─────────────────────────────────────────────────────────────

  end(principal: Principal, consultationId: string): void {
    const live = this.#own(principal, consultationId);
    live.ending = { endedBy: principal.kind === 'device' ? 'resident' : 'operator', actor: this.#actor(principal) };
    const phase = this.#core.consultation(live.id)?.phase;
    routed(() => (phase === 'in_call' ? this.#core.endCall(live.id) : this.#core.cancel(live.id)));
  }

  /**
   * A chat message in a connected call: kept in the consultation's record (never on the tablet)
   * and delivered to everyone in the call, the sender included, so all see one order.
   */
  chat(principal: Principal, consultationId: string, text: string): { messageId: string; at: string } {
    const live = this.#own(principal, consultationId);
    if (!live.room) throw new ProtocolError('CONFLICT', 'the call is not connected');
    const from: ParticipantRole = principal.kind === 'device' ? 'resident' : 'operator';
    const at = this.#clock.now();
    const message = { consultationId, messageId: randomUUID(), from, text, at: at.toISOString() };
    // Without a kept transcript the record still shows that, when and by whom a message was written.
    const data = this.#keepsChatTranscript() ? { from, text } : { from, characters: text.length };
    void this.#recorder.record(live.id, 'chat', at, this.#actor(principal), { data });
    live.chat.push(message);
    if (live.chat.length > HISTORY_CHAT_MESSAGES) live.chat.shift();
    this.#notifier.toDevice(live.deviceId, 'chat:message', message);
    for (const staffId of live.operators.keys()) this.#notifier.toStaff(staffId, 'chat:message', message);
    return { messageId: message.messageId, at: message.at };
  }

  /** The tablet of a connected call the principal takes part in (for what travels beside the media, e.g. stills). */
  connectedTablet(principal: Principal, consultationId: string): string {
    return this.connectedParties(principal, consultationId).deviceId;
  }

  /** The tablet and operators of a connected call the principal takes part in (for what all of them see, e.g. marks). */
  connectedParties(principal: Principal, consultationId: string): CallParties {
    const live = this.#own(principal, consultationId);
    if (!live.room || live.operators.size === 0) throw new ProtocolError('CONFLICT', 'the call is not connected');
    return { deviceId: live.deviceId, operatorIds: [...live.operators.keys()] };
  }

  /**
   * A connected call as what lives beside it sees it (guests by link): its room, its parties, where
   * the resident is and whom they consult; null when there is no call with a room and an operator.
   */
  callView(consultationId: string): CallView | null {
    const live = this.#live.get(consultationId);
    if (!live?.room || live.room.closed || live.operators.size === 0) return null;
    return {
      room: live.room,
      deviceId: live.deviceId,
      operatorIds: [...live.operators.keys()],
      supervisorIds: [...live.supervisors.keys()],
      site: live.site,
      department: live.department,
      operatorName: [...live.operators.values()][0]?.name ?? '',
    };
  }

  /** The caller's media participant in a connected call; refuses anyone not in it. */
  participant(principal: Principal, consultationId: string): MediaParticipant {
    const live = this.#mediaParty(principal, consultationId);
    const participant = mediaRoom(live)?.participant(this.#participantId(principal));
    if (!participant) throw new ProtocolError('CONFLICT', 'the call is not connected');
    return participant;
  }

  /**
   * New ICE credentials for one of the caller's transports: its connection was lost and the browser
   * restarts ICE on the same transport. The outage goes on record from when the browser lost it.
   */
  async restartIce(principal: Principal, consultationId: string, transportId: string, disconnectedForMs: number) {
    const live = this.#own(principal, consultationId);
    const participant = this.participant(principal, consultationId);
    const iceParameters = await participant.restartIce(transportId);
    // A supervisor's own link is nobody else's business: it is not on record and not shown.
    if (participant.role === 'supervisor') return { iceParameters };
    const outage = this.#connectionLost(live, participant.id, new Date(this.#clock.now().getTime() - disconnectedForMs), 'media');
    outage.how = strongest(outage.how, 'ice_restart');
    return { iceParameters };
  }

  /** An ICE restart did not help (or the transports are gone): the caller enters the call's room afresh. */
  rejoin(principal: Principal, consultationId: string): void {
    const live = this.#own(principal, consultationId);
    const room = mediaRoom(live);
    if (!room) throw new ProtocolError('CONFLICT', 'the call is not connected');
    const participantId = this.#participantId(principal);
    const participant = room.participant(participantId);
    if (!participant) throw new ProtocolError('CONFLICT', 'not in this call');
    if (participant.role !== 'supervisor') {
      const outage = this.#connectionLost(live, participantId, this.#clock.now(), 'media');
      outage.how = strongest(outage.how, 'rejoin');
    }
    this.#reenterRoom(live, participant.role as ParticipantRole, principal.kind === 'device' ? principal.deviceId : principal.staffId);
  }

  /**
   * The caller's media is connected again: the outage ends on record with its gap. An outage only
   * the browser saw (its media stalled while its socket held) goes on record now, from when it began.
   */
  recovered(principal: Principal, consultationId: string, lostForMs: number | undefined): void {
    const live = this.#own(principal, consultationId);
    const participantId = this.#participantId(principal);
    if (lostForMs !== undefined) {
      // The browser's media often stopped before the server missed its socket: the gap runs from the earlier.
      const lostAt = new Date(this.#clock.now().getTime() - lostForMs);
      const outage = this.#connectionLost(live, participantId, lostAt, 'media');
      if (lostAt < outage.since) outage.since = lostAt;
    }
    this.#connectionBack(live, participantId);
  }

  /** The tablet's own measure of its connection changed: the operators in the call are told, to say it in words. */
  reportQuality(principal: Principal, consultationId: string, quality: ConnectionQuality): void {
    const live = this.#own(principal, consultationId);
    if (principal.kind !== 'device' || live.residentQuality === quality) return;
    live.residentQuality = quality;
    for (const staffId of live.operators.keys()) this.#notifier.toStaff(staffId, 'call:quality', { consultationId, role: 'resident', quality });
  }

  /**
   * A browser's media path (straight to the SFU, or through TURN and how): kept for the wallboard,
   * and recorded when it is new or changed (a reconnection may move a tablet onto TURN).
   */
  reportPath(principal: Principal, consultationId: string, path: MediaPath): void {
    const live = this.#mediaParty(principal, consultationId);
    const key = principalKey(principal);
    const changed = !samePath(live.paths.get(key), path);
    live.paths.set(key, path);
    // A console that connected while it rang has its path recorded when it answers (if it does).
    const ringing = principal.kind === 'staff' && live.ringingOperatorId === principal.staffId;
    if (changed && !ringing) {
      const role = principal.kind === 'device' ? 'resident' : 'staff';
      void this.#recorder.record(live.id, 'media_path', this.#clock.now(), this.#actor(principal), { data: { role, ...path } });
    }
  }

  /** How the tablet draws what an operator shows: passed on to the operators, for their preview. */
  reportShareDisplay(device: DevicePrincipal, consultationId: string, display: ShareDisplay): void {
    const live = this.#own(device, consultationId);
    for (const staffId of live.operators.keys()) this.#notifier.toStaff(staffId, 'call:shareDisplayed', { consultationId, display });
  }

  /**
   * Stop (a restart or an update): no new requests; clients are told; every open consultation is
   * recorded as `held` and stays open in the database, to be resumed by the next start (restore()).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#graceTimers.values()) this.#clock.clearTimeout(timer);
    for (const pushes of this.#queuePushes.values()) pushes.close();
    this.#graceTimers.clear();
    this.#queuePushes.clear();
    this.#availability.close();
    this.#notifier.toAll('server:restarting', {});
    const at = this.#clock.now();
    for (const live of this.#live.values()) {
      if (live.qualityTimer) this.#clock.clearTimeout(live.qualityTimer);
      for (const staffId of [...live.supervisors.keys()]) this.#endSupervision(live, staffId, 'server_stop');
      void this.#recorder.record(live.id, 'held', at, { type: 'system' }, { data: { reason: 'server_stop' } });
    }
    this.#live.clear();
    this.#byDevice.clear();
    this.#core.close();
    this.#sfu.off('roomsLost', this.#onRoomsLost);
    await this.#recorder.flush();
  }

  // ── Routing events → rooms, pushes and records ─────────────────────────────

  #listen(): void {
    const events = this.#core.events;
    const record = (id: string, type: ConsultationEventType, at: Date, data?: Record<string, unknown>, actor: Actor = { type: 'system' }) => {
      if (this.#live.has(id)) void this.#recorder.record(id, type, at, actor, data ? { data } : {});
    };

    events.on('offered', (event) => this.#offered(event));
    events.on('offerWithdrawn', ({ consultationId, operatorId, reason, at }) => {
      const type = reason === 'declined' ? 'declined' : reason === 'timeout' ? 'offer_timeout' : 'offer_withdrawn';
      const actor: Actor = reason === 'declined' ? { type: 'staff', id: operatorId } : { type: 'system' };
      record(consultationId, type, at, { operatorId, reason }, actor);
      const live = this.#live.get(consultationId);
      if (live) this.#releasePreparedRoom(live, operatorId);
      this.#notifier.toStaff(operatorId, 'offer:withdrawn', {
        consultationId,
        reason: reason === 'operator_removed' ? 'cancelled' : reason,
      });
    });
    events.on('answered', ({ consultationId, operatorId, departmentId, tier, waitedMs, transferred, at }) => {
      const first = !transferred;
      const live = this.#live.get(consultationId);
      if (!live) return;
      void this.#recorder.record(consultationId, 'answered', at, { type: 'staff', id: operatorId }, {
        data: { departmentId, tier, waitedMs },
        ...(first ? { update: { operatorId, answeredAt: at } } : {}),
      });
    });
    events.on('refused', ({ consultationId, departmentId, reason, nextOpeningAt, at }) => {
      record(consultationId, 'refused', at, { reason, nextOpeningAt: nextOpeningAt?.toISOString() ?? null });
      const live = this.#live.get(consultationId);
      if (live) this.#sendRefusal(live, departmentId, reason, nextOpeningAt);
    });
    events.on('queueTouched', ({ departmentId }) => {
      this.#scheduleQueuePush(departmentId);
      this.#availability.changed();
    });
    events.on('presenceChanged', ({ operatorId, presence, previous, awayReason, consultationId, at }) => {
      this.#availability.changed(); // logging in or out decides whether a request is refused
      this.#notifier.toStaff(operatorId, 'presence:changed', { presence, awayReason });
      // 後処理 belongs to the consultation it follows: its end is a step of that record.
      if (presence === 'wrap_up' && consultationId) this.#wrappingUp.set(operatorId, consultationId);
      if (previous === 'wrap_up') {
        const wrappedUp = this.#wrappingUp.get(operatorId);
        this.#wrappingUp.delete(operatorId);
        if (wrappedUp) void this.#recorder.record(wrappedUp, 'wrap_up_ended', at, { type: 'staff', id: operatorId });
      }
    });
    events.on('operatorLost', ({ operatorId, consultationId, at }) => {
      const live = this.#live.get(consultationId);
      if (live) this.#connectionLost(live, `operator:${operatorId}`, at, 'socket');
      this.#startGrace(staffKey(operatorId), this.#resumeWindows.operatorMs, () => {
        const entry = this.#core.consultation(consultationId);
        if (!entry || entry.phase !== 'in_call') return;
        if (entry.specialistId) this.#core.leaveCall(operatorId);
        else {
          const live = this.#live.get(consultationId);
          if (live) live.ending = { endedBy: 'system', actor: { type: 'system' } };
          const restart = live && this.#lostInRestart(live, `operator:${operatorId}`);
          this.#core.fail(consultationId, restart ? 'server_restart' : 'operator_disconnected');
        }
      });
    });
    events.on('widened', ({ consultationId, departmentId, at }) => record(consultationId, 'widened', at, { departmentId }));
    events.on('overflowed', ({ consultationId, fromDepartmentId, toDepartmentId, at }) =>
      record(consultationId, 'overflowed', at, { fromDepartmentId, toDepartmentId }),
    );
    events.on('transferred', ({ consultationId, fromDepartmentId, toDepartmentId, byOperatorId, at }) => {
      record(consultationId, 'transferred', at, { fromDepartmentId, toDepartmentId }, { type: 'staff', id: byOperatorId });
      const live = this.#live.get(consultationId);
      if (!live) return;
      live.department = this.#departmentSummary(toDepartmentId);
      // The supervised operator's part is over: so is the supervision (a new one may start once answered).
      for (const staffId of [...live.supervisors.keys()]) this.#endSupervision(live, staffId, 'transferred');
      this.#leaveRoom(live, byOperatorId, 'transferred');
    });
    events.on('specialistInvited', ({ consultationId, departmentId, byOperatorId, at }) =>
      record(consultationId, 'specialist_invited', at, { departmentId }, { type: 'staff', id: byOperatorId }),
    );
    events.on('specialistJoined', ({ consultationId, operatorId, departmentId, at }) =>
      record(consultationId, 'specialist_joined', at, { departmentId }, { type: 'staff', id: operatorId }),
    );
    events.on('specialistCancelled', ({ consultationId, departmentId, reason, at }) =>
      record(consultationId, 'specialist_cancelled', at, { departmentId, reason }),
    );
    events.on('operatorLeft', ({ consultationId, operatorId, at }) => {
      record(consultationId, 'operator_left', at, {}, { type: 'staff', id: operatorId });
      const live = this.#live.get(consultationId);
      if (live) this.#leaveRoom(live, operatorId, 'left');
    });
    events.on('ended', ({ consultationId, outcome, reason, at }) => {
      const live = this.#live.get(consultationId);
      if (live) this.#finish(live, outcome, reason, at);
    });
  }

  #offered({ consultationId, kind, operatorId, departmentId, requestedAt, ringTimeoutMs, transferred, tier, at }: RoutingEventOf<'offered'>): void {
    const live = this.#live.get(consultationId);
    if (!live) return;
    void this.#recorder.record(live.id, kind === 'resident' ? 'offered' : 'specialist_offered', at, { type: 'system' }, {
      data: { operatorId, departmentId, tier },
    });
    const lead = kind === 'specialist' ? [...live.operators.values()][0] : undefined;
    this.#notifier.toStaff(operatorId, 'offer:incoming', {
      consultationId,
      kind,
      site: live.site,
      department: this.#departmentSummary(departmentId),
      requestedAt: requestedAt.toISOString(),
      offeredAt: at.toISOString(),
      ringTimeoutSeconds: Math.max(1, Math.round(ringTimeoutMs / 1000)),
      transferred,
      invitedBy: lead?.name ?? null,
    });
    if (kind === 'resident') {
      this.#pushStatus(live, 'offered', null, null, false);
      if (!live.room) {
        live.ringingOperatorId = operatorId;
        void this.#prepareRoom(live).then(() => this.#enterRingingOperator(live, operatorId));
      }
    }
  }

  /** The room of a first offer, with the resident in it (see LiveConsultation.preparedRoom). Best effort: the answer makes one if this fails. */
  #prepareRoom(live: LiveConsultation): Promise<void> {
    if (live.preparedRoom || live.preparing) return live.preparing ?? Promise.resolve();
    const preparing = (async () => {
      let room: MediaRoom;
      try {
        room = await this.#sfu.createRoom(live.id);
      } catch (error) {
        logger.warn(`no media room prepared for the offer of ${live.id}:`, error);
        return;
      }
      if (!this.#live.has(live.id) || live.room || this.#closed || this.#core.consultation(live.id)?.phase !== 'offered') {
        room.close(); // answered another way, ended, or no longer offered while it was made
        return;
      }
      room.hold();
      live.preparedRoom = room;
      // However it closes before the answer (released, or its worker died), the tablet stops sending.
      room.once('close', () => {
        if (live.preparedRoom !== room) return;
        live.preparedRoom = undefined;
        if (this.#live.has(live.id)) this.#notifier.toDevice(live.deviceId, 'call:released', { consultationId: live.id });
      });
      this.#enterRoom(live, room, 'resident', live.deviceId);
    })();
    const tracked: Promise<void> = preparing.finally(() => {
      if (live.preparing === tracked) live.preparing = undefined;
    });
    live.preparing = tracked;
    return tracked;
  }

  /** The operator whose console rings enters the prepared room (call:joined, answered false) if the offer still stands. */
  #enterRingingOperator(live: LiveConsultation, operatorId: string): void {
    const room = live.preparedRoom;
    if (!room || live.ringingOperatorId !== operatorId || room.participant(`operator:${operatorId}`)) return;
    this.#enterRoom(live, room, 'operator', operatorId);
  }

  /**
   * An offer ended unanswered: its operator leaves the prepared room and, unless the core offered
   * the call again at once, the room is given up.
   */
  #releasePreparedRoom(live: LiveConsultation, operatorId: string): void {
    if (live.ringingOperatorId === operatorId) live.ringingOperatorId = undefined;
    live.preparedRoom?.participant(`operator:${operatorId}`)?.close();
    live.paths.delete(staffKey(operatorId));
    // The core's decisions in this turn (a re-offer to the next operator) are settled by the microtask.
    queueMicrotask(() => {
      if (live.preparedRoom && this.#core.consultation(live.id)?.phase !== 'offered') live.preparedRoom.close();
    });
  }

  /**
   * A queue change is pushed at once, but a burst of them is coalesced per department: when the head
   * of a long queue is answered every place behind it changes, and a thousand tablets need one fresh
   * figure, not one per decision.
   */
  #scheduleQueuePush(departmentId: string): void {
    if (this.#closed) return;
    let pushes = this.#queuePushes.get(departmentId);
    if (!pushes) {
      pushes = new Throttle(this.#clock, QUEUE_PUSH_INTERVAL_MS, () => this.#pushQueue(departmentId));
      this.#queuePushes.set(departmentId, pushes);
    }
    pushes.trigger();
  }

  /** Positions and estimates to each waiting tablet; waiting counts to the operators of the department. */
  #pushQueue(departmentId: string): void {
    const queue = this.#core.queue(departmentId);
    for (const { consultationId, position, estimatedWaitMs } of queue.positions) {
      const live = this.#live.get(consultationId);
      const entry = this.#core.consultation(consultationId);
      if (!live || entry?.phase !== 'waiting') continue; // a specialist invitation, not the resident's own place
      this.#pushStatus(live, 'waiting', position, toSeconds(estimatedWaitMs), queue.servingOperators === 0, { onlyIfChanged: true });
    }
    const summary = this.queueSummary(departmentId, queue);
    for (const [staffId, connections] of this.#staffConnections) {
      if (connections > 0 && this.#skills(staffId).includes(departmentId)) {
        this.#notifier.toStaff(staffId, 'queues:changed', { queues: [summary] });
      }
    }
  }

  /** A department's queue as consoles and the wallboard show it: how many wait, since when, who serves. */
  queueSummary(departmentId: string, queue = this.#core.queue(departmentId)): DepartmentQueueSummary {
    const { entries, servingOperators } = queue;
    const longest = entries.reduce<number | null>((min, entry) => (min === null || entry.requestedAt < min ? entry.requestedAt : min), null);
    return {
      department: this.#departmentSummary(departmentId),
      waiting: entries.length,
      longestWaitingSince: longest === null ? null : new Date(longest).toISOString(),
      servingOperators,
    };
  }

  /** Presence and the queues of the operator's departments, on (re)connection. */
  #sendOperatorState(staffId: string): void {
    const operator = this.#core.operator(staffId);
    if (!operator) return;
    this.#notifier.toStaff(staffId, 'presence:changed', { presence: operator.presence, awayReason: operator.presence === 'away' ? operator.awayReason : null });
    this.#notifier.toStaff(staffId, 'queues:changed', { queues: this.#skills(staffId).map((id) => this.queueSummary(id)) });
  }

  /** Every department the operator answers for, primary skills first. */
  #skills(staffId: string): string[] {
    const operator = this.#core.operator(staffId);
    return operator ? [...operator.primary, ...operator.secondary] : [];
  }

  /** The single end of a consultation (the core's `ended`): media closed, row completed, everyone told. */
  #finish(live: LiveConsultation, outcome: ConsultationOutcome, reason: string | null, endedAt: Date): void {
    for (const staffId of [...live.supervisors.keys()]) this.#endSupervision(live, staffId, 'call_ended');
    this.#live.delete(live.id);
    this.#byDevice.delete(live.deviceId);
    this.#clearGrace(deviceKey(live.deviceId));
    if (live.qualityTimer) this.#clock.clearTimeout(live.qualityTimer);
    live.room?.close();
    live.preparedRoom?.close();
    if (!live.quality.empty) {
      void this.#recorder.record(live.id, 'media_quality', endedAt, { type: 'system' }, { data: { streams: live.quality.summary() } });
    }
    const { endedBy, actor } = live.ending ?? { endedBy: 'system' as const, actor: { type: 'system' as const } };
    void this.#recorder.record(live.id, OUTCOME_EVENT[outcome], endedAt, actor, {
      update: { endedAt, outcome, endedBy },
      data: reason ? { reason } : undefined,
    });
    const ended = { consultationId: live.id, outcome, endedBy, reason };
    this.#notifier.toDevice(live.deviceId, 'call:ended', ended);
    this.#notifier.toDevice(live.deviceId, 'consultation:status', {
      consultationId: live.id,
      status: 'ended',
      department: live.department,
      queuePosition: null,
      estimatedWaitSeconds: null,
      allOperatorsAway: false,
    });
    for (const staffId of live.operators.keys()) this.#notifier.toStaff(staffId, 'call:ended', ended);
    this.observer.emit('ended', live.id);
  }

  // ── Rooms ──────────────────────────────────────────────────────────────────

  /** A media worker or SFU node died: each of its calls gets a new room on a healthy one, in the same consultation. */
  readonly #onRoomsLost = (loss: MediaLoss, roomIds: string[]): void => {
    for (const roomId of roomIds) {
      const live = this.#live.get(roomId);
      if (live?.room) void this.#rebuildRoom(live, loss);
    }
  };

  /** Every party enters the new room with new transports (call:joined again); the call fails only if this fails. */
  async #rebuildRoom(live: LiveConsultation, loss: MediaLoss): Promise<void> {
    const lostAt = this.#clock.now();
    live.room = undefined;
    let room: MediaRoom;
    try {
      room = await this.#sfu.createRoom(live.id);
    } catch (error) {
      logger.error(`could not rebuild the media of consultation ${live.id}:`, error);
      this.#failIfLive(live, 'media_worker_died');
      return;
    }
    if (!this.#live.has(live.id) || this.#closed) {
      room.close();
      return;
    }
    live.room = room;
    void this.#recorder.record(live.id, 'media_restarted', lostAt, { type: 'system' }, {
      data: { ...loss, rebuiltMs: this.#clock.now().getTime() - lostAt.getTime() },
    });
    this.#enterRoom(live, room, 'resident', live.deviceId);
    for (const staffId of live.operators.keys()) this.#enterRoom(live, room, 'operator', staffId);
    for (const staffId of live.supervisors.keys()) this.#enterRoom(live, room, 'supervisor', staffId);
    this.observer.emit('roomRebuilt', live.id);
    this.#pushParticipants(live);
    if (!live.qualityTimer) this.#sampleQuality(live);
  }

  /** Sample the room's streams every few seconds while the consultation lives (one timer per consultation). */
  #sampleQuality(live: LiveConsultation): void {
    live.qualityTimer = this.#clock.setTimeout(() => {
      live.qualityTimer = undefined;
      const room = live.room;
      if (!room || room.closed || !this.#live.has(live.id)) return;
      room
        .sampleQuality()
        .then(
          (samples) => live.quality.add(samples),
          (error: unknown) => logger.warn(`quality sample of ${live.id} failed:`, error),
        )
        .finally(() => {
          if (this.#live.has(live.id) && !room.closed) this.#sampleQuality(live);
        });
    }, this.#qualitySampleMs);
  }

  /**
   * Put one party into the call's room, forward its consumers, and tell it to set up media. A
   * supervisor is consumed by their mode's audience only; everyone else by everyone.
   */
  #enterRoom(live: LiveConsultation, room: MediaRoom, role: ParticipantRole, principalId: string): void {
    const supervision = role === 'supervisor' ? live.supervisors.get(principalId) : undefined;
    const participant = room.join(`${role}:${principalId}`, role, supervision ? SUPERVISOR_AUDIENCE[supervision.mode] : null);
    const send = <E extends ServerEventName>(event: E, payload: ServerPayload<E>) =>
      role === 'resident' ? this.#notifier.toDevice(principalId, event, payload) : this.#notifier.toStaff(principalId, event, payload);
    participant.on('newConsumer', (consumer) => send('media:newConsumer', this.#newConsumerPayload(live, consumer)));
    participant.on('consumerClosed', (consumerId) => send('media:consumerClosed', { consultationId: live.id, consumerId }));
    participant.on('consumerStarved', (consumerId, starved, estimateBps) =>
      send('media:starved', { consultationId: live.id, consumerId, starved, ...(estimateBps === undefined ? {} : { estimateKbps: Math.round(estimateBps / 1000) }) }),
    );
    send('call:joined', {
      consultationId: live.id,
      joinId: participant.joinId,
      role,
      routerRtpCapabilities: room.rtpCapabilities as ServerPayload<'call:joined'>['routerRtpCapabilities'],
      site: live.site,
      department: live.department,
      operatorName: [...live.operators.values()][0]?.name ?? '',
      answered: room !== live.preparedRoom,
    });
    // An operator joining (or rejoining) learns how the resident's connection stands now.
    if (role === 'operator' && live.residentQuality) send('call:quality', { consultationId: live.id, role: 'resident', quality: live.residentQuality });
  }

  /** A handover note for the colleague who takes over or joins: on record, and kept for their call:history. */
  #keepHandoverNote(live: LiveConsultation, purpose: HandoverNote['purpose'], staffId: string, from: CallOperator, departmentId: string, note: string): void {
    const at = this.#clock.now();
    live.handoverNotes.push({ purpose, from: { staffId, name: from.name, department: from.department }, to: this.#departmentSummary(departmentId), note, at: at.toISOString() });
    if (live.handoverNotes.length > HISTORY_HANDOVER_NOTES) live.handoverNotes.shift();
    void this.#recorder.record(live.id, 'handover_note', at, { type: 'staff', id: staffId }, { data: { purpose, departmentId, note } });
  }

  /**
   * An operator joined a consultation already under way: they are sent what came before them —
   * the chat, the stills (which they may now view, as staff taking part) and the handover notes.
   */
  async #sendHistory(live: LiveConsultation, staffId: string): Promise<void> {
    // Taken now: whatever is said from here on reaches them live.
    const chat = [...live.chat];
    const handoverNotes = [...live.handoverNotes];
    let stills: ServerPayload<'call:history'>['stills'] = [];
    try {
      const rows = await this.#db.still.findMany({ where: { consultationId: live.id }, orderBy: { createdAt: 'asc' } });
      stills = rows.map(stillInfo);
    } catch (error) {
      logger.warn(`the stills of ${live.id} could not be read for the joining operator:`, error);
    }
    if (live.operators.has(staffId)) this.#notifier.toStaff(staffId, 'call:history', { consultationId: live.id, chat, stills, handoverNotes });
  }

  #newConsumerPayload(live: LiveConsultation, consumer: ConsumerInfo): ServerPayload<'media:newConsumer'> {
    return {
      consultationId: live.id,
      consumerId: consumer.consumerId,
      producerId: consumer.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as ServerPayload<'media:newConsumer'>['rtpParameters'],
      source: consumer.source as ServerPayload<'media:newConsumer'>['source'],
      participant: consumer.producerRole as ParticipantRole,
      ...(consumer.producerRole === 'guest' ? { guestId: consumer.producerParticipantId.slice('guest:'.length) } : {}),
    };
  }

  /** An operator's part in a call is over (transferred on, or left a three-party call); the call goes on. */
  #leaveRoom(live: LiveConsultation, staffId: string, reason: 'transferred' | 'left'): void {
    live.operators.delete(staffId);
    live.room?.participant(`operator:${staffId}`)?.close();
    this.#notifier.toStaff(staffId, 'call:left', { consultationId: live.id, reason });
    this.#pushParticipants(live);
  }

  #pushParticipants(live: LiveConsultation): void {
    const payload = {
      consultationId: live.id,
      operators: [...live.operators].map(([staffId, { name, department }]) => ({ staffId, name, department })),
    };
    this.#notifier.toDevice(live.deviceId, 'call:participants', payload);
    for (const staffId of [...live.operators.keys(), ...live.supervisors.keys()]) this.#notifier.toStaff(staffId, 'call:participants', payload);
    // Whoever joins or comes back learns who supervises (an operator's banner, a reloaded tablet's notice).
    if (live.supervisors.size > 0) this.#pushSupervision(live);
    this.observer.emit('participants', live.id);
  }

  /**
   * A tablet is back within the grace period (a mobile counter in a tunnel): its old transports
   * died with the old socket, so it rejoins the room afresh; a waiting tablet learns where it stands.
   */
  #resumeResident(live: LiveConsultation): void {
    const entry = this.#core.consultation(live.id);
    if (live.room) this.#resumeInRoom(live, 'resident', live.deviceId);
    else {
      // Waiting, not in a call: with the socket back there is nothing more to repair…
      this.#connectionBack(live, `resident:${live.deviceId}`);
      // …but the media prepared for a ringing offer, which a reloaded page sets up again.
      if (live.preparedRoom) this.#resumeInRoom(live, 'resident', live.deviceId);
    }
    if (entry?.phase === 'refused') this.#sendRefusal(live, entry.departmentId, entry.refusal!, this.#core.nextOpening(entry.departmentId));
    else if (entry?.phase === 'waiting') {
      const status = this.#core.queueStatus(live.id);
      const nobodyServing = this.#core.queue(entry.departmentId).servingOperators === 0;
      this.#pushStatus(live, 'waiting', status?.position ?? null, toSeconds(status?.estimatedWaitMs ?? null), nobodyServing);
    } else if (entry?.phase === 'offered') this.#pushStatus(live, 'offered', null, null, false);
  }

  #resumeOperator(live: LiveConsultation, staffId: string): void {
    this.#resumeInRoom(live, 'operator', staffId);
  }

  /**
   * A party's socket is back during its call. Its media may never have stopped (the transports
   * live on in the room): it is told what it should be receiving (call:resumable, and its consumers
   * again, for pushes lost with the old socket) and repairs its own media if it must (ICE restart,
   * or call:rejoin — which a freshly loaded page does at once). A party the room does not have yet
   * (restored after a restart) enters it.
   */
  #resumeInRoom(live: LiveConsultation, role: ParticipantRole, principalId: string): void {
    const room = mediaRoom(live)!;
    const participant = room.participant(`${role}:${principalId}`);
    if (!participant) {
      this.#enterRoom(live, room, role, principalId);
      this.#pushParticipants(live);
      return;
    }
    const send = <E extends ServerEventName>(event: E, payload: ServerPayload<E>) =>
      role === 'resident' ? this.#notifier.toDevice(principalId, event, payload) : this.#notifier.toStaff(principalId, event, payload);
    const consumers = participant.consumerInfos();
    send('call:resumable', { consultationId: live.id, consumerIds: consumers.map((consumer) => consumer.consumerId) });
    for (const consumer of consumers) send('media:newConsumer', this.#newConsumerPayload(live, consumer));
    this.#pushParticipants(live);
  }

  /** A party enters the room again with new transports (its old ones are closed): call:joined once more. */
  #reenterRoom(live: LiveConsultation, role: ParticipantRole, principalId: string): void {
    const room = mediaRoom(live)!;
    room.participant(`${role}:${principalId}`)?.close();
    this.#enterRoom(live, room, role, principalId);
    this.#pushParticipants(live);
  }

  // ── Lost connections ───────────────────────────────────────────────────────

  /**
   * A party's socket or media is gone: on record once per outage (from when it was lost), and the
   * others in the call are told, so their screens say so instead of showing a frozen picture.
   */
  #connectionLost(live: LiveConsultation, participantId: string, since: Date, via: 'socket' | 'media'): Outage {
    const existing = live.outages.get(participantId);
    if (existing) return existing;
    const outage: Outage = { since, how: null };
    live.outages.set(participantId, outage);
    const party = this.#party(live, participantId);
    void this.#recorder.record(live.id, 'connection_lost', since, { type: 'system' }, {
      data: { party: party.role, ...(party.staffId ? { staffId: party.staffId } : {}), via },
    });
    this.#tellOthers(live, participantId, { consultationId: live.id, party, state: 'lost', since: since.toISOString() });
    return outage;
  }

  /** The party's connection is back: the outage ends on record with how it was repaired and the gap. */
  #connectionBack(live: LiveConsultation, participantId: string): void {
    const outage = live.outages.get(participantId);
    if (!outage) return;
    live.outages.delete(participantId);
    live.room?.requestKeyFrames().catch((error: unknown) => logger.warn(`key frames for ${live.id}:`, error));
    const at = this.#clock.now();
    const party = this.#party(live, participantId);
    void this.#recorder.record(live.id, 'reconnected', at, { type: 'system' }, {
      data: {
        party: party.role,
        ...(party.staffId ? { staffId: party.staffId } : {}),
        how: outage.how ?? 'network_returned',
        gapMs: Math.max(0, at.getTime() - outage.since.getTime()),
      },
    });
    this.#tellOthers(live, participantId, { consultationId: live.id, party, state: 'restored', since: outage.since.toISOString() });
    if (live.restored && live.outages.size === 0) {
      live.restored = false;
      void this.#recorder.record(live.id, 'resumed', at, { type: 'system' });
    }
  }

  #party(live: LiveConsultation, participantId: string): ServerPayload<'call:connection'>['party'] {
    const [role, id] = participantId.split(':') as [ParticipantRole, string];
    if (role === 'resident') return { role, staffId: null, name: live.site.name };
    return { role, staffId: id, name: live.operators.get(id)?.name ?? '' };
  }

  #tellOthers(live: LiveConsultation, participantId: string, payload: ServerPayload<'call:connection'>): void {
    if (participantId !== `resident:${live.deviceId}`) this.#notifier.toDevice(live.deviceId, 'call:connection', payload);
    for (const staffId of live.operators.keys()) {
      if (participantId !== `operator:${staffId}`) this.#notifier.toStaff(staffId, 'call:connection', payload);
    }
  }

  // ── Helpers ────────────────────────────────────────────────────────────────

  #pushStatus(
    live: LiveConsultation,
    status: 'waiting' | 'offered',
    queuePosition: number | null,
    estimatedWaitSeconds: number | null,
    allOperatorsAway: boolean,
    { onlyIfChanged = false } = {},
  ): void {
    const told = statusKey(status, queuePosition, estimatedWaitSeconds, allOperatorsAway);
    if (onlyIfChanged && live.lastStatusPushed === told) return;
    live.lastStatusPushed = told;
    this.#notifier.toDevice(live.deviceId, 'consultation:status', {
      consultationId: live.id,
      status,
      department: live.department,
      queuePosition,
      estimatedWaitSeconds,
      allOperatorsAway,
    });
  }

  #sendRefusal(live: LiveConsultation, departmentId: string, reason: 'outside_hours' | 'no_operator', nextOpeningAt: Date | null): void {
    this.#notifier.toDevice(live.deviceId, 'consultation:refused', {
      consultationId: live.id,
      department: this.#departmentSummary(departmentId),
      reason,
      nextOpeningAt: nextOpeningAt?.toISOString() ?? null,
    });
  }

  /** End a consultation that is still routed as failed (media died, shutdown); nothing if it already ended. */
  #failIfLive(live: LiveConsultation, reason: string): void {
    if (!this.#live.has(live.id) || !this.#core.consultation(live.id)) return;
    live.ending = { endedBy: 'system', actor: { type: 'system' } };
    this.#core.fail(live.id, reason);
  }

  /**
   * A department a client names (transfer, invite): one known since start, or one added to the
   * database since, which then routes with the defaults. A made-up id is NOT_FOUND and leaves no
   * trace in memory.
   */
  async #routableDepartment(departmentId: string): Promise<void> {
    if (!this.#departments.has(departmentId)) {
      const department = await this.#db.department.findUnique({ where: { id: departmentId } });
      if (!department) throw new ProtocolError('NOT_FOUND', 'no such department');
      this.#rememberDepartment(department);
    }
    this.#ensureDepartment(departmentId);
  }

  /** A department created after start (admin) routes with the defaults until configured. */
  #ensureDepartment(departmentId: string): void {
    try {
      this.#core.departmentConfig(departmentId);
    } catch {
      this.#core.setDepartmentConfig({ departmentId });
    }
  }

  #rememberDepartment(department: DepartmentSummary): DepartmentSummary {
    const summary = { id: department.id, code: department.code, name: department.name };
    this.#departments.set(summary.id, summary);
    return summary;
  }

  async #loadRequestable(departmentId: string): Promise<DepartmentSummary | null> {
    const department = await this.#db.department.findUnique({ where: { id: departmentId } });
    if (!department?.active) return null;
    const summary = this.#rememberDepartment(department);
    this.#requestable.set(summary.id, summary);
    return summary;
  }

  #departmentSummary(departmentId: string): DepartmentSummary {
    return this.#departments.get(departmentId) ?? { id: departmentId, code: departmentId, name: departmentId };
  }

  /** Keyed by principal (deviceKey / staffKey): one resume window per tablet or operator. */
  #startGrace(key: string, windowMs: number, onExpiry: () => void): void {
    if (this.#graceTimers.has(key)) return;
    this.#graceTimers.set(
      key,
      this.#clock.setTimeout(() => {
        this.#graceTimers.delete(key);
        onExpiry();
      }, windowMs),
    );
  }

  #clearGrace(key: string): void {
    const timer = this.#graceTimers.get(key);
    if (!timer) return;
    this.#clock.clearTimeout(timer);
    this.#graceTimers.delete(key);
  }

  /**
   * The consultation if the principal takes part in it. Another tablet's or operator's
   * consultation is reported as not found, so ids cannot be probed.
   */
  /** #own, or the operator whose console rings for the call, who connects media ahead of the answer. */
  #mediaParty(principal: Principal, consultationId: string): LiveConsultation {
    const live = this.#live.get(consultationId);
    if (live?.preparedRoom && principal.kind === 'staff' && live.ringingOperatorId === principal.staffId) return live;
    return this.#own(principal, consultationId);
  }

  #own(principal: Principal, consultationId: string): LiveConsultation {
    const live = this.#live.get(consultationId);
    const mine =
      live &&
      (principal.kind === 'device'
        ? live.deviceId === principal.deviceId
        : principal.role === 'operator'
          ? live.operators.has(principal.staffId)
          : live.supervisors.has(principal.staffId));
    if (!live || !mine) throw new ProtocolError('NOT_FOUND', 'no such consultation');
    return live;
  }

  #participantId(principal: Principal): string {
    if (principal.kind === 'device') return `resident:${principal.deviceId}`;
    return principal.role === 'operator' ? `operator:${principal.staffId}` : `supervisor:${principal.staffId}`;
  }

  #actor(principal: Principal): Actor {
    return principal.kind === 'device' ? { type: 'device', id: principal.deviceId } : { type: 'staff', id: principal.staffId };
  }
}

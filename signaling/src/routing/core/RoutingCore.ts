import type { Presence, SelectablePresence } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Clock, TimerHandle } from '../../clock.ts';
import { BusinessCalendar } from './calendar.ts';
import {
  CORE_DEFAULTS,
  ROUTING_DEFAULTS,
  resolveDepartmentConfig,
  withoutUndefined,
  type DepartmentRoutingConfig,
  type DepartmentRoutingConfigInput,
  type DepartmentRoutingSettings,
} from './config.ts';
import { RoutingError } from './errors.ts';
import { RoutingEmitter, type OfferWithdrawnReason, type QueuePosition, type RoutingEvent, type RoutingEventMap, type RoutingEventName, type RoutingEvents } from './events.ts';
import { InMemoryRoutingStore } from './InMemoryRoutingStore.ts';
import {
  compareEntries,
  type EntryKind,
  type OfferTier,
  type OperatorRecord,
  type QueueEntry,
  type QueuePool,
  type RefusalReason,
  type RoutingOutcome,
  type RoutingTimer,
  type ScheduledTimer,
  entryTimerKeys,
  timerKey,
} from './records.ts';
import type { RoutingStore } from './RoutingStore.ts';

const logger = createLogger('routing');

/** Logged in: counts against `no_operator` refusals (an away operator will be back). */
const LOGGED_IN: readonly Presence[] = ['available', 'offered', 'in_call', 'wrap_up', 'away'];
/** Serving: counts as capacity in wait estimates. */
const SERVING: readonly Presence[] = ['available', 'offered', 'in_call', 'wrap_up'];
const isServing = (presence: Presence) => SERVING.includes(presence);

export interface RoutingCoreOptions {
  clock: Clock;
  /** Every department that can be requested; settings missing here come from `defaults`. */
  departments: readonly DepartmentRoutingConfigInput[];
  /** Overrides of `ROUTING_DEFAULTS` for every department. */
  defaults?: Partial<DepartmentRoutingSettings>;
  /** The routing state; one another core left (a standby taking a city over) carries on: its timers are armed again. */
  store?: RoutingStore;
  /** Priority of transferred residents and specialist invitations (normal arrivals: 0). */
  transferPriority?: number;
  /** How long a booking's named operator alone is offered the resident. */
  preferredOperatorGraceMs?: number;
}

export interface AddOperatorInput {
  operatorId: string;
  /** Departments whose requests the operator answers at once. */
  primary: readonly string[];
  /** Departments whose requests the operator may answer after the department's `secondaryDelayMs`. */
  secondary?: readonly string[];
  /** Presence on login; default `away` (離席中) until the operator presses 受付可. */
  presence?: SelectablePresence;
}

export interface RequestInput {
  consultationId: string;
  departmentId: string;
  /** When the resident asked (default: now). Orders the queue. */
  requestedAt?: Date;
  /** Higher goes first (default 0). */
  priority?: number;
  /**
   * The operator named on a booking: offered the request alone for the core's
   * `preferredOperatorGraceMs`, if they are logged in with the department as a primary skill.
   */
  preferredOperatorId?: string;
  /**
   * Taken back after a server restart: it was queued before, so it is queued again, not refused
   * because nobody has logged back in yet.
   */
  resumed?: boolean;
}

/** A call that was connected when the server stopped: restored with its operator on start. */
export interface RestoreCallInput {
  consultationId: string;
  departmentId: string;
  operatorId: string;
  requestedAt: Date;
  answeredAt: Date;
}

export interface Refusal {
  reason: RefusalReason;
  /** For `outside_hours`: when the department opens next. */
  nextOpeningAt: Date | null;
}

export interface QueueStatus {
  status: 'waiting' | 'offered';
  /** 1-based place in the department queue; null while ringing an operator. */
  position: number | null;
  estimatedWaitMs: number | null;
}

export type RequestResult = ({ accepted: true } & QueueStatus) | ({ accepted: false } & Refusal);

export interface AcceptResult {
  consultationId: string;
  kind: EntryKind;
  departmentId: string;
}

export interface DepartmentQueue {
  departmentId: string;
  /** Waiting entries in queue order (specialist invitations included). */
  entries: QueueEntry[];
  servingOperators: number;
  averageHandlingMs: number;
  /** What each waiting resident sees. */
  positions: QueuePosition[];
}

export interface DepartmentOutlook {
  /** Why a request would be refused now; null: it would be queued. */
  refusal: Refusal | null;
  /** Entries waiting in the department's queue (specialist invitations included). */
  waiting: number;
  servingOperators: number;
  /** For a request queued now, at the back; null when refused or nobody serves. */
  estimatedWaitMs: number | null;
}

interface Department {
  readonly config: DepartmentRoutingConfig;
  readonly calendar: BusinessCalendar;
}

type OperatorPatch = Partial<Omit<OperatorRecord, 'operatorId' | 'seq'>>;

/**
 * The routing engine of one city: which operator is offered which request, and when.
 *
 * Pure: no sockets, no database, time from an injected `Clock`, state in a `RoutingStore`. Commands go
 * in (and return a result or throw a `RoutingError` before changing anything); events come out through
 * `events`, delivered after the command that caused them has finished, so a listener may issue commands.
 *
 * Dispatch keeps one invariant after every command: no available operator could take a waiting entry.
 * So it is enough to look for work when something changes — an entry starts waiting (offer it to the
 * longest-idle eligible operator) or an operator becomes available (give them the first eligible entry
 * in queue order) — and each look-up is the head of an ordered index, not a scan.
 */
export class RoutingCore {
  readonly #clock: Clock;
  readonly #store: RoutingStore;
  readonly #emitter = new RoutingEmitter();
  readonly #defaults: DepartmentRoutingSettings;
  readonly #transferPriority: number;
  readonly #preferredOperatorGraceMs: number;
  readonly #departments = new Map<string, Department>();
  /** The clock's handle of every timer in the store, by its key (timerKey). */
  readonly #armed = new Map<string, TimerHandle>();
  #outbox: RoutingEvent[] = [];
  /** Departments whose queue positions or estimates may have changed during the current command. */
  readonly #dirty = new Set<string>();
  #depth = 0;
  #flushing = false;
  #closed = false;

  constructor({
    clock,
    departments,
    defaults,
    store = new InMemoryRoutingStore(),
    transferPriority = CORE_DEFAULTS.transferPriority,
    preferredOperatorGraceMs = CORE_DEFAULTS.preferredOperatorGraceMs,
  }: RoutingCoreOptions) {
    this.#clock = clock;
    this.#store = store;
    this.#defaults = { ...ROUTING_DEFAULTS, ...withoutUndefined(defaults ?? {}) };
    this.#transferPriority = transferPriority;
    this.#preferredOperatorGraceMs = preferredOperatorGraceMs;
    for (const input of departments) {
      if (this.#departments.has(input.departmentId)) {
        throw new RoutingError('invalid_config', `department ${input.departmentId} is configured twice`);
      }
      this.#departments.set(input.departmentId, this.#compile(input));
    }
    this.#checkOverflowTargets();
    // Same-instant timers fire in the order they were first armed, as they would have on the core that armed them.
    const left = [...this.#store.timers()].sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    for (const scheduled of left) this.#arm(scheduled);
  }

  get events(): RoutingEvents {
    return this.#emitter;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stop: clears every timer of the clock. Idempotent. Live requests stay readable; the service decides
   * their outcome. The store keeps the timers, for a core that takes it over.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const handle of this.#armed.values()) this.#clock.clearTimeout(handle);
    this.#armed.clear();
    this.#dirty.clear();
    this.#outbox = [];
  }

  // ── Configuration ──────────────────────────────────────────────────────────

  /** Add a department or replace its settings. Timers already running keep their delays. */
  setDepartmentConfig(input: DepartmentRoutingConfigInput): DepartmentRoutingConfig {
    return this.#run(() => {
      const previous = this.#departments.get(input.departmentId);
      const department = this.#compile(input);
      this.#departments.set(input.departmentId, department);
      try {
        this.#checkOverflowTargets();
      } catch (error) {
        if (previous) this.#departments.set(input.departmentId, previous);
        else this.#departments.delete(input.departmentId);
        throw error;
      }
      this.#dirty.add(input.departmentId);
      return department.config;
    });
  }

  departmentConfig(departmentId: string): DepartmentRoutingConfig {
    return this.#department(departmentId).config;
  }

  // ── Operators ──────────────────────────────────────────────────────────────

  /** An operator logs in. */
  addOperator(input: AddOperatorInput): OperatorRecord {
    return this.#run(() => {
      if (this.#store.operator(input.operatorId)) {
        throw new RoutingError('duplicate', `operator ${input.operatorId} is already logged in`);
      }
      const { primary, secondary } = this.#skills(input.primary, input.secondary ?? []);
      const now = this.#now();
      const record: OperatorRecord = {
        operatorId: input.operatorId,
        seq: this.#store.nextSeq(),
        primary,
        secondary,
        presence: 'offline',
        connected: true,
        idleSince: now,
        awayReason: null,
        missedOffers: 0,
        consultationId: null,
        entryId: null,
        work: null,
      };
      this.#store.saveOperator(record);
      const presence = input.presence ?? 'away';
      const operator = this.#setOperator(record, { presence, awayReason: presence === 'away' ? 'manual' : null });
      this.#dispatchOperator(operator);
      return this.#store.operator(input.operatorId)!;
    });
  }

  /** An operator logs out. Refused during a call (end it, transfer it or leave it first). */
  removeOperator(operatorId: string): void {
    this.#run(() => {
      const operator = this.#operator(operatorId);
      if (operator.presence === 'in_call') throw new RoutingError('operator_busy', `operator ${operatorId} is in a call`);
      const withdrawn = operator.presence === 'offered' ? this.#withdraw(this.#offeredEntry(operator), 'operator_removed', false) : null;
      this.#goOffline(operator);
      this.#store.deleteOperator(operatorId);
      if (withdrawn) this.#dispatchEntry(withdrawn);
    });
  }

  /** A supervisor changes an operator's departments. An offer or call in progress is not affected. */
  updateSkills(operatorId: string, skills: { primary: readonly string[]; secondary?: readonly string[] }): OperatorRecord {
    return this.#run(() => {
      const operator = this.#operator(operatorId);
      const updated = this.#setOperator(operator, this.#skills(skills.primary, skills.secondary ?? []));
      this.#dispatchOperator(updated);
      return this.#store.operator(operatorId)!;
    });
  }

  /**
   * The operator chooses 受付可 (`available`) or 離席中 (`away`). From wrap-up this ends the wrap-up;
   * from offline it is a reconnection. Refused while an offer rings or a call is on.
   */
  setPresence(operatorId: string, presence: SelectablePresence): OperatorRecord {
    return this.#run(() => {
      const operator = this.#operator(operatorId);
      if (operator.presence === 'offered' || operator.presence === 'in_call') {
        throw new RoutingError('operator_busy', `presence cannot change during an offer or a call`);
      }
      if (operator.presence === presence) return operator;
      const updated =
        presence === 'available'
          ? this.#leaveWork(operator, { presence: 'available', connected: true, idleSince: this.#now(), awayReason: null, missedOffers: 0 })
          : this.#leaveWork(operator, { presence: 'away', connected: true, awayReason: 'manual' });
      this.#dispatchOperator(updated);
      return this.#store.operator(operatorId)!;
    });
  }

  /** End 後処理 early. */
  endWrapUp(operatorId: string): OperatorRecord {
    return this.#run(() => {
      const operator = this.#operator(operatorId);
      if (operator.presence !== 'wrap_up') throw new RoutingError('invalid_state', `operator ${operatorId} is not in wrap-up`);
      return this.setPresence(operatorId, 'available');
    });
  }

  /** A connection of the operator came back: offline → away; during a call, the grace period is over. */
  operatorConnected(operatorId: string): OperatorRecord {
    return this.#run(() => {
      const operator = this.#operator(operatorId);
      if (operator.connected) return operator;
      if (operator.presence === 'offline') return this.#setOperator(operator, { presence: 'away', connected: true, awayReason: 'manual' });
      return this.#setOperator(operator, { connected: true });
    });
  }

  /**
   * The operator's last connection dropped. Ringing: the offer moves on at once. In a call: the call stays
   * and `operatorLost` is emitted, so the service can apply its grace period. Otherwise: offline.
   */
  operatorDisconnected(operatorId: string): void {
    this.#run(() => {
      const operator = this.#operator(operatorId);
      switch (operator.presence) {
        case 'offered': {
          const withdrawn = this.#withdraw(this.#offeredEntry(operator), 'operator_disconnected', false);
          this.#goOffline(operator);
          this.#dispatchEntry(withdrawn);
          return;
        }
        case 'in_call':
          if (!operator.connected) return;
          this.#setOperator(operator, { connected: false });
          this.#emit('operatorLost', { operatorId, consultationId: operator.consultationId! });
          return;
        case 'offline':
          return;
        default:
          this.#goOffline(operator);
      }
    });
  }

  // ── Requests ───────────────────────────────────────────────────────────────

  /**
   * A resident asks for a department. Queued (and offered at once if an operator is free), or refused
   * with a reason so the caller can offer a callback; a refused request then ends with `requestCallback`
   * (outcome `callback_requested`) or `cancel` (outcome `no_operator`).
   */
  request(input: RequestInput): RequestResult {
    return this.#run(() => {
      if (this.#store.entry(input.consultationId)) {
        throw new RoutingError('duplicate', `consultation ${input.consultationId} is already routed`);
      }
      this.#department(input.departmentId);
      const now = this.#now();
      const refusal = input.resumed ? null : this.#refusal(input.departmentId, now);
      const preferred = input.preferredOperatorId ? this.#store.operator(input.preferredOperatorId) : undefined;
      const preferredOperatorId = !refusal && preferred?.primary.includes(input.departmentId) ? preferred.operatorId : null;
      const entry: QueueEntry = {
        entryId: input.consultationId,
        consultationId: input.consultationId,
        kind: 'resident',
        seq: this.#store.nextSeq(),
        departmentId: input.departmentId,
        priority: input.priority ?? CORE_DEFAULTS.normalPriority,
        requestedAt: input.requestedAt?.getTime() ?? now,
        enqueuedAt: now,
        phase: refusal ? 'refused' : 'waiting',
        widened: false,
        overflowTo: null,
        passedOver: [],
        preferredOperatorId,
        offeredTo: null,
        offerTier: null,
        refusal: refusal?.reason ?? null,
        operatorId: null,
        specialistId: null,
        specialistEntryId: null,
        answeredAt: null,
        transfers: 0,
      };
      if (refusal) {
        this.#store.saveEntry(entry);
        this.#emit('refused', { consultationId: entry.consultationId, departmentId: entry.departmentId, ...refusal });
        return { accepted: false, ...refusal };
      }
      if (preferredOperatorId) {
        this.#schedule({ kind: 'preferenceEnds', entryId: entry.entryId }, this.#preferredOperatorGraceMs);
      }
      this.#dispatchEntry(this.#enqueue(entry));
      return { accepted: true, ...this.#queueStatus(entry.entryId)! };
    });
  }

  /**
   * Put back a call that was connected when the server stopped (its operator added first): in_call
   * again with its original request and answer times, as if it had never stopped. Nothing is offered.
   */
  restoreCall(input: RestoreCallInput): void {
    this.#run(() => {
      if (this.#store.entry(input.consultationId)) {
        throw new RoutingError('duplicate', `consultation ${input.consultationId} is already routed`);
      }
      this.#department(input.departmentId);
      const operator = this.#operator(input.operatorId);
      if (operator.presence === 'offered' || operator.presence === 'in_call') {
        throw new RoutingError('operator_busy', `operator ${input.operatorId} is busy`);
      }
      const answeredAt = input.answeredAt.getTime();
      this.#store.saveEntry({
        entryId: input.consultationId,
        consultationId: input.consultationId,
        kind: 'resident',
        seq: this.#store.nextSeq(),
        departmentId: input.departmentId,
        priority: CORE_DEFAULTS.normalPriority,
        requestedAt: input.requestedAt.getTime(),
        enqueuedAt: this.#now(),
        phase: 'in_call',
        widened: false,
        overflowTo: null,
        passedOver: [],
        preferredOperatorId: null,
        offeredTo: null,
        offerTier: null,
        refusal: null,
        operatorId: input.operatorId,
        specialistId: null,
        specialistEntryId: null,
        answeredAt,
        transfers: 0,
      });
      this.#setOperator(operator, {
        presence: 'in_call',
        consultationId: input.consultationId,
        entryId: null,
        missedOffers: 0,
        work: { departmentId: input.departmentId, startedAt: answeredAt },
      });
    });
  }

  /** The resident leaves before an answer (cancel, tablet gone): `abandoned`; after a refusal: `no_operator`. */
  cancel(consultationId: string, reason: string | null = null): void {
    this.#run(() => {
      const entry = this.#resident(consultationId);
      if (entry.phase === 'in_call') throw new RoutingError('invalid_state', 'the call is connected; end it instead');
      this.#end(entry, entry.phase === 'refused' ? 'no_operator' : 'abandoned', reason);
    });
  }

  /** The resident asks to be called back instead (after a refusal, or instead of waiting longer). */
  requestCallback(consultationId: string): void {
    this.#run(() => {
      const entry = this.#resident(consultationId);
      if (entry.phase === 'in_call') throw new RoutingError('invalid_state', 'the call is connected');
      this.#end(entry, 'callback_requested', null);
    });
  }

  /** The operator takes the call offered to them. */
  accept(operatorId: string, consultationId: string): AcceptResult {
    return this.#run(() => {
      const operator = this.#offeredOperator(operatorId, consultationId);
      const entry = this.#offeredEntry(operator);
      const now = this.#now();
      this.#clearEntryTimers(entry);
      const work = { departmentId: entry.departmentId, startedAt: now };
      if (entry.kind === 'resident') {
        this.#store.saveEntry({
          ...entry,
          phase: 'in_call',
          offeredTo: null,
          operatorId,
          answeredAt: entry.answeredAt ?? now,
          widened: false,
          overflowTo: null,
          passedOver: [],
          preferredOperatorId: null,
        });
        this.#setOperator(operator, { presence: 'in_call', entryId: null, missedOffers: 0, work });
        this.#emit('answered', {
          consultationId,
          operatorId,
          departmentId: entry.departmentId,
          tier: entry.offerTier!,
          waitedMs: now - entry.requestedAt,
          transferred: entry.transfers > 0,
        });
      } else {
        this.#store.deleteEntry(entry.entryId);
        const resident = this.#resident(consultationId);
        this.#store.saveEntry({ ...resident, specialistId: operatorId, specialistEntryId: null });
        this.#setOperator(operator, { presence: 'in_call', entryId: null, missedOffers: 0, work });
        this.#emit('specialistJoined', { consultationId, entryId: entry.entryId, operatorId, departmentId: entry.departmentId });
      }
      return { consultationId, kind: entry.kind, departmentId: entry.departmentId };
    });
  }

  /** The operator declines: the offer moves to the next operator, and never comes back to this one. */
  decline(operatorId: string, consultationId: string): void {
    this.#run(() => {
      const operator = this.#offeredOperator(operatorId, consultationId);
      const withdrawn = this.#withdraw(this.#offeredEntry(operator), 'declined', true);
      const available = this.#setOperator(operator, {
        presence: 'available',
        idleSince: this.#now(),
        missedOffers: 0,
        consultationId: null,
        entryId: null,
      });
      this.#dispatchEntry(withdrawn);
      this.#dispatchOperator(available);
    });
  }

  /** The call ended normally: `completed`; its operators go to wrap-up. */
  endCall(consultationId: string): void {
    this.#run(() => {
      const entry = this.#resident(consultationId);
      if (entry.phase !== 'in_call') throw new RoutingError('invalid_state', 'the call is not connected');
      this.#end(entry, 'completed', null);
    });
  }

  /** A technical failure ends the request in any phase: `failed` (media died, grace period expired, …). */
  fail(consultationId: string, reason: string): void {
    this.#run(() => this.#end(this.#resident(consultationId), 'failed', reason));
  }

  /**
   * Blind transfer (転送): the resident leaves the call and waits in another department's queue, keeping
   * their original request time and going ahead of normal arrivals. The operator goes to wrap-up.
   * Refused with `target_unavailable` when that department is closed or unstaffed (the call goes on).
   */
  transfer(consultationId: string, toDepartmentId: string, byOperatorId: string): QueueStatus {
    return this.#run(() => {
      const entry = this.#leadCall(consultationId, byOperatorId);
      if (entry.specialistId || entry.specialistEntryId) {
        throw new RoutingError('invalid_state', 'a specialist is in the call or invited; they must leave first');
      }
      this.#requireTarget(toDepartmentId);
      const operator = this.#operator(byOperatorId);
      this.#emit('transferred', { consultationId, fromDepartmentId: entry.departmentId, toDepartmentId, byOperatorId });
      const released = this.#release(operator);
      const queued = this.#enqueue({
        ...entry,
        phase: 'waiting',
        departmentId: toDepartmentId,
        priority: Math.max(entry.priority, this.#transferPriority),
        enqueuedAt: this.#now(),
        widened: false,
        overflowTo: null,
        passedOver: [byOperatorId],
        operatorId: null,
        offeredTo: null,
        offerTier: null,
        transfers: entry.transfers + 1,
      });
      this.#dispatchEntry(queued);
      this.#dispatchOperator(released);
      return this.#queueStatus(consultationId)!;
    });
  }

  /**
   * Warm one-stop (他の課を呼ぶ): offer the call to an operator of another department, who joins while the
   * first operator stays. The invitation queues with transfer priority and the resident's request time.
   */
  inviteSpecialist(consultationId: string, toDepartmentId: string, byOperatorId: string): { entryId: string; status: 'waiting' | 'offered' } {
    return this.#run(() => {
      const entry = this.#leadCall(consultationId, byOperatorId);
      if (entry.specialistId || entry.specialistEntryId) throw new RoutingError('invalid_state', 'a specialist is already in the call or invited');
      this.#requireTarget(toDepartmentId);
      const seq = this.#store.nextSeq();
      const invitation: QueueEntry = {
        ...entry,
        entryId: `${consultationId}#specialist#${seq}`,
        kind: 'specialist',
        seq,
        departmentId: toDepartmentId,
        priority: this.#transferPriority,
        enqueuedAt: this.#now(),
        phase: 'waiting',
        widened: false,
        overflowTo: null,
        passedOver: [byOperatorId],
        preferredOperatorId: null,
        offeredTo: null,
        offerTier: null,
        refusal: null,
        operatorId: null,
        specialistId: null,
        specialistEntryId: null,
        answeredAt: null,
        transfers: 0,
      };
      this.#store.saveEntry({ ...entry, specialistEntryId: invitation.entryId });
      this.#emit('specialistInvited', { consultationId, entryId: invitation.entryId, departmentId: toDepartmentId, byOperatorId });
      this.#dispatchEntry(this.#enqueue(invitation));
      return { entryId: invitation.entryId, status: this.#store.entry(invitation.entryId)!.phase === 'offered' ? 'offered' : 'waiting' };
    });
  }

  /** Withdraw a pending specialist invitation. */
  cancelSpecialist(consultationId: string): void {
    this.#run(() => {
      const entry = this.#resident(consultationId);
      if (!entry.specialistEntryId) throw new RoutingError('invalid_state', 'no specialist is invited');
      const freed = this.#removeInvitation(this.#store.entry(entry.specialistEntryId)!, 'cancelled');
      this.#store.saveEntry({ ...this.#resident(consultationId), specialistEntryId: null });
      if (freed) this.#dispatchOperator(freed);
    });
  }

  /** One of the two operators of a three-party call leaves; the other carries on (and leads). */
  leaveCall(operatorId: string): void {
    this.#run(() => {
      const operator = this.#operator(operatorId);
      if (operator.presence !== 'in_call') throw new RoutingError('not_in_call', `operator ${operatorId} is not in a call`);
      const entry = this.#resident(operator.consultationId!);
      if (!entry.operatorId || !entry.specialistId) {
        throw new RoutingError('invalid_state', 'the only operator of a call ends it with endCall');
      }
      const remaining = operatorId === entry.operatorId ? entry.specialistId : entry.operatorId;
      this.#store.saveEntry({ ...entry, operatorId: remaining, specialistId: null });
      this.#emit('operatorLeft', { consultationId: entry.consultationId, operatorId, remainingOperatorId: remaining });
      this.#dispatchOperator(this.#release(operator));
    });
  }

  // ── Queries ────────────────────────────────────────────────────────────────

  operator(operatorId: string): OperatorRecord | undefined {
    return this.#store.operator(operatorId);
  }

  operators(): OperatorRecord[] {
    return [...this.#store.operators()];
  }

  /** A resident's request (not ended). */
  consultation(consultationId: string): QueueEntry | undefined {
    const entry = this.#store.entry(consultationId);
    return entry?.kind === 'resident' ? entry : undefined;
  }

  /** Every live entry: residents' requests and specialist invitations. */
  entries(): QueueEntry[] {
    return [...this.#store.entries()];
  }

  /** The waiting entries of a pool, in queue order (for supervisors' live view and tests). */
  waiting(pool: QueuePool): QueueEntry[] {
    return [...this.#store.waiting(pool)];
  }

  /** Where a waiting or ringing resident stands; null otherwise. */
  queueStatus(consultationId: string): QueueStatus | null {
    return this.#queueStatus(consultationId);
  }

  queue(departmentId: string): DepartmentQueue {
    this.#department(departmentId);
    const { servingOperators, averageHandlingMs } = this.#capacity(departmentId);
    const entries = this.waiting({ index: 'department', departmentId });
    return { departmentId, entries, servingOperators, averageHandlingMs, positions: this.#positions(departmentId) };
  }

  /** Would a request for the department be refused right now (or at `at`)? Lets the tablet grey out a button. */
  availability(departmentId: string, at: Date = this.#clock.now()): Refusal | null {
    this.#department(departmentId);
    return this.#refusal(departmentId, at.getTime());
  }

  /**
   * What a resident asking for the department now would meet: a refusal, or the back of the queue
   * with its estimate; and whether operators are logged in but none serves (all away).
   */
  outlook(departmentId: string): DepartmentOutlook {
    const refusal = this.availability(departmentId);
    const capacity = this.#capacity(departmentId);
    const waiting = this.#store.waitingCount({ index: 'department', departmentId });
    return {
      refusal,
      waiting,
      servingOperators: capacity.servingOperators,
      estimatedWaitMs: refusal ? null : this.#estimate(waiting + 1, capacity),
    };
  }

  isOpen(departmentId: string, at: Date = this.#clock.now()): boolean {
    return this.#department(departmentId).calendar.isOpen(at.getTime());
  }

  nextOpening(departmentId: string, at: Date = this.#clock.now()): Date | null {
    const next = this.#department(departmentId).calendar.nextOpening(at.getTime());
    return next === null ? null : new Date(next);
  }

  // ── Dispatch ───────────────────────────────────────────────────────────────

  /** A waiting entry looks for the longest-idle eligible operator: primary skill, then secondary (widened), then overflow. */
  #dispatchEntry(entry: QueueEntry): void {
    if (entry.phase !== 'waiting') return;
    if (entry.preferredOperatorId) {
      const preferred = this.#store.operator(entry.preferredOperatorId);
      if (preferred?.presence === 'available' && preferred.primary.includes(entry.departmentId) && !entry.passedOver.includes(preferred.operatorId)) {
        this.#offer(entry, preferred, 'primary');
      }
      return; // during the grace nobody else is asked
    }
    const skip = (operatorId: string) => entry.passedOver.includes(operatorId);
    const primary = this.#store.firstAvailableOperator(entry.departmentId, 'primary', skip);
    if (primary) return this.#offer(entry, primary, 'primary');
    const secondary = entry.widened ? this.#store.firstAvailableOperator(entry.departmentId, 'secondary', skip) : undefined;
    if (secondary) return this.#offer(entry, secondary, 'secondary');
    const overflow = entry.overflowTo ? this.#store.firstAvailableOperator(entry.overflowTo, 'primary', skip) : undefined;
    if (overflow) this.#offer(entry, overflow, 'overflow');
  }

  /** An available operator takes the first eligible entry: own departments, then widened secondary ones, then overflow. */
  #dispatchOperator(operator: OperatorRecord): void {
    if (operator.presence !== 'available') return;
    const skip = (entry: QueueEntry) =>
      entry.passedOver.includes(operator.operatorId) || (entry.preferredOperatorId !== null && entry.preferredOperatorId !== operator.operatorId);
    const tiers: [OfferTier, QueuePool['index'], readonly string[]][] = [
      ['primary', 'department', operator.primary],
      ['secondary', 'widened', operator.secondary],
      ['overflow', 'overflow', operator.primary],
    ];
    for (const [tier, index, departments] of tiers) {
      let best: QueueEntry | undefined;
      for (const departmentId of departments) {
        const head = this.#store.firstWaiting({ index, departmentId }, skip);
        if (head && (!best || compareEntries(head, best) < 0)) best = head;
      }
      if (best) return this.#offer(best, operator, tier);
    }
  }

  #offer(entry: QueueEntry, operator: OperatorRecord, tier: OfferTier): void {
    const { config } = this.#department(entry.departmentId);
    this.#store.saveEntry({ ...entry, phase: 'offered', offeredTo: operator.operatorId, offerTier: tier });
    this.#dirty.add(entry.departmentId);
    this.#setOperator(operator, { presence: 'offered', consultationId: entry.consultationId, entryId: entry.entryId });
    this.#schedule({ kind: 'ringOut', entryId: entry.entryId, operatorId: operator.operatorId }, config.ringTimeoutMs);
    this.#emit('offered', {
      consultationId: entry.consultationId,
      entryId: entry.entryId,
      kind: entry.kind,
      operatorId: operator.operatorId,
      departmentId: entry.departmentId,
      tier,
      requestedAt: new Date(entry.requestedAt),
      ringTimeoutMs: config.ringTimeoutMs,
      transferred: entry.transfers > 0,
    });
  }

  /** Take an offer back; the entry waits again. The caller decides what becomes of the operator. */
  #withdraw(entry: QueueEntry, reason: OfferWithdrawnReason, passOver: boolean): QueueEntry {
    const operatorId = entry.offeredTo!;
    this.#cancel(timerKey({ kind: 'ringOut', entryId: entry.entryId, operatorId }));
    // The named operator said no (or did not answer): the others need not wait out the grace.
    const preferenceDeclined = passOver && entry.preferredOperatorId === operatorId;
    if (preferenceDeclined) this.#cancel(timerKey({ kind: 'preferenceEnds', entryId: entry.entryId }));
    const waiting: QueueEntry = {
      ...entry,
      phase: 'waiting',
      offeredTo: null,
      offerTier: null,
      passedOver: passOver ? [...entry.passedOver, operatorId] : entry.passedOver,
      preferredOperatorId: preferenceDeclined ? null : entry.preferredOperatorId,
    };
    this.#store.saveEntry(waiting);
    if (passOver) this.#schedulePassExpiry(waiting, operatorId);
    this.#dirty.add(entry.departmentId);
    this.#emit('offerWithdrawn', { consultationId: entry.consultationId, entryId: entry.entryId, kind: entry.kind, operatorId, reason });
    return waiting;
  }

  /** The offer rang out: next operator; the operator is available again, or away after too many misses. */
  #ringOut(entryId: string, operatorId: string): void {
    const entry = this.#store.entry(entryId);
    if (!entry || entry.phase !== 'offered' || entry.offeredTo !== operatorId) return;
    const withdrawn = this.#withdraw(entry, 'timeout', true);
    const operator = this.#store.operator(operatorId)!;
    const missedOffers = operator.missedOffers + 1;
    const { maxMissedOffers } = this.#department(entry.departmentId).config;
    const cleared = { consultationId: null, entryId: null, missedOffers };
    if (maxMissedOffers !== null && missedOffers >= maxMissedOffers) {
      this.#setOperator(operator, { ...cleared, presence: 'away', awayReason: 'missed_offers' });
      this.#emit('operatorSetAway', { operatorId, reason: 'missed_offers', missedOffers });
      this.#dispatchEntry(withdrawn);
    } else {
      const available = this.#setOperator(operator, { ...cleared, presence: 'available', idleSince: this.#now() });
      this.#dispatchEntry(withdrawn);
      this.#dispatchOperator(available);
    }
  }

  // ── Queue membership and timers ────────────────────────────────────────────

  /** Put an entry in its department's queue, with widening and overflow applied or scheduled. */
  #enqueue(entry: QueueEntry): QueueEntry {
    const { config } = this.#department(entry.departmentId);
    const overflow = entry.kind === 'resident' ? config.overflow : null;
    const widened = config.secondaryDelayMs === 0;
    const overflowTo = overflow?.delayMs === 0 && this.#overflowOpen(overflow.targetDepartmentId) ? overflow.targetDepartmentId : null;
    const queued: QueueEntry = { ...entry, phase: 'waiting', widened, overflowTo };
    this.#store.saveEntry(queued);
    this.#dirty.add(queued.departmentId);
    const { entryId, consultationId, departmentId } = queued;
    if (widened) this.#emit('widened', { consultationId, entryId, departmentId });
    else if (config.secondaryDelayMs !== null) {
      this.#schedule({ kind: 'widen', entryId }, config.secondaryDelayMs);
    }
    if (overflowTo) this.#emit('overflowed', { consultationId, entryId, fromDepartmentId: departmentId, toDepartmentId: overflowTo });
    else if (overflow && overflow.delayMs > 0) {
      this.#schedule({ kind: 'overflow', entryId, targetDepartmentId: overflow.targetDepartmentId }, overflow.delayMs);
    }
    return queued;
  }

  /** The booking's grace is over: every eligible operator may be offered the resident now. */
  #endPreference(entryId: string): void {
    const entry = this.#store.entry(entryId);
    if (!entry?.preferredOperatorId) return;
    const released: QueueEntry = { ...entry, preferredOperatorId: null };
    this.#store.saveEntry(released);
    this.#dispatchEntry(released);
  }

  #widen(entryId: string): void {
    const entry = this.#store.entry(entryId);
    if (!entry || (entry.phase !== 'waiting' && entry.phase !== 'offered')) return;
    const widened = { ...entry, widened: true };
    this.#store.saveEntry(widened);
    this.#emit('widened', { consultationId: entry.consultationId, entryId, departmentId: entry.departmentId });
    this.#dispatchEntry(widened);
  }

  #overflow(entryId: string, targetDepartmentId: string): void {
    const entry = this.#store.entry(entryId);
    if (!entry || (entry.phase !== 'waiting' && entry.phase !== 'offered')) return;
    if (!this.#overflowOpen(targetDepartmentId)) return; // the general counter is closed: nothing to widen to
    const overflowed = { ...entry, overflowTo: targetDepartmentId };
    this.#store.saveEntry(overflowed);
    this.#emit('overflowed', {
      consultationId: entry.consultationId,
      entryId,
      fromDepartmentId: entry.departmentId,
      toDepartmentId: targetDepartmentId,
    });
    this.#dispatchEntry(overflowed);
  }

  #overflowOpen(targetDepartmentId: string): boolean {
    return this.#department(targetDepartmentId).calendar.isOpen(this.#now());
  }

  #clearEntryTimers(entry: QueueEntry): void {
    for (const key of entryTimerKeys(entry)) this.#cancel(key);
  }

  /**
   * A decline or a missed ring keeps the operator from the entry for a while, not for ever: in a
   * department of one or two, a resident would otherwise wait for overflow after one slip.
   */
  #schedulePassExpiry(entry: QueueEntry, operatorId: string): void {
    const { passOverMs } = this.#department(entry.departmentId).config;
    if (passOverMs === null) return;
    this.#schedule({ kind: 'passOverEnds', entryId: entry.entryId, operatorId }, passOverMs);
  }

  #passExpired(entryId: string, operatorId: string): void {
    const entry = this.#store.entry(entryId);
    if (!entry?.passedOver.includes(operatorId)) return;
    const cleared: QueueEntry = { ...entry, passedOver: entry.passedOver.filter((id) => id !== operatorId) };
    this.#store.saveEntry(cleared);
    this.#dispatchEntry(cleared);
  }

  /** Arm `timer` to fire in `ms`, replacing one with the same key; the store keeps it until it fires or is cancelled. */
  #schedule(timer: RoutingTimer, ms: number): void {
    const key = timerKey(timer);
    this.#cancel(key);
    const scheduled: ScheduledTimer = { key, timer, dueAt: this.#now() + ms, seq: this.#store.nextSeq() };
    this.#store.saveTimer(scheduled);
    this.#arm(scheduled);
  }

  /** Set the clock for a timer of the store (at once if its time has passed). */
  #arm({ key, timer, dueAt }: ScheduledTimer): void {
    const handle = this.#clock.setTimeout(() => {
      if (this.#armed.get(key) !== handle) return;
      this.#armed.delete(key);
      if (this.#closed) return;
      try {
        this.#run(() => {
          this.#store.deleteTimer(key);
          this.#fire(timer);
        });
      } catch (error) {
        logger.error('a routing timer failed:', error);
      }
    }, Math.max(0, dueAt - this.#now()));
    this.#armed.set(key, handle);
  }

  #fire(timer: RoutingTimer): void {
    switch (timer.kind) {
      case 'ringOut':
        return this.#ringOut(timer.entryId, timer.operatorId);
      case 'widen':
        return this.#widen(timer.entryId);
      case 'overflow':
        return this.#overflow(timer.entryId, timer.targetDepartmentId);
      case 'preferenceEnds':
        return this.#endPreference(timer.entryId);
      case 'passOverEnds':
        return this.#passExpired(timer.entryId, timer.operatorId);
      case 'wrapUpEnds':
        return this.#wrapUpEnded(timer.operatorId);
    }
  }

  #cancel(key: string): void {
    const handle = this.#armed.get(key);
    if (handle === undefined) return;
    this.#clock.clearTimeout(handle);
    this.#armed.delete(key);
    this.#store.deleteTimer(key);
  }


  // ── Ending ─────────────────────────────────────────────────────────────────

  /** The single way a request ends: frees whoever it held, removes it, emits `ended`. */
  #end(entry: QueueEntry, outcome: RoutingOutcome, reason: string | null): void {
    const freed: OperatorRecord[] = [];
    const operatorIds: string[] = [];
    this.#clearEntryTimers(entry);
    if (entry.phase === 'offered') {
      const operator = this.#store.operator(entry.offeredTo!)!;
      this.#withdraw(entry, 'cancelled', false);
      operatorIds.push(operator.operatorId);
      freed.push(this.#setOperator(operator, { presence: 'available', consultationId: null, entryId: null })); // keeps its idleSince
    }
    if (entry.specialistEntryId) {
      const operator = this.#removeInvitation(this.#store.entry(entry.specialistEntryId)!, 'call_ended');
      if (operator) freed.push(operator);
    }
    if (entry.phase === 'in_call') {
      for (const operatorId of [entry.operatorId, entry.specialistId]) {
        if (!operatorId) continue;
        operatorIds.push(operatorId);
        freed.push(this.#release(this.#store.operator(operatorId)!));
      }
    }
    this.#store.deleteEntry(entry.entryId);
    if (entry.phase === 'waiting') this.#dirty.add(entry.departmentId);
    this.#emit('ended', { consultationId: entry.consultationId, departmentId: entry.departmentId, outcome, reason, operatorIds });
    for (const operator of freed) {
      const current = this.#store.operator(operator.operatorId);
      if (current) this.#dispatchOperator(current);
    }
  }

  /** Remove a specialist invitation; returns the operator it was ringing, now available again. */
  #removeInvitation(invitation: QueueEntry, reason: 'cancelled' | 'call_ended'): OperatorRecord | null {
    this.#clearEntryTimers(invitation);
    let freed: OperatorRecord | null = null;
    if (invitation.phase === 'offered') {
      const operator = this.#store.operator(invitation.offeredTo!)!;
      this.#withdraw(invitation, 'cancelled', false);
      freed = this.#setOperator(operator, { presence: 'available', consultationId: null, entryId: null });
    }
    this.#store.deleteEntry(invitation.entryId);
    if (invitation.phase === 'waiting') this.#dirty.add(invitation.departmentId);
    this.#emit('specialistCancelled', {
      consultationId: invitation.consultationId,
      entryId: invitation.entryId,
      departmentId: invitation.departmentId,
      reason,
    });
    return freed;
  }

  /** An operator's part in a call is over: wrap-up (or available at once, or offline if disconnected). */
  #release(operator: OperatorRecord): OperatorRecord {
    if (!operator.connected) return this.#leaveWork(operator, { presence: 'offline', awayReason: null });
    const departmentId = operator.work?.departmentId;
    const wrapUpMs = departmentId ? this.#department(departmentId).config.wrapUpMs : this.#defaults.wrapUpMs;
    if (wrapUpMs === 0) return this.#leaveWork(operator, { presence: 'available', idleSince: this.#now() });
    const wrapping = this.#setOperator(operator, { presence: 'wrap_up', entryId: null });
    this.#schedule({ kind: 'wrapUpEnds', operatorId: operator.operatorId }, wrapUpMs);
    return wrapping;
  }

  #wrapUpEnded(operatorId: string): void {
    const operator = this.#store.operator(operatorId);
    if (operator?.presence !== 'wrap_up') return;
    this.#dispatchOperator(this.#leaveWork(operator, { presence: 'available', idleSince: this.#now() }));
  }

  /** Leave a call's wrap-up (or any state) for `patch`: records the handling time, stops the wrap-up timer. */
  #leaveWork(operator: OperatorRecord, patch: OperatorPatch): OperatorRecord {
    this.#cancel(timerKey({ kind: 'wrapUpEnds', operatorId: operator.operatorId }));
    if (operator.work) {
      const { departmentId, startedAt } = operator.work;
      this.#store.recordHandlingTime(departmentId, this.#now() - startedAt, this.#department(departmentId).config.estimateWindow);
      this.#dirty.add(departmentId);
    }
    return this.#setOperator(operator, { ...patch, consultationId: null, entryId: null, work: null });
  }

  #goOffline(operator: OperatorRecord): OperatorRecord {
    return this.#leaveWork(operator, { presence: 'offline', connected: false, awayReason: null });
  }

  // ── State helpers ──────────────────────────────────────────────────────────

  /** Save an operator change; emits `presenceChanged` and marks estimates stale when capacity changes. */
  #setOperator(operator: OperatorRecord, patch: OperatorPatch): OperatorRecord {
    const next: OperatorRecord = { ...operator, ...patch };
    this.#store.saveOperator(next);
    const skillsChanged = next.primary !== operator.primary || next.secondary !== operator.secondary;
    if (skillsChanged || isServing(next.presence) !== isServing(operator.presence)) {
      for (const departmentId of [...operator.primary, ...operator.secondary, ...next.primary, ...next.secondary]) this.#dirty.add(departmentId);
    }
    if (next.presence !== operator.presence) {
      this.#emit('presenceChanged', {
        operatorId: next.operatorId,
        presence: next.presence,
        previous: operator.presence,
        awayReason: next.presence === 'away' ? next.awayReason : null,
        consultationId: next.consultationId,
      });
    }
    return next;
  }

  #refusal(departmentId: string, now: number): Refusal | null {
    const { config, calendar } = this.#department(departmentId);
    if (!calendar.isOpen(now)) {
      const next = calendar.nextOpening(now);
      return { reason: 'outside_hours', nextOpeningAt: next === null ? null : new Date(next) };
    }
    const loggedIn =
      this.#store.countOperators(departmentId, 'primary', LOGGED_IN) + this.#store.countOperators(departmentId, 'secondary', LOGGED_IN);
    if (loggedIn > 0) return null;
    const target = config.overflow?.targetDepartmentId;
    if (target && this.#overflowOpen(target) && this.#store.countOperators(target, 'primary', LOGGED_IN) > 0) return null;
    return { reason: 'no_operator', nextOpeningAt: null };
  }

  #requireTarget(departmentId: string): void {
    this.#department(departmentId);
    const refusal = this.#refusal(departmentId, this.#now());
    if (refusal) {
      throw new RoutingError('target_unavailable', `department ${departmentId} cannot take the call: ${refusal.reason}`, { ...refusal });
    }
  }

  /** Operators serving the department (primary skill; secondary if it has none) and its mean handling time. */
  #capacity(departmentId: string): { servingOperators: number; averageHandlingMs: number } {
    const servingOperators =
      this.#store.countOperators(departmentId, 'primary', SERVING) || this.#store.countOperators(departmentId, 'secondary', SERVING);
    const averageHandlingMs = this.#store.meanHandlingTime(departmentId) ?? this.#department(departmentId).config.defaultHandlingMs;
    return { servingOperators, averageHandlingMs };
  }

  /** Wait estimate for the n-th in line: n handling times shared by the operators serving the department. */
  #estimate(position: number, capacity: { servingOperators: number; averageHandlingMs: number }): number | null {
    if (capacity.servingOperators === 0) return null;
    return Math.round((position * capacity.averageHandlingMs) / capacity.servingOperators);
  }

  #positions(departmentId: string): QueuePosition[] {
    const capacity = this.#capacity(departmentId);
    const positions: QueuePosition[] = [];
    let position = 0;
    for (const entry of this.#store.waiting({ index: 'department', departmentId })) {
      position += 1;
      if (entry.kind === 'resident') {
        positions.push({ consultationId: entry.consultationId, position, estimatedWaitMs: this.#estimate(position, capacity) });
      }
    }
    return positions;
  }

  #queueStatus(consultationId: string): QueueStatus | null {
    const entry = this.consultation(consultationId);
    if (entry?.phase === 'offered') return { status: 'offered', position: null, estimatedWaitMs: null };
    if (entry?.phase !== 'waiting') return null;
    const position = this.#store.positionOf(consultationId)!;
    return { status: 'waiting', position, estimatedWaitMs: this.#estimate(position, this.#capacity(entry.departmentId)) };
  }

  #department(departmentId: string): Department {
    const department = this.#departments.get(departmentId);
    if (!department) throw new RoutingError('unknown_department', `no routing configuration for department ${departmentId}`);
    return department;
  }

  #operator(operatorId: string): OperatorRecord {
    const operator = this.#store.operator(operatorId);
    if (!operator) throw new RoutingError('unknown_operator', `operator ${operatorId} is not logged in`);
    return operator;
  }

  #resident(consultationId: string): QueueEntry {
    const entry = this.consultation(consultationId);
    if (!entry) throw new RoutingError('unknown_consultation', `consultation ${consultationId} is not being routed`);
    return entry;
  }

  #offeredOperator(operatorId: string, consultationId: string): OperatorRecord {
    const operator = this.#operator(operatorId);
    if (operator.presence !== 'offered' || operator.consultationId !== consultationId) {
      throw new RoutingError('not_offered', `consultation ${consultationId} is not offered to operator ${operatorId}`);
    }
    return operator;
  }

  #offeredEntry(operator: OperatorRecord): QueueEntry {
    return this.#store.entry(operator.entryId!)!;
  }

  /** The in-call request led by this operator. */
  #leadCall(consultationId: string, operatorId: string): QueueEntry {
    const entry = this.#resident(consultationId);
    if (entry.phase !== 'in_call') throw new RoutingError('invalid_state', 'the call is not connected');
    if (entry.operatorId !== operatorId) throw new RoutingError('not_in_call', `operator ${operatorId} does not lead this call`);
    return entry;
  }

  #skills(primaryInput: readonly string[], secondaryInput: readonly string[]): { primary: string[]; secondary: string[] } {
    const primary = [...new Set(primaryInput)];
    const secondary = [...new Set(secondaryInput)].filter((departmentId) => !primary.includes(departmentId));
    for (const departmentId of [...primary, ...secondary]) this.#department(departmentId);
    return { primary, secondary };
  }

  #compile(input: DepartmentRoutingConfigInput): Department {
    const config = resolveDepartmentConfig(input, this.#defaults);
    return { config, calendar: new BusinessCalendar(config.hours, config.closedDates, config.annualClosures) };
  }

  #checkOverflowTargets(): void {
    for (const { config } of this.#departments.values()) {
      const target = config.overflow?.targetDepartmentId;
      if (target && !this.#departments.has(target)) {
        throw new RoutingError('invalid_config', `department ${config.departmentId} overflows to unknown department ${target}`);
      }
    }
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  // ── Command and event plumbing ─────────────────────────────────────────────

  #emit<K extends RoutingEventName>(type: K, payload: RoutingEventMap[K]): void {
    this.#outbox.push({ type, at: this.#clock.now(), ...payload } as unknown as RoutingEvent);
  }

  /** Run a command; when the outermost one finishes, deliver its events (queue updates last, coalesced). */
  #run<T>(command: () => T): T {
    if (this.#closed) throw new RoutingError('closed', 'the routing core is closed');
    this.#depth += 1;
    try {
      return command();
    } finally {
      this.#depth -= 1;
      if (this.#depth === 0) this.#flush();
    }
  }

  #flush(): void {
    if (this.#flushing) return; // a listener's command: its events join the running flush
    this.#flushing = true;
    try {
      while (this.#outbox.length > 0 || this.#dirty.size > 0) {
        if (this.#dirty.size > 0) {
          const departments = [...this.#dirty];
          this.#dirty.clear();
          if (this.#emitter.listenerCount('queueTouched') > 0) {
            for (const departmentId of departments) this.#emit('queueTouched', { departmentId });
          }
          // Every position is recomputed: O(waiting) per command, paid only by a listener that wants them.
          if (this.#emitter.listenerCount('queueChanged') > 0) {
            for (const departmentId of departments) {
              const capacity = this.#capacity(departmentId);
              const positions = this.#positions(departmentId);
              this.#emit('queueChanged', {
                departmentId,
                waiting: this.#store.waitingCount({ index: 'department', departmentId }),
                servingOperators: capacity.servingOperators,
                averageHandlingMs: capacity.averageHandlingMs,
                positions,
              });
            }
          }
        }
        const batch = this.#outbox;
        this.#outbox = [];
        for (const event of batch) this.#emitter.emit(event);
      }
    } finally {
      this.#flushing = false;
    }
  }
}

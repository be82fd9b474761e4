import type { ConsultationOutcome, Presence } from '@madoguchi/protocol';

/**
 * The routing state as plain, serialisable records: what a `RoutingStore` keeps (in memory now,
 * PostgreSQL rows or Redis hashes later). Records are replaced, never mutated in place.
 */

/** How an operator knows a department: primary skills get its requests at once, secondary ones after a delay. */
export type SkillLevel = 'primary' | 'secondary';

/** Why an operator could be offered a request: own department, widened to secondary skills, or overflow. */
export type OfferTier = 'primary' | 'secondary' | 'overflow';

/** Why an operator is away (離席中): chose it, or missed offers in a row. */
export type AwayReason = 'manual' | 'missed_offers';

export interface OperatorRecord {
  readonly operatorId: string;
  /** Insertion order: the tie-break between operators idle since the same instant. */
  readonly seq: number;
  readonly primary: readonly string[];
  readonly secondary: readonly string[];
  readonly presence: Presence;
  /** False when the operator's last connection dropped (presence offline, or in_call during a grace period). */
  readonly connected: boolean;
  /** When the operator last became available: the longest-idle operator is offered first. */
  readonly idleSince: number;
  /** Set while away. */
  readonly awayReason: AwayReason | null;
  /** Offers that rang out in a row. */
  readonly missedOffers: number;
  /** The consultation offered to (offered), handled (in_call) or just handled (wrap_up) by the operator. */
  readonly consultationId: string | null;
  /** The queue entry offered to the operator (offered only). */
  readonly entryId: string | null;
  /** The department the operator works for in the current call and its wrap-up, and since when. */
  readonly work: { readonly departmentId: string; readonly startedAt: number } | null;
}

/** A resident's request, or the invitation of a specialist into a resident's call (one-stop 窓口). */
export type EntryKind = 'resident' | 'specialist';

/**
 * Where an entry is. `refused`: the request was refused (outside hours / no operator) and waits for the
 * caller to choose a callback or to leave. Ended requests are removed from the store.
 */
export type EntryPhase = 'waiting' | 'offered' | 'refused' | 'in_call';

export type RefusalReason = 'outside_hours' | 'no_operator';

/** The terminal outcomes a request can end in; exactly one per request. */
export type RoutingOutcome = Extract<ConsultationOutcome, 'completed' | 'abandoned' | 'no_operator' | 'callback_requested' | 'failed'>;

export interface QueueEntry {
  /** = consultationId for a resident; a derived id for a specialist invitation. */
  readonly entryId: string;
  readonly consultationId: string;
  readonly kind: EntryKind;
  /** Arrival order: the final tie-break of the queue order. */
  readonly seq: number;
  /** The department whose queue the entry is in (or whose operator serves the call). */
  readonly departmentId: string;
  /** Higher first. Transferred residents and specialist invitations go ahead of normal arrivals. */
  readonly priority: number;
  /** When the resident first asked: kept across transfers, so the wait is never reset. */
  readonly requestedAt: number;
  /** When the entry joined its current department's queue: widening and overflow count from here. */
  readonly enqueuedAt: number;
  readonly phase: EntryPhase;
  /** Secondary-skill operators may answer. */
  readonly widened: boolean;
  /** The overflow department whose operators may answer too. */
  readonly overflowTo: string | null;
  /**
   * Operators not offered this entry now: who declined it or let it ring out (until the department's
   * passOverMs has passed), and who transferred the resident or invited the specialist (for good).
   */
  readonly passedOver: readonly string[];
  /**
   * The operator named on the resident's booking: while set (the grace after the request), only they
   * are offered the entry. Cleared when the grace ends, or when they decline it or let it ring out.
   */
  readonly preferredOperatorId: string | null;
  readonly offeredTo: string | null;
  readonly offerTier: OfferTier | null;
  readonly refusal: RefusalReason | null;
  /** The operator leading the call (resident entries in call). */
  readonly operatorId: string | null;
  /** The specialist brought into the call, and the pending invitation, if any. */
  readonly specialistId: string | null;
  readonly specialistEntryId: string | null;
  /** First answer; kept across transfers. */
  readonly answeredAt: number | null;
  readonly transfers: number;
}

/** The ordered sets a waiting entry can sit in. */
export type QueueIndex =
  | 'department' // every waiting entry of the department: the queue residents see
  | 'widened' // those secondary-skill operators may take
  | 'overflow'; // entries of other departments overflowed to this one

export interface QueuePool {
  readonly index: QueueIndex;
  readonly departmentId: string;
}

/** Queue order: priority (higher first), then original request time, then arrival. */
export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return b.priority - a.priority || a.requestedAt - b.requestedAt || a.seq - b.seq;
}

/** Availability order: longest idle first. */
export function compareOperators(a: OperatorRecord, b: OperatorRecord): number {
  return a.idleSince - b.idleSince || a.seq - b.seq;
}

/** Something the core does at a set time, unless it is cancelled first. */
export type RoutingTimer =
  /** The offer rang out: it moves on to the next operator. */
  | { readonly kind: 'ringOut'; readonly entryId: string; readonly operatorId: string }
  /** Secondary-skill operators may answer the entry. */
  | { readonly kind: 'widen'; readonly entryId: string }
  /** The overflow department's operators may answer the entry (if it is open then). */
  | { readonly kind: 'overflow'; readonly entryId: string; readonly targetDepartmentId: string }
  /** A booking's grace is over: not only the operator named on it may be offered the resident. */
  | { readonly kind: 'preferenceEnds'; readonly entryId: string }
  /** An operator who declined the entry or let it ring out may be offered it again. */
  | { readonly kind: 'passOverEnds'; readonly entryId: string; readonly operatorId: string }
  /** The operator's 後処理 is over: available again. */
  | { readonly kind: 'wrapUpEnds'; readonly operatorId: string };

/**
 * A timer the core has armed, kept in the store with the rest of the routing state: a core built over
 * a store another core left (a standby node taking the city over) arms them again, each at its own time.
 */
export interface ScheduledTimer {
  /** One timer per key (timerKey): arming it again replaces it. */
  readonly key: string;
  readonly timer: RoutingTimer;
  /** When it falls due (ms since the epoch). */
  readonly dueAt: number;
  /** Arming order: timers due at the same instant fire in it. */
  readonly seq: number;
}

export function timerKey(timer: RoutingTimer): string {
  switch (timer.kind) {
    case 'ringOut':
    case 'widen':
    case 'overflow':
    case 'preferenceEnds':
      return `${timer.kind}:${timer.entryId}`;
    case 'passOverEnds':
      return passOverKey(timer.entryId, timer.operatorId);
    case 'wrapUpEnds':
      return `${timer.kind}:${timer.operatorId}`;
  }
}

const passOverKey = (entryId: string, operatorId: string) => `passOverEnds:${entryId}:${operatorId}`;

/** The keys of every timer the entry can have: one of each per entry, and a pass-over per operator it passed over. */
export function entryTimerKeys(entry: QueueEntry): string[] {
  const { entryId } = entry;
  return [
    ...(['ringOut', 'widen', 'overflow', 'preferenceEnds'] as const).map((kind) => `${kind}:${entryId}`),
    ...entry.passedOver.map((operatorId) => passOverKey(entryId, operatorId)),
  ];
}

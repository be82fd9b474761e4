import type { Presence } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { AwayReason, EntryKind, OfferTier, RefusalReason, RoutingOutcome } from './records.ts';

const logger = createLogger('routing');

/** Why an offer was taken back from its operator. */
export type OfferWithdrawnReason =
  | 'declined'
  | 'timeout' // rang out
  | 'operator_disconnected'
  | 'operator_removed'
  | 'cancelled'; // the request (or the specialist invitation) ended while ringing

/** One resident's place in a department queue, as the tablet shows it: お待ちください（◯番目・約◯分）. */
export interface QueuePosition {
  readonly consultationId: string;
  /** 1-based, counting every waiting entry ahead (specialist invitations included). */
  readonly position: number;
  /** null when no operator currently serves the department. */
  readonly estimatedWaitMs: number | null;
}

/** What the routing core tells the consultation service. Every event also carries `type` and `at`. */
export interface RoutingEventMap {
  /** Ring this operator. */
  offered: {
    consultationId: string;
    entryId: string;
    kind: EntryKind;
    operatorId: string;
    departmentId: string;
    tier: OfferTier;
    requestedAt: Date;
    ringTimeoutMs: number;
    transferred: boolean;
  };
  /** Stop ringing this operator. */
  offerWithdrawn: { consultationId: string; entryId: string; kind: EntryKind; operatorId: string; reason: OfferWithdrawnReason };
  /** A resident's request was answered (again, after a transfer: `transferred`). Start the media room. */
  answered: {
    consultationId: string;
    operatorId: string;
    departmentId: string;
    tier: OfferTier;
    waitedMs: number;
    transferred: boolean;
  };
  /** The request's single terminal event. */
  ended: { consultationId: string; departmentId: string; outcome: RoutingOutcome; reason: string | null; operatorIds: string[] };
  /** Outside hours or nobody logged in: offer the resident a callback (`requestCallback`) or let them go (`cancel`). */
  refused: { consultationId: string; departmentId: string; reason: RefusalReason; nextOpeningAt: Date | null };
  /**
   * The department's queue may have changed (coalesced: once per command). It carries nothing, so it
   * costs nothing: for listeners that read the queue on their own schedule (the service's pushes).
   */
  queueTouched: { departmentId: string };
  /** Positions and estimates of every resident waiting for the department (coalesced: once per command; computed only when listened to). */
  queueChanged: {
    departmentId: string;
    waiting: number;
    servingOperators: number;
    averageHandlingMs: number;
    positions: QueuePosition[];
  };
  presenceChanged: {
    operatorId: string;
    presence: Presence;
    previous: Presence;
    awayReason: AwayReason | null;
    consultationId: string | null;
  };
  /** The operator let `missedOffers` offers ring out in a row and is now away; show it in the console. */
  operatorSetAway: { operatorId: string; reason: 'missed_offers'; missedOffers: number };
  /** The operator's connection dropped during a call: the service starts its grace period, then calls `fail` or `leaveCall`. */
  operatorLost: { operatorId: string; consultationId: string };
  /** Secondary-skill operators may now answer this entry. */
  widened: { consultationId: string; entryId: string; departmentId: string };
  /** The overflow department's operators may now answer this entry too. */
  overflowed: { consultationId: string; entryId: string; fromDepartmentId: string; toDepartmentId: string };
  /** Blind transfer: the resident waits (with priority) in another department's queue. */
  transferred: { consultationId: string; fromDepartmentId: string; toDepartmentId: string; byOperatorId: string };
  specialistInvited: { consultationId: string; entryId: string; departmentId: string; byOperatorId: string };
  /** A specialist answered: add them to the call's media room. */
  specialistJoined: { consultationId: string; entryId: string; operatorId: string; departmentId: string };
  specialistCancelled: { consultationId: string; entryId: string; departmentId: string; reason: 'cancelled' | 'call_ended' };
  /** One of two operators left a three-party call; the call goes on with the other. */
  operatorLeft: { consultationId: string; operatorId: string; remainingOperatorId: string };
}

export type RoutingEventName = keyof RoutingEventMap;
export type RoutingEvent = { [K in RoutingEventName]: { readonly type: K; readonly at: Date } & Readonly<RoutingEventMap[K]> }[RoutingEventName];
export type RoutingEventOf<K extends RoutingEventName> = Extract<RoutingEvent, { type: K }>;
export type RoutingListener<K extends RoutingEventName> = (event: RoutingEventOf<K>) => void;

/** Subscription side of the core's events. Listeners run after the command that caused them has finished. */
export interface RoutingEvents {
  on<K extends RoutingEventName>(type: K, listener: RoutingListener<K>): () => void;
  off<K extends RoutingEventName>(type: K, listener: RoutingListener<K>): void;
  /** Every event, in order: for the event log, dashboards and tests. */
  onAny(listener: (event: RoutingEvent) => void): () => void;
  /** Listeners that would receive `type` (including `onAny` ones). */
  listenerCount(type: RoutingEventName): number;
}

export class RoutingEmitter implements RoutingEvents {
  readonly #listeners = new Map<RoutingEventName, Set<(event: RoutingEvent) => void>>();
  readonly #any = new Set<(event: RoutingEvent) => void>();

  on<K extends RoutingEventName>(type: K, listener: RoutingListener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (event: RoutingEvent) => void);
    return () => this.off(type, listener);
  }

  off<K extends RoutingEventName>(type: K, listener: RoutingListener<K>): void {
    this.#listeners.get(type)?.delete(listener as (event: RoutingEvent) => void);
  }

  onAny(listener: (event: RoutingEvent) => void): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }

  listenerCount(type: RoutingEventName): number {
    return (this.#listeners.get(type)?.size ?? 0) + this.#any.size;
  }

  /** Deliver one event. A throwing listener is logged and does not stop the others (nor the core). */
  emit(event: RoutingEvent): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? []), ...this.#any]) {
      try {
        listener(event);
      } catch (error) {
        logger.error(`a ${event.type} listener failed:`, error);
      }
    }
  }
}

import type { Presence } from '@madoguchi/protocol';
import type { OperatorRecord, QueueEntry, QueuePool, ScheduledTimer, SkillLevel } from './records.ts';

/**
 * The routing state behind the core, phrased as the questions routing asks, so that an implementation
 * can answer each with an index: in memory (sorted lists), PostgreSQL (`ORDER BY priority DESC,
 * requested_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED` on an index per pool), or Redis (sorted sets).
 *
 * Records are values: the core never mutates one it read; it saves a new one, and the store keeps its
 * indexes (queues, available operators, counts) in step with what it saved.
 *
 * Synchronous on purpose: one process owns a city's routing today. A shared store for several
 * signaling processes needs an async variant of this interface (and the commands of the core awaiting
 * it under a per-city lock); the questions stay the same.
 */
export interface RoutingStore {
  nextSeq(): number;

  operator(operatorId: string): OperatorRecord | undefined;
  /** Insert or replace; re-indexes availability and counts. */
  saveOperator(record: OperatorRecord): void;
  deleteOperator(operatorId: string): void;
  operators(): Iterable<OperatorRecord>;
  /** The longest-idle available operator with the department at this skill level whom `skip` does not reject. */
  firstAvailableOperator(departmentId: string, skill: SkillLevel, skip: (operatorId: string) => boolean): OperatorRecord | undefined;
  /** How many operators with the department at this skill level are in one of `presences`. */
  countOperators(departmentId: string, skill: SkillLevel, presences: readonly Presence[]): number;

  entry(entryId: string): QueueEntry | undefined;
  /** Insert or replace; re-indexes the queues (waiting entries only). */
  saveEntry(record: QueueEntry): void;
  deleteEntry(entryId: string): void;
  entries(): Iterable<QueueEntry>;
  /** The first waiting entry of the pool, in queue order, that `skip` does not reject. */
  firstWaiting(pool: QueuePool, skip: (entry: QueueEntry) => boolean): QueueEntry | undefined;
  /** The waiting entries of the pool in queue order. */
  waiting(pool: QueuePool): Iterable<QueueEntry>;
  waitingCount(pool: QueuePool): number;
  /** 1-based place of a waiting entry in its department's queue; null if it is not waiting. */
  positionOf(entryId: string): number | null;

  /** Add a handling time (answer → free again) to the department's rolling window of `window` samples. */
  recordHandlingTime(departmentId: string, ms: number, window: number): void;
  /** Mean of the department's rolling window; null before the first sample. */
  meanHandlingTime(departmentId: string): number | null;

  /** The core's armed timers (ringing, widening, overflow, a booking's grace, pass-overs, wrap-ups). Insert or replace by key. */
  saveTimer(timer: ScheduledTimer): void;
  deleteTimer(key: string): void;
  timers(): Iterable<ScheduledTimer>;
}

import type { Presence } from '@madoguchi/protocol';
import { SortedList } from './SortedList.ts';
import {
  compareEntries,
  compareOperators,
  type OperatorRecord,
  type QueueEntry,
  type QueueIndex,
  type QueuePool,
  type ScheduledTimer,
  type SkillLevel,
} from './records.ts';
import type { RoutingStore } from './RoutingStore.ts';

interface HandlingWindow {
  readonly samples: number[];
  next: number;
  sum: number;
}

/** Everything indexed for one department. */
class DepartmentIndex {
  /** Waiting entries in queue order: all of the department's, those widened to secondary skills, those overflowed here. */
  readonly pools: Record<QueueIndex, SortedList<QueueEntry>> = {
    department: new SortedList(compareEntries),
    widened: new SortedList(compareEntries),
    overflow: new SortedList(compareEntries),
  };
  /** Available operators by skill level, longest idle first. */
  readonly available: Record<SkillLevel, SortedList<OperatorRecord>> = {
    primary: new SortedList(compareOperators, 64),
    secondary: new SortedList(compareOperators, 64),
  };
  /** Operators by skill level and presence. */
  readonly counts: Record<SkillLevel, Record<Presence, number>> = { primary: zeroCounts(), secondary: zeroCounts() };
  readonly handling: HandlingWindow = { samples: [], next: 0, sum: 0 };
}

/** The routing state of one process, indexed in memory: every routing question is answered without a scan. */
export class InMemoryRoutingStore implements RoutingStore {
  readonly #operators = new Map<string, OperatorRecord>();
  readonly #entries = new Map<string, QueueEntry>();
  readonly #departments = new Map<string, DepartmentIndex>();
  readonly #timers = new Map<string, ScheduledTimer>();
  #seq: number;

  /** `seq`: the last sequence number handed out (a store rebuilt from a copy goes on from there). */
  constructor({ seq = 0 }: { seq?: number } = {}) {
    this.#seq = seq;
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  // ── Operators ──────────────────────────────────────────────────────────────

  operator(operatorId: string): OperatorRecord | undefined {
    return this.#operators.get(operatorId);
  }

  saveOperator(record: OperatorRecord): void {
    const old = this.#operators.get(record.operatorId);
    this.#operators.set(record.operatorId, record);
    if (old && old.presence === record.presence && old.primary === record.primary && old.secondary === record.secondary) {
      // Counts unchanged; an available operator's list entry is swapped for the new record (moved if idleSince changed).
      if (record.presence === 'available') this.#swapAvailable(old, record);
      return;
    }
    if (old) this.#indexOperator(old, -1);
    this.#indexOperator(record, 1);
  }

  deleteOperator(operatorId: string): void {
    const old = this.#operators.get(operatorId);
    if (!old) return;
    this.#indexOperator(old, -1);
    this.#operators.delete(operatorId);
  }

  operators(): Iterable<OperatorRecord> {
    return this.#operators.values();
  }

  firstAvailableOperator(departmentId: string, skill: SkillLevel, skip: (operatorId: string) => boolean): OperatorRecord | undefined {
    return this.#departments.get(departmentId)?.available[skill].first((operator) => skip(operator.operatorId));
  }

  countOperators(departmentId: string, skill: SkillLevel, presences: readonly Presence[]): number {
    const counts = this.#departments.get(departmentId)?.counts[skill];
    if (!counts) return 0;
    let total = 0;
    for (const presence of presences) total += counts[presence];
    return total;
  }

  #indexOperator(record: OperatorRecord, delta: 1 | -1): void {
    this.#indexSkill(record, 'primary', record.primary, delta);
    this.#indexSkill(record, 'secondary', record.secondary, delta);
  }

  #indexSkill(record: OperatorRecord, skill: SkillLevel, departments: readonly string[], delta: 1 | -1): void {
    for (const departmentId of departments) {
      const index = this.#department(departmentId);
      index.counts[skill][record.presence] += delta;
      if (record.presence !== 'available') continue;
      if (delta > 0) index.available[skill].insert(record);
      else index.available[skill].delete(record);
    }
  }

  #swapAvailable(old: OperatorRecord, record: OperatorRecord): void {
    for (const [skill, departments] of [['primary', record.primary], ['secondary', record.secondary]] as const) {
      for (const departmentId of departments) {
        const list = this.#department(departmentId).available[skill];
        if (!list.replace(old, record)) {
          list.delete(old);
          list.insert(record);
        }
      }
    }
  }

  // ── Queue entries ──────────────────────────────────────────────────────────

  entry(entryId: string): QueueEntry | undefined {
    return this.#entries.get(entryId);
  }

  saveEntry(record: QueueEntry): void {
    const old = this.#entries.get(record.entryId);
    if (old) this.#indexEntry(old, -1);
    this.#entries.set(record.entryId, record);
    this.#indexEntry(record, 1);
  }

  deleteEntry(entryId: string): void {
    const old = this.#entries.get(entryId);
    if (!old) return;
    this.#indexEntry(old, -1);
    this.#entries.delete(entryId);
  }

  entries(): Iterable<QueueEntry> {
    return this.#entries.values();
  }

  firstWaiting(pool: QueuePool, skip: (entry: QueueEntry) => boolean): QueueEntry | undefined {
    return this.#departments.get(pool.departmentId)?.pools[pool.index].first(skip);
  }

  waiting(pool: QueuePool): Iterable<QueueEntry> {
    return this.#departments.get(pool.departmentId)?.pools[pool.index] ?? [];
  }

  waitingCount(pool: QueuePool): number {
    return this.#departments.get(pool.departmentId)?.pools[pool.index].size ?? 0;
  }

  positionOf(entryId: string): number | null {
    const entry = this.#entries.get(entryId);
    if (!entry || entry.phase !== 'waiting') return null;
    const index = this.#departments.get(entry.departmentId)?.pools.department.indexOf(entry) ?? -1;
    return index < 0 ? null : index + 1;
  }

  #indexEntry(record: QueueEntry, delta: 1 | -1): void {
    if (record.phase !== 'waiting') return;
    this.#pool(this.#department(record.departmentId).pools.department, record, delta);
    if (record.widened) this.#pool(this.#department(record.departmentId).pools.widened, record, delta);
    if (record.overflowTo !== null) this.#pool(this.#department(record.overflowTo).pools.overflow, record, delta);
  }

  #pool(list: SortedList<QueueEntry>, record: QueueEntry, delta: 1 | -1): void {
    if (delta > 0) list.insert(record);
    else list.delete(record);
  }

  #department(departmentId: string): DepartmentIndex {
    let index = this.#departments.get(departmentId);
    if (!index) this.#departments.set(departmentId, (index = new DepartmentIndex()));
    return index;
  }

  // ── Handling times ─────────────────────────────────────────────────────────

  recordHandlingTime(departmentId: string, ms: number, window: number): void {
    const handling = this.#department(departmentId).handling;
    if (handling.samples.length > window || (handling.samples.length < window && handling.next !== 0)) {
      // The window size changed: put the samples back in order and keep the newest.
      const newest = [...handling.samples.slice(handling.next), ...handling.samples.slice(0, handling.next)].slice(-window);
      handling.samples.splice(0, handling.samples.length, ...newest);
      handling.next = 0;
      handling.sum = newest.reduce((sum, sample) => sum + sample, 0);
    }
    if (handling.samples.length < window) {
      handling.samples.push(ms);
    } else {
      handling.sum -= handling.samples[handling.next]!;
      handling.samples[handling.next] = ms;
      handling.next = (handling.next + 1) % window;
    }
    handling.sum += ms;
  }

  meanHandlingTime(departmentId: string): number | null {
    const handling = this.#departments.get(departmentId)?.handling;
    return handling && handling.samples.length > 0 ? handling.sum / handling.samples.length : null;
  }

  // ── Timers ─────────────────────────────────────────────────────────────────

  saveTimer(timer: ScheduledTimer): void {
    this.#timers.set(timer.key, timer);
  }

  deleteTimer(key: string): void {
    this.#timers.delete(key);
  }

  timers(): Iterable<ScheduledTimer> {
    return this.#timers.values();
  }
}

function zeroCounts(): Record<Presence, number> {
  return { offline: 0, available: 0, offered: 0, in_call: 0, wrap_up: 0, away: 0 };
}

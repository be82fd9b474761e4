import type { Redis } from 'ioredis';
import type { Presence } from '@madoguchi/protocol';
import { InMemoryRoutingStore } from '../routing/core/InMemoryRoutingStore.ts';
import type { OperatorRecord, QueueEntry, QueuePool, ScheduledTimer, SkillLevel } from '../routing/core/records.ts';
import type { RoutingStore } from '../routing/core/RoutingStore.ts';

/** A Redis command as the mirror writes it: name, key, arguments. */
export type RedisCommand = [string, ...(string | number)[]];

/** Where a city's routing state is kept in Redis. */
export function routingKeys(city: string) {
  const prefix = `madoguchi:routing:${city}:`;
  return {
    operators: `${prefix}operators`,
    entries: `${prefix}entries`,
    timers: `${prefix}timers`,
    seq: `${prefix}seq`,
    handlingDepartments: `${prefix}handling`,
    handling: (departmentId: string) => `${prefix}handling:${departmentId}`,
  };
}

/**
 * The routing core's store on its owner node: the routing is answered from memory, as in a single
 * process, and every change is also phrased as Redis commands, in order, for `drain()` to take and
 * write (as the owner: RoutingMirrorWriter). A standby that takes the city over loads the state from
 * Redis (loadRoutingState) and routes on from there.
 */
export class MirroredRoutingStore implements RoutingStore {
  readonly #inner: InMemoryRoutingStore;
  readonly #keys: ReturnType<typeof routingKeys>;
  #pending: RedisCommand[] = [];

  constructor(city: string, inner = new InMemoryRoutingStore()) {
    this.#inner = inner;
    this.#keys = routingKeys(city);
  }

  /** The commands since the last drain, oldest first. */
  drain(): RedisCommand[] {
    const pending = this.#pending;
    this.#pending = [];
    return pending;
  }

  nextSeq(): number {
    const seq = this.#inner.nextSeq();
    this.#pending.push(['SET', this.#keys.seq, seq]);
    return seq;
  }

  saveOperator(record: OperatorRecord): void {
    this.#inner.saveOperator(record);
    this.#pending.push(['HSET', this.#keys.operators, record.operatorId, JSON.stringify(record)]);
  }

  deleteOperator(operatorId: string): void {
    this.#inner.deleteOperator(operatorId);
    this.#pending.push(['HDEL', this.#keys.operators, operatorId]);
  }

  saveEntry(record: QueueEntry): void {
    this.#inner.saveEntry(record);
    this.#pending.push(['HSET', this.#keys.entries, record.entryId, JSON.stringify(record)]);
  }

  deleteEntry(entryId: string): void {
    this.#inner.deleteEntry(entryId);
    this.#pending.push(['HDEL', this.#keys.entries, entryId]);
  }

  recordHandlingTime(departmentId: string, ms: number, window: number): void {
    this.#inner.recordHandlingTime(departmentId, ms, window);
    const key = this.#keys.handling(departmentId);
    this.#pending.push(['SADD', this.#keys.handlingDepartments, departmentId], ['RPUSH', key, ms], ['LTRIM', key, -window, -1]);
  }

  saveTimer(timer: ScheduledTimer): void {
    this.#inner.saveTimer(timer);
    this.#pending.push(['HSET', this.#keys.timers, timer.key, JSON.stringify(timer)]);
  }

  deleteTimer(key: string): void {
    this.#inner.deleteTimer(key);
    this.#pending.push(['HDEL', this.#keys.timers, key]);
  }

  // The questions are answered from memory.
  operator(operatorId: string): OperatorRecord | undefined {
    return this.#inner.operator(operatorId);
  }
  operators(): Iterable<OperatorRecord> {
    return this.#inner.operators();
  }
  firstAvailableOperator(departmentId: string, skill: SkillLevel, skip: (operatorId: string) => boolean): OperatorRecord | undefined {
    return this.#inner.firstAvailableOperator(departmentId, skill, skip);
  }
  countOperators(departmentId: string, skill: SkillLevel, presences: readonly Presence[]): number {
    return this.#inner.countOperators(departmentId, skill, presences);
  }
  entry(entryId: string): QueueEntry | undefined {
    return this.#inner.entry(entryId);
  }
  entries(): Iterable<QueueEntry> {
    return this.#inner.entries();
  }
  firstWaiting(pool: QueuePool, skip: (entry: QueueEntry) => boolean): QueueEntry | undefined {
    return this.#inner.firstWaiting(pool, skip);
  }
  waiting(pool: QueuePool): Iterable<QueueEntry> {
    return this.#inner.waiting(pool);
  }
  waitingCount(pool: QueuePool): number {
    return this.#inner.waitingCount(pool);
  }
  positionOf(entryId: string): number | null {
    return this.#inner.positionOf(entryId);
  }
  meanHandlingTime(departmentId: string): number | null {
    return this.#inner.meanHandlingTime(departmentId);
  }
  timers(): Iterable<ScheduledTimer> {
    return this.#inner.timers();
  }
}

/**
 * Writes what a MirroredRoutingStore drained, one batch at a time and in order, through `write`
 * (the owner's fenced write: refused once another node owns the city). Changes made while a batch
 * is being written go in the next one.
 */
export class RoutingMirrorWriter {
  readonly #store: MirroredRoutingStore;
  readonly #write: (commands: RedisCommand[]) => Promise<void>;
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(store: MirroredRoutingStore, write: (commands: RedisCommand[]) => Promise<void>) {
    this.#store = store;
    this.#write = write;
  }

  /** Schedules a write of what changed (several changes in one turn of the event loop make one batch). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const commands = this.#store.drain();
      if (commands.length === 0) return;
      this.#writing = this.#writing.then(() => this.#write(commands));
    });
  }

  /** Resolves once everything scheduled so far is written; rejects if a write was refused or failed. */
  async flushed(): Promise<void> {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.#writing;
  }
}

/** A city's routing state as its last owner left it in Redis, in a store of this process. */
export async function loadRoutingState(redis: Redis, city: string): Promise<InMemoryRoutingStore> {
  const keys = routingKeys(city);
  const [operators, entries, timers, seq, departments] = await Promise.all([
    redis.hgetall(keys.operators),
    redis.hgetall(keys.entries),
    redis.hgetall(keys.timers),
    redis.get(keys.seq),
    redis.smembers(keys.handlingDepartments),
  ]);
  const store = new InMemoryRoutingStore({ seq: Number(seq ?? 0) });
  for (const json of Object.values(operators)) store.saveOperator(JSON.parse(json) as OperatorRecord);
  for (const json of Object.values(entries)) store.saveEntry(JSON.parse(json) as QueueEntry);
  for (const json of Object.values(timers)) store.saveTimer(JSON.parse(json) as ScheduledTimer);
  for (const departmentId of departments) {
    const samples = await redis.lrange(keys.handling(departmentId), 0, -1);
    for (const sample of samples) store.recordHandlingTime(departmentId, Number(sample), samples.length);
  }
  return store;
}

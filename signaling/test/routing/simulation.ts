import { expect } from 'vitest';
import {
  ALWAYS_OPEN,
  CORE_DEFAULTS,
  InMemoryRoutingStore,
  RoutingCore,
  RoutingError,
  tokyoInstant,
  type DepartmentRoutingConfigInput,
  type OfferTier,
  type OperatorRecord,
  type QueueEntry,
  type QueuePool,
  type QueuePosition,
  type RoutingErrorCode,
  type RoutingEvent,
  type RoutingOutcome,
  type RoutingStore,
} from '../../src/routing/core/index.ts';
import { FakeClock, mulberry32 } from './support.ts';

/**
 * Thousands of random commands and clock moves against one core, with every invariant checked after
 * each step. A failure names its seed and step: rerun that seed to replay it exactly. Used by
 * randomized.test.ts (the core's own store) and routingMirror.test.ts (its state mirrored to Redis).
 */

const DEPARTMENTS = ['citizen', 'tax', 'welfare', 'general'] as const;
const OPERATORS = Array.from({ length: 12 }, (_, i) => `op${i}`);
const WEEKDAY_9_TO_5 = [{ open: '09:00', close: '17:00' }];

const CONFIG: DepartmentRoutingConfigInput[] = [
  { departmentId: 'citizen', ringTimeoutMs: 20_000, maxMissedOffers: 2, wrapUpMs: 10_000, secondaryDelayMs: 15_000, overflow: { targetDepartmentId: 'general', delayMs: 45_000 } },
  { departmentId: 'tax', ringTimeoutMs: 15_000, maxMissedOffers: 3, wrapUpMs: 0, secondaryDelayMs: 0, overflow: { targetDepartmentId: 'general', delayMs: 0 } },
  {
    departmentId: 'welfare',
    ringTimeoutMs: 10_000,
    maxMissedOffers: null,
    wrapUpMs: 5_000,
    secondaryDelayMs: null,
    overflow: null,
    // Closes at 17:00 during the run: refusals with outside_hours happen too.
    hours: { sun: [], mon: WEEKDAY_9_TO_5, tue: WEEKDAY_9_TO_5, wed: WEEKDAY_9_TO_5, thu: WEEKDAY_9_TO_5, fri: WEEKDAY_9_TO_5, sat: [] },
  },
  { departmentId: 'general', ringTimeoutMs: 20_000, maxMissedOffers: 2, wrapUpMs: 0, secondaryDelayMs: 30_000, overflow: null },
];

const TIER_RANK: Record<OfferTier, number> = { primary: 0, secondary: 1, overflow: 2 };

/** The queue order, written out independently of the core's comparator: priority, original request time, arrival. */
function ahead(a: QueueEntry, b: QueueEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.requestedAt !== b.requestedAt) return a.requestedAt < b.requestedAt;
  return a.seq < b.seq;
}

/** During a booking's grace an entry may go only to the operator named on it. */
function heldFor(entry: QueueEntry, operator: OperatorRecord): boolean {
  return entry.preferredOperatorId === null || entry.preferredOperatorId === operator.operatorId;
}

export class Simulation {
  readonly clock = new FakeClock(tokyoInstant('2026-11-25', '15:30'));
  #core: RoutingCore;
  #store: RoutingStore;
  readonly random: () => number;
  readonly violations: string[] = [];
  readonly requested = new Set<string>();
  readonly refused = new Set<string>();
  readonly outcomes = new Map<string, RoutingOutcome[]>();
  readonly lastPositions = new Map<string, readonly QueuePosition[]>();
  readonly counts = new Map<string, number>();
  readonly trail: string[] = [];
  /** Every event the core emitted, in order (JSON): two runs of one seed compare them. */
  readonly log: string[] = [];
  #nextConsultation = 1;

  constructor(seed: number, store?: RoutingStore) {
    this.#store = store ?? new InMemoryRoutingStore();
    this.#core = this.#startCore(this.#store);
    this.random = mulberry32(seed);
  }

  get core(): RoutingCore {
    return this.#core;
  }

  /**
   * The core stops (as on a node that died: its timers go with it) and a new one carries on from
   * `store` — the same store, or one loaded from where the first one's state was kept.
   */
  takeOver(store: RoutingStore): void {
    this.#core.close();
    this.#store = store;
    this.#core = this.#startCore(store);
  }

  #startCore(store: RoutingStore): RoutingCore {
    const core = new RoutingCore({
      clock: this.clock,
      departments: CONFIG,
      defaults: { hours: ALWAYS_OPEN, closedDates: [], annualClosures: [], estimateWindow: 5, defaultHandlingMs: 300_000 },
      store,
    });
    core.events.onAny((event) => this.#observe(event));
    return core;
  }

  /** Entries and operators in the order they were made, whatever order the store keeps them in: a seed picks the same ones on any store. */
  entries(): QueueEntry[] {
    return this.core.entries().sort((a, b) => a.seq - b.seq);
  }

  operators(): OperatorRecord[] {
    return this.core.operators().sort((a, b) => a.seq - b.seq);
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random() * items.length)];
  }

  someOf<T>(items: readonly T[], max: number): T[] {
    const chosen = items.filter(() => this.random() < 0.5).slice(0, max);
    return chosen;
  }

  residents(...phases: QueueEntry['phase'][]): QueueEntry[] {
    return this.entries().filter((entry) => entry.kind === 'resident' && phases.includes(entry.phase));
  }

  operatorsIn(...presences: OperatorRecord['presence'][]): OperatorRecord[] {
    return this.operators().filter((operator) => presences.includes(operator.presence));
  }

  /** Run one command; RoutingErrors are fine only with the codes the caller expects for that choice. */
  attempt(name: string, command: () => unknown, allowed: readonly RoutingErrorCode[] = []): void {
    this.trail.push(name);
    if (this.trail.length > 12) this.trail.shift();
    try {
      command();
      this.counts.set(name.split(' ')[0]!, (this.counts.get(name.split(' ')[0]!) ?? 0) + 1);
    } catch (error) {
      if (error instanceof RoutingError && allowed.includes(error.code)) {
        this.counts.set(`refused:${error.code}`, (this.counts.get(`refused:${error.code}`) ?? 0) + 1);
        return;
      }
      throw error;
    }
  }

  /** One random command (or clock move), chosen by weight. */
  step(): void {
    let roll = this.random() * this.#actions.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, action] of this.#actions) {
      roll -= weight;
      if (roll < 0) return action();
    }
  }

  readonly #actions: [number, () => void][] = [
    [14, () => {
      const consultationId = `c${this.#nextConsultation++}`;
      const departmentId = this.pick(DEPARTMENTS)!;
      this.requested.add(consultationId);
      this.attempt(`request ${consultationId} ${departmentId}`, () => {
        const result = this.core.request({ consultationId, departmentId });
        if (!result.accepted) this.refused.add(consultationId);
      });
    }],
    [4, () => {
      // A resident arrives for a booking: priority, and the operator named on it (logged in or not).
      const consultationId = `c${this.#nextConsultation++}`;
      const departmentId = this.pick(DEPARTMENTS)!;
      const preferredOperatorId = this.pick(OPERATORS)!;
      this.requested.add(consultationId);
      this.attempt(`reserved ${consultationId} ${departmentId} ${preferredOperatorId}`, () => {
        const result = this.core.request({ consultationId, departmentId, priority: CORE_DEFAULTS.reservedPriority, preferredOperatorId });
        if (!result.accepted) this.refused.add(consultationId);
      });
    }],
    [16, () => {
      const ms = Math.floor(this.random() * 25_000);
      this.attempt(`advance ${ms}`, () => this.clock.advance(ms));
    }],
    [14, () => {
      const operator = this.pick(this.operatorsIn('offered'));
      if (operator) this.attempt(`accept ${operator.operatorId}`, () => this.core.accept(operator.operatorId, operator.consultationId!));
    }],
    [5, () => {
      const operator = this.pick(this.operatorsIn('offered'));
      if (operator) this.attempt(`decline ${operator.operatorId}`, () => this.core.decline(operator.operatorId, operator.consultationId!));
    }],
    [10, () => {
      const entry = this.pick(this.residents('in_call'));
      if (entry) this.attempt(`endCall ${entry.consultationId}`, () => this.core.endCall(entry.consultationId));
    }],
    [4, () => {
      const entry = this.pick(this.residents('waiting', 'offered', 'refused'));
      if (entry) this.attempt(`cancel ${entry.consultationId}`, () => this.core.cancel(entry.consultationId));
    }],
    [2, () => {
      const entry = this.pick(this.residents('waiting', 'refused'));
      if (entry) this.attempt(`requestCallback ${entry.consultationId}`, () => this.core.requestCallback(entry.consultationId));
    }],
    [8, () => {
      const operatorId = this.pick(OPERATORS)!;
      const presence = this.random() < 0.7 ? 'available' : 'away';
      const current = this.core.operator(operatorId);
      if (!current) return;
      const busy = current.presence === 'offered' || current.presence === 'in_call';
      this.attempt(`setPresence ${operatorId} ${presence}`, () => this.core.setPresence(operatorId, presence), busy ? ['operator_busy'] : []);
    }],
    [3, () => {
      const operatorId = this.pick(OPERATORS.filter((id) => !this.core.operator(id)));
      if (!operatorId) return;
      const primary = this.someOf(DEPARTMENTS, 2);
      if (primary.length === 0) primary.push(this.pick(DEPARTMENTS)!);
      const secondary = this.someOf(DEPARTMENTS, 2);
      const presence = this.random() < 0.6 ? 'available' : 'away';
      this.attempt(`addOperator ${operatorId}`, () => this.core.addOperator({ operatorId, primary, secondary, presence }));
    }],
    [2, () => {
      const operator = this.pick(this.operators());
      if (!operator) return;
      const busy = operator.presence === 'in_call' ? (['operator_busy'] as const) : [];
      this.attempt(`removeOperator ${operator.operatorId}`, () => this.core.removeOperator(operator.operatorId), busy);
    }],
    [3, () => {
      const operator = this.pick(this.operators().filter((candidate) => candidate.connected));
      if (operator) this.attempt(`disconnect ${operator.operatorId}`, () => this.core.operatorDisconnected(operator.operatorId));
    }],
    [3, () => {
      const operator = this.pick(this.operators().filter((candidate) => !candidate.connected));
      if (operator) this.attempt(`connect ${operator.operatorId}`, () => this.core.operatorConnected(operator.operatorId));
    }],
    [4, () => {
      const entry = this.pick(this.residents('in_call'));
      const to = this.pick(DEPARTMENTS)!;
      if (!entry) return;
      this.attempt(`transfer ${entry.consultationId} ${to}`, () => this.core.transfer(entry.consultationId, to, entry.operatorId!), [
        'target_unavailable',
        ...(entry.specialistId || entry.specialistEntryId ? (['invalid_state'] as const) : []),
      ]);
    }],
    [4, () => {
      const entry = this.pick(this.residents('in_call'));
      const to = this.pick(DEPARTMENTS)!;
      if (!entry) return;
      this.attempt(`invite ${entry.consultationId} ${to}`, () => this.core.inviteSpecialist(entry.consultationId, to, entry.operatorId!), [
        'target_unavailable',
        ...(entry.specialistId || entry.specialistEntryId ? (['invalid_state'] as const) : []),
      ]);
    }],
    [1, () => {
      const entry = this.pick(this.residents('in_call').filter((candidate) => candidate.specialistEntryId));
      if (entry) this.attempt(`cancelSpecialist ${entry.consultationId}`, () => this.core.cancelSpecialist(entry.consultationId));
    }],
    [8, () => {
      const entry = this.pick(this.residents('in_call').filter((candidate) => candidate.specialistId));
      const operatorId = entry && (this.random() < 0.5 ? entry.operatorId! : entry.specialistId!);
      if (operatorId) this.attempt(`leaveCall ${operatorId}`, () => this.core.leaveCall(operatorId));
    }],
    [2, () => {
      // The service's grace period ran out, or media failed.
      const entry = this.pick(this.residents('waiting', 'offered', 'in_call', 'refused'));
      if (entry) this.attempt(`fail ${entry.consultationId}`, () => this.core.fail(entry.consultationId, 'random_failure'));
    }],
    [2, () => {
      const operator = this.pick(this.operatorsIn('wrap_up'));
      if (operator) this.attempt(`endWrapUp ${operator.operatorId}`, () => this.core.endWrapUp(operator.operatorId));
    }],
    [1, () => {
      const operator = this.pick(this.operators());
      if (!operator) return;
      const primary = [this.pick(DEPARTMENTS)!];
      this.attempt(`updateSkills ${operator.operatorId}`, () => this.core.updateSkills(operator.operatorId, { primary, secondary: this.someOf(DEPARTMENTS, 2) }));
    }],
  ];

  /** End every live request the way the service would on shutdown, then close. */
  drain(): void {
    for (const entry of this.residents('waiting', 'offered', 'refused', 'in_call')) {
      if (entry.phase === 'in_call') this.core.endCall(entry.consultationId);
      else this.core.cancel(entry.consultationId);
    }
    this.core.close();
  }

  #observe(event: RoutingEvent): void {
    this.log.push(JSON.stringify(event));
    const consultationId = 'consultationId' in event ? event.consultationId : undefined;
    const outcomes = consultationId ? this.outcomes.get(consultationId) : undefined;
    if (consultationId && outcomes && outcomes.length > 0) this.violations.push(`${event.type} after ${consultationId} ended`);
    switch (event.type) {
      case 'ended': {
        const list = this.outcomes.get(event.consultationId) ?? [];
        list.push(event.outcome);
        this.outcomes.set(event.consultationId, list);
        if (event.outcome === 'no_operator' && !this.refused.has(event.consultationId) && !this.#refusedNow(event)) {
          this.violations.push(`${event.consultationId} ended no_operator without a refusal`);
        }
        break;
      }
      case 'refused':
        this.refused.add(event.consultationId);
        break;
      case 'queueChanged':
        this.lastPositions.set(event.departmentId, event.positions);
        break;
      case 'offered':
        this.#checkOfferOrder(event.operatorId, event.entryId, event.tier);
        break;
    }
  }

  #refusedNow(event: { consultationId: string }): boolean {
    return this.refused.has(event.consultationId);
  }

  /** The offer went to the best entry this operator could take: no better tier, nothing ahead in queue order. */
  #checkOfferOrder(operatorId: string, entryId: string, tier: OfferTier): void {
    const operator = this.core.operator(operatorId);
    const entry = this.core.entries().find((candidate) => candidate.entryId === entryId);
    if (!operator || !entry || entry.phase !== 'offered' || entry.offeredTo !== operatorId || operator.entryId !== entryId) {
      this.violations.push(`offer of ${entryId} to ${operatorId} is not the current state`);
      return;
    }
    const pools: [OfferTier, QueuePool][] = [
      ...operator.primary.map((departmentId): [OfferTier, QueuePool] => ['primary', { index: 'department', departmentId }]),
      ...operator.secondary.map((departmentId): [OfferTier, QueuePool] => ['secondary', { index: 'widened', departmentId }]),
      ...operator.primary.map((departmentId): [OfferTier, QueuePool] => ['overflow', { index: 'overflow', departmentId }]),
    ];
    // The entry's side: no free operator ranked before the chosen one (tier, then longest idle).
    const rank = (candidate: OperatorRecord): [number, number, number] | null => {
      if (!heldFor(entry, candidate)) return null;
      const tierOf: OfferTier | null = candidate.primary.includes(entry.departmentId)
        ? 'primary'
        : entry.widened && candidate.secondary.includes(entry.departmentId)
          ? 'secondary'
          : entry.overflowTo !== null && candidate.primary.includes(entry.overflowTo)
            ? 'overflow'
            : null;
      return tierOf === null ? null : [TIER_RANK[tierOf], candidate.idleSince, candidate.seq];
    };
    const chosen = rank(operator);
    if (!chosen || chosen[0] !== TIER_RANK[tier]) this.violations.push(`${operatorId} is not eligible for ${entryId} at tier ${tier}`);
    for (const other of this.core.operators()) {
      if (other.presence !== 'available' || entry.passedOver.includes(other.operatorId)) continue;
      const ranked = rank(other);
      if (ranked && chosen && (ranked[0] - chosen[0] || ranked[1] - chosen[1] || ranked[2] - chosen[2]) < 0) {
        this.violations.push(`${entryId} went to ${operatorId} while ${other.operatorId} ranked before them`);
      }
    }
    for (const [poolTier, pool] of pools) {
      if (TIER_RANK[poolTier] > TIER_RANK[tier]) continue;
      for (const other of this.core.waiting(pool)) {
        if (other.passedOver.includes(operatorId) || !heldFor(other, operator)) continue;
        if (TIER_RANK[poolTier] < TIER_RANK[tier] || ahead(other, entry)) {
          this.violations.push(`${operatorId} was offered ${entryId} (${tier}) while ${other.entryId} (${poolTier}) was ahead`);
        }
      }
    }
  }

  /** Every structural invariant of the routing state. */
  check(): void {
    const fail = (message: string) => this.violations.push(message);
    const operators = new Map(this.core.operators().map((operator) => [operator.operatorId, operator]));
    const entries = this.core.entries();
    const byId = new Map(entries.map((entry) => [entry.entryId, entry]));
    const offeredTo = new Map<string, number>();
    const inCallWith = new Map<string, number>();

    for (const entry of entries) {
      if (this.outcomes.has(entry.consultationId)) fail(`${entry.entryId} is live after its request ended`);
      if (entry.phase === 'offered') {
        const operator = operators.get(entry.offeredTo ?? '');
        offeredTo.set(entry.offeredTo!, (offeredTo.get(entry.offeredTo!) ?? 0) + 1);
        if (operator?.presence !== 'offered' || operator.entryId !== entry.entryId || operator.consultationId !== entry.consultationId) {
          fail(`${entry.entryId} is offered to ${entry.offeredTo}, who does not hold it`);
        }
      } else if (entry.offeredTo !== null) fail(`${entry.entryId} (${entry.phase}) still names ${entry.offeredTo}`);
      if (entry.kind === 'specialist') {
        const parent = byId.get(entry.consultationId);
        if (parent?.phase !== 'in_call' || parent.specialistEntryId !== entry.entryId) fail(`invitation ${entry.entryId} has no call`);
        if (entry.phase !== 'waiting' && entry.phase !== 'offered') fail(`invitation ${entry.entryId} is ${entry.phase}`);
        continue;
      }
      if (entry.phase === 'in_call') {
        if (!entry.operatorId) fail(`${entry.entryId} is in a call without an operator`);
        for (const operatorId of [entry.operatorId, entry.specialistId]) {
          if (!operatorId) continue;
          inCallWith.set(operatorId, (inCallWith.get(operatorId) ?? 0) + 1);
          const operator = operators.get(operatorId);
          if (operator?.presence !== 'in_call' || operator.consultationId !== entry.consultationId) {
            fail(`${entry.entryId}'s operator ${operatorId} is not in its call`);
          }
        }
        if (entry.specialistEntryId && byId.get(entry.specialistEntryId)?.kind !== 'specialist') fail(`${entry.entryId} lost its invitation`);
        if (entry.preferredOperatorId !== null) fail(`${entry.entryId} in a call still holds a preferred operator`);
      } else if (entry.operatorId || entry.specialistId || entry.specialistEntryId) {
        fail(`${entry.entryId} (${entry.phase}) still has call members`);
      }
      if (entry.preferredOperatorId !== null && this.clock.now().getTime() - entry.enqueuedAt >= CORE_DEFAULTS.preferredOperatorGraceMs) {
        fail(`${entry.entryId} is still held for ${entry.preferredOperatorId} after the grace`);
      }
    }

    for (const operator of operators.values()) {
      const offers = offeredTo.get(operator.operatorId) ?? 0;
      const calls = inCallWith.get(operator.operatorId) ?? 0;
      if (offers !== (operator.presence === 'offered' ? 1 : 0)) fail(`${operator.operatorId} (${operator.presence}) holds ${offers} offers`);
      if (calls !== (operator.presence === 'in_call' ? 1 : 0)) fail(`${operator.operatorId} (${operator.presence}) is in ${calls} calls`);
      if (!operator.connected && operator.presence !== 'offline' && operator.presence !== 'in_call') fail(`${operator.operatorId} disconnected but ${operator.presence}`);
      if (operator.presence === 'offline' && operator.connected) fail(`${operator.operatorId} offline but connected`);
      if (operator.presence === 'away' && !operator.awayReason) fail(`${operator.operatorId} away without a reason`);
    }

    const waiting = entries.filter((entry) => entry.phase === 'waiting');
    for (const departmentId of DEPARTMENTS) {
      const queue = this.core.waiting({ index: 'department', departmentId });
      const expected = waiting.filter((entry) => entry.departmentId === departmentId);
      if (queue.length !== expected.length || queue.some((entry) => entry.departmentId !== departmentId || byId.get(entry.entryId) !== entry)) {
        fail(`the ${departmentId} queue does not hold exactly its waiting entries`);
      }
      for (let i = 1; i < queue.length; i += 1) if (!ahead(queue[i - 1]!, queue[i]!)) fail(`the ${departmentId} queue is out of order`);
      const widened = this.core.waiting({ index: 'widened', departmentId });
      if (widened.length !== expected.filter((entry) => entry.widened).length) fail(`the ${departmentId} widened pool is wrong`);
      const overflow = this.core.waiting({ index: 'overflow', departmentId });
      if (overflow.length !== waiting.filter((entry) => entry.overflowTo === departmentId).length) fail(`the ${departmentId} overflow pool is wrong`);
      // What the tablets were last told (positions and estimates) matches the queue now.
      let position = 0;
      const shown = queue.flatMap((entry) => {
        position += 1;
        return entry.kind === 'resident' ? [entry.consultationId, position] : [];
      });
      const current = this.core.queue(departmentId).positions;
      const pushed = this.lastPositions.get(departmentId) ?? [];
      if (JSON.stringify(current.flatMap((p) => [p.consultationId, p.position])) !== JSON.stringify(shown)) {
        fail(`the ${departmentId} positions are not the queue order`);
      }
      if (JSON.stringify(pushed) !== JSON.stringify(current)) fail(`the ${departmentId} positions pushed are stale`);
    }

    // The timers kept with the state are exactly the ones armed, and each still has something to do.
    const timers = [...this.#store.timers()];
    if (timers.length !== this.clock.pending) fail(`${timers.length} timers in the store, ${this.clock.pending} armed`);
    for (const { key, timer } of timers) {
      const entry = 'entryId' in timer ? byId.get(timer.entryId) : undefined;
      const stale =
        timer.kind === 'ringOut' ? entry?.phase !== 'offered' || entry.offeredTo !== timer.operatorId
        : timer.kind === 'widen' ? !(entry?.phase === 'waiting' || entry?.phase === 'offered') || entry.widened
        : timer.kind === 'overflow' ? !(entry?.phase === 'waiting' || entry?.phase === 'offered') || entry.overflowTo !== null
        : timer.kind === 'preferenceEnds' ? entry?.preferredOperatorId == null
        : timer.kind === 'passOverEnds' ? !entry?.passedOver.includes(timer.operatorId)
        : operators.get(timer.operatorId)?.presence !== 'wrap_up';
      if (stale) fail(`timer ${key} is left over`);
    }

    // Work-conserving: no available operator could take a waiting entry.
    for (const operator of operators.values()) {
      if (operator.presence !== 'available') continue;
      for (const entry of waiting) {
        if (entry.passedOver.includes(operator.operatorId) || !heldFor(entry, operator)) continue;
        const eligible =
          operator.primary.includes(entry.departmentId) ||
          (entry.widened && operator.secondary.includes(entry.departmentId)) ||
          (entry.overflowTo !== null && operator.primary.includes(entry.overflowTo));
        if (eligible) fail(`${operator.operatorId} is available while ${entry.entryId} waits for them`);
      }
    }
  }
}

export function run(seed: number, steps: number, store?: RoutingStore): Simulation {
  const simulation = new Simulation(seed, store);
  for (let step = 0; step < steps; step += 1) {
    simulation.step();
    simulation.check();
    if (simulation.violations.length > 0) {
      throw new Error(`seed ${seed}, step ${step}: ${simulation.violations.slice(0, 5).join('; ')}\nlast commands: ${simulation.trail.join(' | ')}`);
    }
  }
  simulation.drain();
  expect(simulation.violations).toEqual([]);
  expect(simulation.clock.pending).toBe(0);
  // Every request ended exactly once.
  for (const consultationId of simulation.requested) {
    expect(simulation.outcomes.get(consultationId), consultationId).toHaveLength(1);
  }
  return simulation;
}


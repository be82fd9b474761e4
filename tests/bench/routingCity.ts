/**
 * The routing benchmarks' city: 500 operators over six departments and a seeded stream of residents,
 * on a clock that moves 1 ms per command and never fires a timer, and the scenarios the benches time.
 * A "decision" is one offer: the core chose an (operator, request) pair.
 */
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../../signaling/src/clock.ts';
import { ALWAYS_OPEN, RoutingCore, type DepartmentRoutingConfigInput } from '../../signaling/src/routing/core/index.ts';
import type { RoutingStore } from '../../signaling/src/routing/core/RoutingStore.ts';
// The randomized routing test's seedable PRNG: every run routes the same traffic.
import { mulberry32 } from '../../signaling/test/routing/support.ts';

export const WAITING = 10_000;
export const OPERATORS = 500;
export const DEPARTMENTS = ['citizen', 'tax', 'insurance', 'welfare', 'childcare', 'general'];

/** Time moves 1 ms per command; timers are kept (so clearing them costs what it costs) but never fire. */
class BenchClock implements Clock {
  #now = Date.parse('2026-11-25T01:00:00Z');
  #next = 1;
  readonly timers = new Map<number, () => void>();
  now(): Date {
    return new Date(this.#now);
  }
  tick(): void {
    this.#now += 1;
  }
  setTimeout(callback: () => void, _ms: number): TimerHandle {
    const id = this.#next++;
    this.timers.set(id, callback);
    return id as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }
}


export function makeCity(options: { queueListener: boolean; store?: RoutingStore }) {
  const clock = new BenchClock();
  // Half the departments widen to secondary skills at once and overflow to the general counter at once,
  // so lookups walk every index an operator has (primary, widened, overflow).
  const departments: DepartmentRoutingConfigInput[] = DEPARTMENTS.map((departmentId, i) => ({
    departmentId,
    secondaryDelayMs: i % 2 === 0 ? 0 : 30_000,
    overflow: departmentId === 'general' ? null : { targetDepartmentId: 'general', delayMs: i % 2 === 0 ? 0 : 120_000 },
  }));
  const core = new RoutingCore({
    clock,
    store: options.store,
    departments,
    defaults: { hours: ALWAYS_OPEN, closedDates: [], annualClosures: [], wrapUpMs: 0 },
  });
  let decisions = 0;
  core.events.on('offered', () => {
    decisions += 1;
  });
  let queuePositionsPushed = 0;
  if (options.queueListener) {
    core.events.on('queueChanged', (event) => {
      queuePositionsPushed += event.positions.length;
    });
  }
  const random = mulberry32(42);
  let nextId = 0;
  const request = () => {
    clock.tick();
    core.request({ consultationId: `c${nextId++}`, departmentId: DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)]! });
  };
  for (let i = 0; i < OPERATORS; i += 1) {
    core.addOperator({
      operatorId: `op${i}`,
      primary: [DEPARTMENTS[i % DEPARTMENTS.length]!],
      secondary: [DEPARTMENTS[(i + 1) % DEPARTMENTS.length]!, DEPARTMENTS[(i + 2) % DEPARTMENTS.length]!],
    });
  }
  return {
    clock,
    core,
    request,
    get decisions() {
      return decisions;
    },
    get queuePositionsPushed() {
      return queuePositionsPushed;
    },
  };
}

export interface Figure {
  name: string;
  decisions: number;
  commands: number;
  ms: number;
  note?: string;
}

export function measure(name: string, iterations: number, setup: () => { run: (i: number) => number; decisions: () => number; note?: () => string }): Figure {
  const bench = setup();
  const warmUp = Math.min(2_000, Math.floor(iterations / 10));
  for (let i = 0; i < warmUp; i += 1) bench.run(i);
  const before = bench.decisions();
  let commands = 0;
  const start = performance.now();
  for (let i = warmUp; i < warmUp + iterations; i += 1) commands += bench.run(i);
  const ms = performance.now() - start;
  return { name, decisions: bench.decisions() - before, commands, ms, note: bench.note?.() };
}

/** 10,000 waiting, every operator busy; each cycle: an operator ends a call and is offered the next request; a new resident arrives. */
export function operatorFreesUp(queueListener: boolean, store?: RoutingStore) {
  return () => {
    const city = makeCity({ queueListener, store });
    for (let i = 0; i < WAITING; i += 1) city.request();
    for (let i = 0; i < OPERATORS; i += 1) city.core.setPresence(`op${i}`, 'available'); // 500 offers
    for (let i = 0; i < OPERATORS; i += 1) city.request(); // back to 10,000 waiting
    return {
      decisions: () => city.decisions,
      note: () => `waiting now ${countWaiting(city.core)}, queue positions pushed ${city.queuePositionsPushed}`,
      run: (i: number) => {
        const operatorId = `op${i % OPERATORS}`;
        const consultationId = city.core.operator(operatorId)!.consultationId!;
        city.clock.tick();
        city.core.accept(operatorId, consultationId);
        city.clock.tick();
        city.core.endCall(consultationId); // no wrap-up: available at once → the decision
        city.request();
        return 3;
      },
    };
  };
}

/** 10,000 waiting; an operator declines and is offered the next request they have not declined. */
export function declineChurn() {
  const city = makeCity({ queueListener: false });
  for (let i = 0; i < WAITING; i += 1) city.request();
  for (let i = 0; i < OPERATORS; i += 1) city.core.setPresence(`op${i}`, 'available');
  return {
    decisions: () => city.decisions,
    note: () => `waiting now ${countWaiting(city.core)}`,
    run: (i: number) => {
      const operatorId = `op${i % OPERATORS}`;
      city.clock.tick();
      city.core.decline(operatorId, city.core.operator(operatorId)!.consultationId!);
      return 1;
    },
  };
}

/** Empty queues, 500 operators available; each arrival is offered to the longest-idle eligible operator at once. */
export function arrivalFindsOperator(store?: RoutingStore) {
  const city = makeCity({ queueListener: false, store });
  for (let i = 0; i < OPERATORS; i += 1) city.core.setPresence(`op${i}`, 'available');
  let last = 0;
  return {
    decisions: () => city.decisions,
    run: () => {
      const consultationId = `c${last}`;
      city.request(); // the decision
      last += 1;
      const offered = city.core.consultation(consultationId)!;
      city.core.accept(offered.offeredTo!, consultationId);
      city.core.endCall(consultationId);
      return 3;
    },
  };
}

export function countWaiting(core: RoutingCore): number {
  return DEPARTMENTS.reduce((sum, departmentId) => sum + core.queue(departmentId).entries.length, 0);
}


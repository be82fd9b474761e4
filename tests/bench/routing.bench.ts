/**
 * Routing decisions per second with 10,000 waiting requests and 500 operators.
 *
 *   npx tsx tests/bench/routing.bench.ts
 *
 * A script that prints figures (and the machine they were measured on); it asserts nothing about time.
 * A "decision" is one offer: the core chose an (operator, request) pair. Timers never fire here (the
 * clock only moves forward), so what is measured is the routing work of the commands themselves.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../../signaling/src/clock.ts';
import { ALWAYS_OPEN, RoutingCore, type DepartmentRoutingConfigInput } from '../../signaling/src/routing/core/index.ts';
// The randomized routing test's seedable PRNG: every run routes the same traffic.
import { mulberry32 } from '../../signaling/test/routing/support.ts';

const WAITING = 10_000;
const OPERATORS = 500;
const DEPARTMENTS = ['citizen', 'tax', 'insurance', 'welfare', 'childcare', 'general'];

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


function makeCity(options: { queueListener: boolean }) {
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

interface Figure {
  name: string;
  decisions: number;
  commands: number;
  ms: number;
  note?: string;
}

function measure(name: string, iterations: number, setup: () => { run: (i: number) => number; decisions: () => number; note?: () => string }): Figure {
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
function operatorFreesUp(queueListener: boolean) {
  return () => {
    const city = makeCity({ queueListener });
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
function declineChurn() {
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
function arrivalFindsOperator() {
  const city = makeCity({ queueListener: false });
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

function countWaiting(core: RoutingCore): number {
  return DEPARTMENTS.reduce((sum, departmentId) => sum + core.queue(departmentId).entries.length, 0);
}

const figures = [
  measure('operator frees up, 10,000 waiting (no queue listener)', 100_000, operatorFreesUp(false)),
  measure('operator frees up, 10,000 waiting, queueChanged pushed', 3_000, operatorFreesUp(true)),
  measure('operator declines, next request offered, 10,000 waiting', 50_000, declineChurn),
  measure('resident arrives, 500 operators free', 100_000, arrivalFindsOperator),
];

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
console.log(`machine: ${cpu} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()}-${os.arch()}`);
console.log(`routing core: ${WAITING} waiting requests, ${OPERATORS} operators, ${DEPARTMENTS.length} departments`);
for (const figure of figures) {
  const perSecond = (n: number) => Math.round((n / figure.ms) * 1000).toLocaleString('en-US');
  console.log(
    `${figure.name.padEnd(58)} ${perSecond(figure.decisions).padStart(10)} decisions/s  ${perSecond(figure.commands).padStart(10)} commands/s  ` +
      `(${figure.decisions.toLocaleString('en-US')} decisions in ${figure.ms.toFixed(0)} ms${figure.note ? `; ${figure.note}` : ''})`,
  );
}

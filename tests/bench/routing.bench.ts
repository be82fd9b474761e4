/**
 * Routing decisions per second with 10,000 waiting requests and 500 operators.
 *
 *   npx tsx tests/bench/routing.bench.ts
 *
 * A script that prints figures (and the machine they were measured on); it asserts nothing about time.
 * A "decision" is one offer: the core chose an (operator, request) pair. Timers never fire here (the
 * clock only moves forward), so what is measured is the routing work of the commands themselves.
 * With the state mirrored to Redis, as a cluster's routing owner keeps it: routing-redis.bench.ts.
 */
import os from 'node:os';
import { arrivalFindsOperator, declineChurn, DEPARTMENTS, measure, OPERATORS, operatorFreesUp, WAITING } from './routingCity.ts';

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

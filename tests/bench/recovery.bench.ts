/**
 * Recovery figures (issue 9): each fault injected into a real call between a tablet (its Chromium
 * in its own network namespace) and a 税務課 operator, and the time from the fault's end — the
 * network back, the kill, the reload — to media decoding again on the tablet and on the operator
 * (getStats(): frames decoded and audio samples received rising). The same scenarios as
 * tests/e2e/faults.spec.ts (tests/e2e/support/faults.ts); this prints figures and asserts nothing.
 *
 *   npx tsx tests/bench/recovery.bench.ts        (as root: network namespaces and iptables)
 *   RECOVERY_BENCH_RUNS=3 …                      (each fault that many times; default 1)
 *   RECOVERY_BENCH_ONLY=reload …                 (only the faults whose name contains it)
 */
import os from 'node:os';
import {
  crashServer,
  cutTabletNetwork,
  describeRecovery,
  killCallWorker,
  reloadMidCall,
  startCall,
  startFaultRig,
  type FaultRig,
  type LiveCall,
  type Recovery,
} from '../e2e/support/faults.ts';

const RUNS = Number(process.env.RECOVERY_BENCH_RUNS ?? 1);
/** Only the faults whose name contains this (e.g. "reload"). */
const ONLY = process.env.RECOVERY_BENCH_ONLY ?? '';

interface Fault {
  name: string;
  settings?: Record<string, string>;
  inject(rig: FaultRig, call: LiveCall): Promise<Recovery>;
}

const FAULTS: Fault[] = [
  { name: 'tablet network cut 5 s', inject: (rig, call) => cutTabletNetwork(rig, call, 5) },
  { name: 'tablet network cut 30 s', inject: (rig, call) => cutTabletNetwork(rig, call, 30) },
  { name: 'tablet page reload', inject: (_rig, call) => reloadMidCall(call, 'tablet') },
  { name: 'console page reload', inject: (_rig, call) => reloadMidCall(call, 'operator') },
  { name: 'kill -9 media worker', settings: { MEDIA_WORKERS: '2' }, inject: (rig, call) => killCallWorker(rig, call) },
  { name: 'kill -9 server + restart', inject: (rig, call) => crashServer(rig, call) },
];

/** One fault in a fresh rig (each fault may leave the call, or the server, in a state the next should not inherit). */
async function runOnce(fault: Fault): Promise<Recovery | string> {
  const rig = await startFaultRig({ settings: fault.settings });
  try {
    const call = await startCall(rig);
    const recovery = await fault.inject(rig, call);
    console.log(describeRecovery(recovery));
    return recovery;
  } catch (error) {
    return `error: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    await rig.close();
  }
}

const rows: { fault: string; tablet: string; operator: string; note: string }[] = [];
const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`);
for (const fault of FAULTS.filter((f) => f.name.includes(ONLY))) {
  for (let run = 0; run < RUNS; run++) {
    const result = await runOnce(fault);
    if (typeof result === 'string') {
      rows.push({ fault: fault.name, tablet: '—', operator: '—', note: result });
      continue;
    }
    const notes = [
      result.stoppedMs !== undefined ? `media stopped ${seconds(result.stoppedMs)} after the cut` : '',
      'restartMs' in result ? `server up again ${seconds(result.restartMs as number)} after the kill` : '',
    ].filter(Boolean);
    rows.push({ fault: fault.name, tablet: seconds(result.tabletMs), operator: seconds(result.operatorMs), note: notes.join('; ') });
  }
}

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
console.log(`\nrecovery figures (fault's end → media decoding again; ${RUNS} run(s) each)`);
console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
const width = Math.max(...rows.map((row) => row.fault.length), 5);
console.log(`${'fault'.padEnd(width)}  ${'tablet'.padStart(13)}  ${'operator'.padStart(13)}  note`);
for (const row of rows) console.log(`${row.fault.padEnd(width)}  ${row.tablet.padStart(13)}  ${row.operator.padStart(13)}  ${row.note}`);

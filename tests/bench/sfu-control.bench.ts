/**
 * What the SFU nodes' control channel costs (issue 12): a consultation's media set up and torn down
 * in the SFU — its room, the resident and an operator joining, their four transports, five producers
 * (a voice, a face and a document camera; the operator's voice and camera) and the five consumers
 * that follow — through this process's own mediasoup worker (SfuNode) and through an SFU node of its
 * own on 127.0.0.1 (RemoteSfu → socket.io → SfuService, the built sfu/dist/main.js when it exists),
 * each with one worker. One at a time (the latency a call's set-up pays) and CONCURRENCY at a time
 * (what one controller sustains). No packets flow: the figures are the set-up's, not the media's.
 *
 *   npx tsx tests/bench/sfu-control.bench.ts      (SFU_CONTROL_RUNS=200, SFU_CONTROL_CONCURRENCY=10)
 *
 * Prints figures; asserts nothing about time.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SfuNode, type MediaNode, type MediaParticipant, type mediasoupTypes } from '@madoguchi/sfu';
import { RemoteSfu } from '@madoguchi/sfu/remote';
import { browserLikeRtpParameters, startSfuNodeProcess } from '@madoguchi/sfu/testing';
import { startTestRedis } from '../../signaling/test/redisServer.ts';

const RUNS = Number(process.env.SFU_CONTROL_RUNS ?? 200);
const CONCURRENCY = Number(process.env.SFU_CONTROL_CONCURRENCY ?? 10);
const SECRET = 'sfu-control-bench-secret-0123456789abcdef';

let ssrc = 10_000;

/** A party joins as a browser would: both transports, ready, then its sources; resolves once it holds `consumers` consumers. */
async function enter(participant: MediaParticipant, capabilities: mediasoupTypes.RtpCapabilities, sources: [string, 'audio' | 'video'][]) {
  const send = await participant.createTransport('send');
  await participant.createTransport('recv');
  await participant.setReady(capabilities);
  for (const [source, kind] of sources) await participant.produce({ transportId: send.id, kind, rtpParameters: browserLikeRtpParameters(kind, ++ssrc), source });
}

function consumersOf(participant: MediaParticipant, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) =>
    participant.on('newConsumer', () => {
      if (++seen === count) resolve();
    }),
  );
}

async function consultation(sfu: MediaNode, id: string): Promise<number> {
  const started = performance.now();
  const room = await sfu.createRoom(id);
  const resident = room.join('resident:bench', 'resident');
  const operator = room.join('operator:bench', 'operator');
  const consumed = Promise.all([consumersOf(resident, 2), consumersOf(operator, 3)]);
  await Promise.all([
    enter(resident, room.rtpCapabilities, [
      ['mic', 'audio'],
      ['face', 'video'],
      ['document', 'video'],
    ]),
    enter(operator, room.rtpCapabilities, [
      ['operator-mic', 'audio'],
      ['operator-cam', 'video'],
    ]),
  ]);
  await consumed;
  const ms = performance.now() - started;
  room.close();
  return ms;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(name: string, sfu: MediaNode): Promise<void> {
  for (let i = 0; i < 20; i++) await consultation(sfu, `warm-${name}-${i}`);
  const oneAtATime: number[] = [];
  for (let i = 0; i < RUNS; i++) oneAtATime.push(await consultation(sfu, `one-${name}-${i}`));
  oneAtATime.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < RUNS) await consultation(sfu, `many-${name}-${next++}`);
    }),
  );
  const perSecond = RUNS / ((performance.now() - started) / 1000);
  console.log(
    `  ${name}: one at a time p50 ${percentile(oneAtATime, 0.5).toFixed(1)} ms, p95 ${percentile(oneAtATime, 0.95).toFixed(1)} ms; ` +
      `${CONCURRENCY} at a time ${perSecond.toFixed(0)} consultations set up and torn down per second`,
  );
}

console.log(`SFU control channel: ${RUNS} consultations each way (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version})`);
const local = await SfuNode.start({ numWorkers: 1, port: 0 });
try {
  await measure('in process (SfuNode)', local);
} finally {
  await local.close();
}

const redis = await startTestRedis();
const built = existsSync(fileURLToPath(new URL('../../sfu/dist/main.js', import.meta.url)));
const node = await startSfuNodeProcess({ id: 'bench-sfu', redisUrl: redis.url, secret: SECRET, workers: 1, built });
const client = new Redis(redis.url);
const remote = await RemoteSfu.start({ redis: client, secret: SECRET, controllerId: 'bench' });
try {
  while (!remote.nodes().some((entry) => entry.connected)) await new Promise((resolve) => setTimeout(resolve, 50));
  await measure(`SFU node process (RemoteSfu over 127.0.0.1, ${built ? 'built' : 'from source'})`, remote);
} finally {
  await remote.close();
  client.disconnect();
  await node.kill();
  await redis.stop();
}

import { Router } from 'express';
import type { DatabaseProbe, DatabaseState } from '@madoguchi/db';
import type { HealthResponse } from '@madoguchi/protocol';
import type { SfuNode } from '@madoguchi/sfu';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';

/** The media workers answer in milliseconds; one that does not within this is reported as not running. */
const MEDIA_ANSWER_MS = 500;
/**
 * Our own transaction can hold the write lock between two awaits, so a lock counts as another
 * process's only when it is still there this many times, this far apart.
 */
const LOCK_CONFIRMATIONS = 3;
const LOCK_RECHECK_MS = 30;
/**
 * A batch the records writer committed this recently proves the database was not locked by another
 * process: no lock probe then, which during a burst would find our own writer's lock and wait to
 * recheck it.
 */
const RECENT_WRITE_MS = 1_000;

/**
 * GET /health: answers within a second, never with a query that could wait for a lock. The
 * database's state comes from a probe that does not wait, and from the records writer, which is
 * the first to see writes refused.
 */
export function createHealthRouter({ sfu, recorder, probe }: { sfu: SfuNode; recorder: ConsultationRecorder; probe: DatabaseProbe }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const records = recorder.status();
    const [workers, databaseNow] = await Promise.all([mediaWorkers(sfu), databaseHealth(probe, records)]);
    const failedWorkers = workers ? workers.filter((worker) => worker.failed).length : 0;
    const body: HealthResponse = {
      status: databaseNow === 'ok' && workers !== null && failedWorkers === 0 ? 'ok' : 'degraded',
      ok: workers !== null && failedWorkers < workers.length,
      workers: workers?.length ?? 0,
      failedWorkers,
      database: databaseNow,
      records: { buffered: records.buffered, dropped: records.dropped },
    };
    res.json(body);
  });
  return router;
}

async function mediaWorkers(sfu: SfuNode): Promise<Awaited<ReturnType<SfuNode['stats']>> | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), MEDIA_ANSWER_MS)));
  try {
    return await Promise.race([sfu.stats(), silent]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The database as health reports it. The files are looked at first, every time: a file made read-only
 * lets the lock probe through and is otherwise seen only when the records writer next fails a write,
 * which may be seconds away when nobody is talking.
 */
export async function databaseHealth(probe: DatabaseProbe, records: ReturnType<ConsultationRecorder['status']>): Promise<DatabaseState> {
  const files = probe.filesWritable();
  if (files !== 'ok') return files;
  const writtenJustNow = records.fault === null && records.lastWriteAt !== null && Date.now() - records.lastWriteAt < RECENT_WRITE_MS;
  const database = writtenJustNow ? 'ok' : await databaseState(probe);
  return database === 'ok' ? (records.fault ?? 'ok') : database;
}

async function databaseState(probe: DatabaseProbe): Promise<DatabaseState> {
  let state = await probe.check();
  for (let i = 1; i < LOCK_CONFIRMATIONS && state === 'locked'; i++) {
    await new Promise((resolve) => setTimeout(resolve, LOCK_RECHECK_MS));
    state = await probe.check();
  }
  return state;
}

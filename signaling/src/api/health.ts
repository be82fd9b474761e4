import { Router } from 'express';
import type { DatabaseProbe, DatabaseState } from '@madoguchi/db';
import type { HealthResponse } from '@madoguchi/protocol';
import type { MediaNode } from '@madoguchi/sfu';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';

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
 * GET /health: answers at once, with no round trip to the media workers and never with a query that
 * could wait for a lock — a health check that waits behind a burst says nothing about the burst. The
 * workers' state is what their processes have told us (a died event); the database's comes from a
 * probe that does not wait, and from the records writer, which is the first to see writes refused.
 */
export function createHealthRouter({ sfu, recorder, probe }: { sfu: MediaNode; recorder: ConsultationRecorder; probe: DatabaseProbe }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const databaseNow = await databaseHealth(probe, recorder);
    const records = recorder.status();
    const { expected, running } = sfu.workerHealth();
    const failedWorkers = expected - running;
    const body: HealthResponse = {
      status: databaseNow === 'ok' && failedWorkers === 0 ? 'ok' : 'degraded',
      ok: running > 0,
      workers: running,
      failedWorkers,
      database: databaseNow,
      records: { buffered: records.buffered, dropped: records.dropped },
    };
    res.json(body);
  });
  return router;
}

/**
 * The database as health reports it. The files are looked at first, every time: a file made read-only
 * lets the lock probe through and is otherwise seen only when the records writer next fails a write,
 * which may be seconds away when nobody is talking.
 */
export async function databaseHealth(probe: DatabaseProbe, recorder: Pick<ConsultationRecorder, 'status' | 'holdsWriteLock'>): Promise<DatabaseState> {
  const files = probe.filesWritable();
  if (files !== 'ok') return files;
  const records = recorder.status();
  const writtenJustNow = records.fault === null && records.lastWriteAt !== null && Date.now() - records.lastWriteAt < RECENT_WRITE_MS;
  const database = writtenJustNow ? 'ok' : await lockState(probe, recorder);
  return database === 'ok' ? (recorder.status().fault ?? 'ok') : database;
}

/**
 * The lock probe, confirmed. A lock our records writer's transaction holds at a check, or a batch it
 * commits between the first and the last check, proves nobody else held the lock all along: during a
 * burst our writer's batches are what the probe finds (the first one of a thread just started may hold
 * the lock past all three checks), and calling that "locked" would be a lie.
 */
async function lockState(probe: DatabaseProbe, recorder: Pick<ConsultationRecorder, 'status' | 'holdsWriteLock'>): Promise<DatabaseState> {
  const writtenBefore = recorder.status().lastWriteAt;
  let state = await probe.check();
  for (let i = 1; i < LOCK_CONFIRMATIONS && state === 'locked'; i++) {
    if (recorder.holdsWriteLock()) return 'ok';
    await new Promise((resolve) => setTimeout(resolve, LOCK_RECHECK_MS));
    if (recorder.status().lastWriteAt !== writtenBefore) return 'ok';
    state = await probe.check();
  }
  return state === 'locked' && recorder.holdsWriteLock() ? 'ok' : state;
}

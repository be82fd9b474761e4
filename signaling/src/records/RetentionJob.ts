import { localDay, type PrismaClient } from '@madoguchi/db';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Clock } from '../clock.ts';
import { SYSTEM_ACTOR, type AuditLog } from './AuditLog.ts';
import { toDbTime } from './RecordsQuery.ts';
import type { SettingsStore } from './SettingsStore.ts';

const logger = createLogger('retention');

const DAY_MS = 86_400_000;
/** Deleted per transaction, so a large first purge never holds the database for long. */
const BATCH = 2000;

/**
 * Deletes the records (consultations, their events, the daily statistics) of the local days that
 * are entirely older than the retention setting, and the staff sessions that expired before them,
 * once at start and then daily. Each purge that removes anything is written to the audit
 * trail with its cut-off and counts. Consultations still open are never purged.
 */
export class RetentionJob {
  readonly #db: PrismaClient;
  readonly #settings: SettingsStore;
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(db: PrismaClient, settings: SettingsStore, audit: AuditLog, clock: Clock) {
    this.#db = db;
    this.#settings = settings;
    this.#audit = audit;
    this.#clock = clock;
  }

  start(intervalMs = DAY_MS): void {
    const run = () => {
      this.#running = this.purgeExpired().catch((error: unknown) => logger.error('records purge failed:', error));
    };
    run();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One purge; returns how many consultations, events and staff sessions were deleted. */
  async purgeExpired(): Promise<{ consultations: number; events: number; sessions: number }> {
    const { retentionDays } = await this.#settings.get();
    // Whole local days, so that no day of the statistics is left half counted.
    const { day: firstKeptDay, start: cutoff } = localDay(new Date(this.#clock.now().getTime() - retentionDays * DAY_MS));
    let consultations = 0;
    let events = 0;
    for (;;) {
      const batch = await this.#db.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Consultation" WHERE "requestedAt" < ${toDbTime(cutoff)} AND "endedAt" IS NOT NULL LIMIT ${BATCH}`;
      if (batch.length === 0) break;
      const ids = batch.map((row) => row.id);
      const [deletedEvents, deletedConsultations] = await this.#db.$transaction([
        this.#db.consultationEvent.deleteMany({ where: { consultationId: { in: ids } } }),
        this.#db.consultation.deleteMany({ where: { id: { in: ids } } }),
      ]);
      events += deletedEvents.count;
      consultations += deletedConsultations.count;
    }
    // The statistics' rollups of those days go with them (daily, and per staff member and per 相談種別).
    const [{ count: dailyRows }, { count: breakdownRows }] = await this.#db.$transaction([
      this.#db.consultationDaily.deleteMany({ where: { day: { lt: firstKeptDay } } }),
      this.#db.consultationDailyBreakdown.deleteMany({ where: { day: { lt: firstKeptDay } } }),
    ]);
    // A session whose token expired that long ago says only that someone was once logged in.
    const { count: sessions } = await this.#db.staffSession.deleteMany({ where: { expiresAt: { lt: cutoff } } });
    if (consultations > 0 || dailyRows > 0 || breakdownRows > 0 || sessions > 0) {
      await this.#audit.write({
        staffId: SYSTEM_ACTOR,
        action: 'records.purge',
        details: { cutoff: cutoff.toISOString(), retentionDays, consultations, events, dailyRows, breakdownRows, sessions },
      });
      logger.info(`purged ${consultations} consultations (${events} events) requested before ${cutoff.toISOString()}`);
    }
    return { consultations, events, sessions };
  }
}

import type { PrismaClient } from '@madoguchi/db';

/**
 * What was done; the audit trail's vocabulary: a record's detail, a still or a resident's callback
 * request (name and phone number) viewed, records exported, a setting or device changed, records
 * purged by the retention job, a tablet's call for help (職員を呼ぶ) acknowledged.
 */
export type AuditAction = 'record.view' | 'records.export' | 'config.change' | 'records.purge' | 'still.view' | 'callback.view' | 'help.acknowledge';

/** The audit trail's actor for scheduled jobs. */
export const SYSTEM_ACTOR = 'system';

export interface AuditEntryInput {
  /** the staff member, or SYSTEM_ACTOR for scheduled jobs */
  staffId: string;
  action: AuditAction;
  targetId?: string;
  details?: Record<string, unknown>;
  at?: Date;
}

/**
 * Writes the append-only audit trail (who looked at or changed what). A write is awaited before the
 * audited data is sent: if the trail cannot be written, the request fails instead of going unrecorded.
 */
export class AuditLog {
  readonly #db: PrismaClient;
  readonly #now: () => Date;

  constructor(db: PrismaClient, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  async write({ staffId, action, targetId, details, at }: AuditEntryInput): Promise<void> {
    await this.#db.auditLog.create({
      data: {
        staffId,
        action,
        targetId,
        at: at ?? this.#now(),
        details: details ? JSON.stringify(details) : undefined,
      },
    });
  }

  /**
   * One row per target the first time this staff member is shown it: a list refreshed every few
   * seconds would otherwise bury the trail. (Two refreshes racing may both write: a harmless duplicate.)
   */
  async writeFirstViews(staffId: string, action: AuditAction, targetIds: readonly string[]): Promise<void> {
    if (targetIds.length === 0) return;
    const seen = await this.#db.auditLog.findMany({
      where: { staffId, action, targetId: { in: [...targetIds] } },
      select: { targetId: true },
    });
    const known = new Set(seen.map((row) => row.targetId));
    const at = this.#now();
    const fresh = targetIds.filter((id) => !known.has(id));
    if (fresh.length > 0) await this.#db.auditLog.createMany({ data: fresh.map((targetId) => ({ staffId, action, targetId, at })) });
  }
}

import type { PrismaClient } from '@madoguchi/db';

/**
 * What was done; the audit trail's vocabulary: a record's detail or a still viewed, records
 * exported, a setting or device changed, records purged by the retention job.
 */
export type AuditAction = 'record.view' | 'records.export' | 'config.change' | 'records.purge' | 'still.view';

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
}

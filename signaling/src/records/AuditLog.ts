import type { PrismaClient } from '@madoguchi/db';

/**
 * What was done; the audit trail's vocabulary: a record's detail, a still or a resident's callback
 * request (name and phone number) viewed, a booking (name, phone number, note) listed or downloaded as .ics, a callback's outcome recorded (its status, never the note's
 * text), records or statistics exported, a setting or device changed, records
 * purged by the retention job, a staff member's own logout (the ends of sessions an admin causes are
 * in their config.change rows), a tablet's call for help (職員を呼ぶ) acknowledged, a live call supervised (one start row and one
 * end row per mode: the consultation, the mode, when it started and ended).
 */
export type AuditAction =
  | 'record.view'
  | 'records.export'
  | 'config.change'
  | 'records.purge'
  | 'still.view'
  | 'document.view'
  | 'form.view'
  | 'library.change'
  | 'callback.view'
  | 'callback.outcome'
  | 'reservation.view'
  | 'reservation.cancel'
  | 'session.logout'
  | 'help.acknowledge'
  | 'supervision.start'
  | 'supervision.end';

/** Repeated views of one target by one staff member within this window share one audit row (writeViews). */
export const VIEW_COALESCE_MS = 10 * 60_000;

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
   * Every time a staff member is shown these targets (a list of callback requests with names and phone
   * numbers): a repeat within VIEW_COALESCE_MS of a target's row adds to its count and last time
   * instead of writing a new row, so a list refreshed every few seconds does not bury the trail while
   * the trail still says how often it was shown.
   */
  async writeViews(staffId: string, action: AuditAction, targetIds: readonly string[]): Promise<void> {
    if (targetIds.length === 0) return;
    const at = this.#now();
    const recent = await this.#db.auditLog.findMany({
      where: { staffId, action, targetId: { in: [...targetIds] }, at: { gte: new Date(at.getTime() - VIEW_COALESCE_MS) } },
      select: { id: true, targetId: true },
      orderBy: { id: 'asc' },
    });
    const rowOf = new Map(recent.map((row) => [row.targetId, row.id])); // the latest row of each target
    const fresh = targetIds.filter((id) => !rowOf.has(id));
    await this.#db.$transaction([
      this.#db.auditLog.updateMany({ where: { id: { in: [...rowOf.values()] } }, data: { views: { increment: 1 }, lastAt: at } }),
      this.#db.auditLog.createMany({ data: fresh.map((targetId) => ({ staffId, action, targetId, at })) }),
    ]);
  }
}

import type { PrismaClient } from '@madoguchi/db';
import { RecordsSettings, type RecordsSettingsUpdate } from '@madoguchi/protocol';
import type { AuditLog } from './AuditLog.ts';

/**
 * The records settings an admin may change at run time. The configuration (environment) gives
 * the defaults; a changed value lives in the Setting table and every change is audited.
 */
export class SettingsStore {
  readonly #db: PrismaClient;
  readonly #audit: AuditLog;
  readonly #defaults: RecordsSettings;
  #latest: RecordsSettings;

  constructor(db: PrismaClient, audit: AuditLog, defaults: RecordsSettings) {
    this.#db = db;
    this.#audit = audit;
    this.#defaults = defaults;
    this.#latest = defaults;
  }

  async get(): Promise<RecordsSettings> {
    const rows = await this.#db.setting.findMany({ where: { key: { in: Object.keys(this.#defaults) } } });
    const stored = Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
    // A stored value that no longer passes validation (an older version's range) falls back to the default.
    const parsed = RecordsSettings.safeParse({ ...this.#defaults, ...stored });
    this.#latest = parsed.success ? parsed.data : this.#defaults;
    return this.#latest;
  }

  /**
   * The settings as last read or written (this process is their only writer), for decisions that
   * cannot wait for the database — whether a chat message's text is recorded. Call get() once at start.
   */
  latest(): RecordsSettings {
    return this.#latest;
  }

  /** Apply the changed keys; each change is one audit row with the old and the new value. */
  async update(staffId: string, changes: RecordsSettingsUpdate): Promise<RecordsSettings> {
    const current = await this.get();
    const at = new Date();
    for (const [key, value] of Object.entries(changes) as [keyof RecordsSettings, RecordsSettings[keyof RecordsSettings]][]) {
      if (current[key] === value) continue;
      const json = JSON.stringify(value);
      await this.#db.setting.upsert({
        where: { key },
        create: { key, value: json, updatedAt: at, updatedBy: staffId },
        update: { value: json, updatedAt: at, updatedBy: staffId },
      });
      await this.#audit.write({ staffId, action: 'config.change', targetId: key, details: { from: current[key], to: value }, at });
    }
    return this.get();
  }
}

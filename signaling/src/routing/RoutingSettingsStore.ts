import type { PrismaClient } from '@madoguchi/db';
import { RoutingSettings, WeeklyHours, type DepartmentRoutingView } from '@madoguchi/protocol';
import { z } from 'zod';
import { ROUTING_DEFAULTS, type DepartmentRoutingConfigInput, type DepartmentRoutingSettings } from './core/index.ts';

const SECOND = 1000;
const ClosedDates = RoutingSettings.shape.closedDates;
const AnnualClosures = RoutingSettings.shape.annualClosures;

/** Admin-facing settings (seconds) → the core's (milliseconds). */
export function toCoreConfig(departmentId: string, settings: RoutingSettings): DepartmentRoutingConfigInput {
  return {
    departmentId,
    ringTimeoutMs: settings.ringTimeoutSeconds * SECOND,
    maxMissedOffers: settings.maxMissedOffers,
    wrapUpMs: settings.wrapUpSeconds * SECOND,
    secondaryDelayMs: settings.secondaryDelaySeconds === null ? null : settings.secondaryDelaySeconds * SECOND,
    overflow: settings.overflow && { targetDepartmentId: settings.overflow.departmentId, delayMs: settings.overflow.delaySeconds * SECOND },
    hours: settings.hours,
    closedDates: settings.closedDates,
    annualClosures: settings.annualClosures,
  };
}

/** The core's settings → what an admin sees (a department without a row shows the defaults). */
function toSettings(config: DepartmentRoutingSettings): RoutingSettings {
  return {
    ringTimeoutSeconds: Math.round(config.ringTimeoutMs / SECOND),
    maxMissedOffers: config.maxMissedOffers,
    wrapUpSeconds: Math.round(config.wrapUpMs / SECOND),
    secondaryDelaySeconds: config.secondaryDelayMs === null ? null : Math.round(config.secondaryDelayMs / SECOND),
    overflow: config.overflow && { departmentId: config.overflow.targetDepartmentId, delaySeconds: Math.round(config.overflow.delayMs / SECOND) },
    hours: config.hours as WeeklyHours,
    closedDates: [...config.closedDates],
    annualClosures: [...config.annualClosures],
  };
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`stored routing ${what} is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Department routing settings in the database: the one place routing numbers come from. */
export class RoutingSettingsStore {
  readonly #db: PrismaClient;

  constructor(db: PrismaClient) {
    this.#db = db;
  }

  /** Every department with its settings (the defaults where no row exists), in display order. */
  async list(): Promise<DepartmentRoutingView[]> {
    const departments = await this.#db.department.findMany({ orderBy: { sortOrder: 'asc' }, include: { routing: true } });
    return departments.map(({ id, code, name, routing }) => ({
      department: { id, code, name },
      ...(routing
        ? {
            ringTimeoutSeconds: routing.ringTimeoutSeconds,
            maxMissedOffers: routing.maxMissedOffers,
            wrapUpSeconds: routing.wrapUpSeconds,
            secondaryDelaySeconds: routing.secondaryDelaySeconds,
            overflow:
              routing.overflowToId !== null && routing.overflowDelaySeconds !== null
                ? { departmentId: routing.overflowToId, delaySeconds: routing.overflowDelaySeconds }
                : null,
            hours: parseJson(WeeklyHours, routing.hours, 'hours'),
            closedDates: parseJson(ClosedDates, routing.closedDates, 'closed dates'),
            annualClosures: parseJson(AnnualClosures, routing.annualClosures, 'annual closures'),
          }
        : toSettings(ROUTING_DEFAULTS)),
    }));
  }

  /** The core's configuration of every department. */
  async coreConfigs(): Promise<DepartmentRoutingConfigInput[]> {
    return (await this.list()).map(({ department, ...settings }) => toCoreConfig(department.id, settings));
  }

  async save(departmentId: string, settings: RoutingSettings): Promise<void> {
    const data = {
      ringTimeoutSeconds: settings.ringTimeoutSeconds,
      maxMissedOffers: settings.maxMissedOffers,
      wrapUpSeconds: settings.wrapUpSeconds,
      secondaryDelaySeconds: settings.secondaryDelaySeconds,
      overflowToId: settings.overflow?.departmentId ?? null,
      overflowDelaySeconds: settings.overflow?.delaySeconds ?? null,
      hours: JSON.stringify(settings.hours),
      closedDates: JSON.stringify(settings.closedDates),
      annualClosures: JSON.stringify(settings.annualClosures),
    };
    await this.#db.departmentRouting.upsert({ where: { departmentId }, create: { departmentId, ...data }, update: data });
  }
}

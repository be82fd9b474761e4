import { Router } from 'express';
import { localDay, type PrismaClient } from '@madoguchi/db';
import type { Wallboard } from '@madoguchi/protocol';
import type { Clock } from '../clock.ts';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { SettingsStore } from '../records/SettingsStore.ts';

/**
 * GET /api/supervisor/wallboard: the live routing state with today's figures. Supervisors' consoles
 * poll it every few seconds; nothing here names a resident.
 */
export function createWallboardRouter({
  db,
  consultations,
  settings,
  clock,
}: {
  db: PrismaClient;
  consultations: ConsultationService;
  settings: SettingsStore;
  clock: Clock;
}): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const now = clock.now();
    const since = localDay(now).start;
    const snapshot = consultations.liveSnapshot();
    // The service-level threshold is the records' setting, so the wallboard and the charts agree.
    const { serviceLevelSeconds } = await settings.get();
    const [departments, sites, today] = await Promise.all([
      // Disabled departments and sites are left off (a disabled department's residents still waiting
      // show among the consultations in progress).
      db.department.findMany({ where: { active: true }, orderBy: { sortOrder: 'asc' } }),
      db.site.findMany({ where: { active: true }, orderBy: { name: 'asc' }, include: { devices: { where: { revokedAt: null }, orderBy: { name: 'asc' } } } }),
      // Today's requests that were queued: a refused one (outside hours, nobody on duty) never
      // waited for an answer. The live server writes a `refused` event for each (the statistics'
      // REFUSED in prisma/src/summary.ts also knows imported rows, which have no events).
      db.consultation.findMany({
        where: { requestedAt: { gte: since }, events: { none: { type: 'refused' } } },
        select: { departmentId: true, requestedAt: true, answeredAt: true, endedAt: true },
      }),
    ]);
    const deviceState = new Map(snapshot.consultations.map((live) => [live.deviceId, live.status === 'in_call' ? ('in_call' as const) : ('waiting' as const)]));

    const body: Wallboard = {
      at: now.toISOString(),
      serviceLevelSeconds,
      departments: departments.map((department) => {
        const queue = consultations.queueSummary(department.id);
        const operators = { available: 0, offered: 0, in_call: 0, wrap_up: 0, away: 0 };
        for (const operator of snapshot.operators) {
          if (operator.presence !== 'offline' && operator.primary.includes(department.id)) operators[operator.presence] += 1;
        }
        const requests = today.filter((row) => row.departmentId === department.id);
        const answered = requests.filter((row) => row.answeredAt);
        // As in the records' statistics: answered within the threshold ÷ consultations that have ended.
        const ended = requests.filter((row) => row.endedAt);
        const onTime = ended.filter((row) => row.answeredAt && row.answeredAt.getTime() - row.requestedAt.getTime() <= serviceLevelSeconds * 1000);
        return {
          department: { id: department.id, code: department.code, name: department.name },
          waiting: queue.waiting,
          longestWaitingSince: queue.longestWaitingSince,
          operators,
          answeredToday: answered.length,
          serviceLevelToday: ended.length ? onTime.length / ended.length : null,
        };
      }),
      sites: sites.map((site) => ({
        site: { id: site.id, name: site.name },
        tablets: site.devices.map((device) => ({
          id: device.id,
          name: device.name,
          online: snapshot.onlineDevices.has(device.id),
          state: deviceState.get(device.id) ?? 'idle',
          lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
        })),
      })),
      live: snapshot.consultations
        .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime())
        .map(({ consultationId, site, department, status, requestedAt, operators, tabletPath }) => ({
          consultationId,
          site,
          department,
          status,
          requestedAt: requestedAt.toISOString(),
          operators,
          tabletPath,
        })),
    };
    res.json(body);
  });

  return router;
}

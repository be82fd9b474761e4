import { Router } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import {
  CallbackUpdate,
  Id,
  ProtocolError,
  RoutingSettings,
  type CallbackUpdated,
  type CallbackView,
  type CallbacksResponse,
  type RoutingSettingsResponse,
} from '@madoguchi/protocol';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { resolveDepartmentConfig, RoutingError } from '../routing/core/index.ts';
import { RoutingSettingsStore, toCoreConfig } from '../routing/RoutingSettingsStore.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

interface RoutingApiDependencies {
  db: PrismaClient;
  consultations: ConsultationService;
  routingSettings: RoutingSettingsStore;
  audit: AuditLog;
}

/** /api/admin/routing: each department's routing, read by supervisors and admins, changed by admins. */
export function createRoutingAdminRouter({ db, consultations, routingSettings, audit }: RoutingApiDependencies): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const body: RoutingSettingsResponse = { departments: await routingSettings.list() };
    res.json(body);
  });

  router.put('/:departmentId', async (req: AuthedRequest, res) => {
    if (req.principal?.kind !== 'staff' || req.principal.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'only admins change routing');
    const departmentId = parseBody(Id, req.params.departmentId);
    const settings = parseBody(RoutingSettings, req.body);
    const department = await db.department.findUnique({ where: { id: departmentId } });
    if (!department) throw new ProtocolError('NOT_FOUND', 'no such department');
    if (settings.overflow) {
      if (settings.overflow.departmentId === departmentId) throw new ProtocolError('BAD_REQUEST', 'overflow: a department cannot overflow to itself');
      if (!(await db.department.findUnique({ where: { id: settings.overflow.departmentId } }))) {
        throw new ProtocolError('BAD_REQUEST', 'overflow.departmentId: no such department');
      }
    }
    try {
      resolveDepartmentConfig(toCoreConfig(departmentId, settings));
    } catch (error) {
      if (error instanceof RoutingError) throw new ProtocolError('BAD_REQUEST', error.message);
      throw error;
    }
    // Saved first: a change the server applied but lost on a restart would surprise everyone.
    await routingSettings.save(departmentId, settings);
    const summary = { id: department.id, code: department.code, name: department.name };
    consultations.applyRoutingSettings(summary, settings);
    await audit.write({ staffId: req.principal.staffId, action: 'config.change', targetId: `routing:${departmentId}`, details: settings });
    res.json({ department: summary, ...settings });
  });

  return router;
}

/** /api/callbacks: residents' callback requests (折り返し) for the departments an operator serves. */
export function createCallbacksRouter({ db, audit }: Pick<RoutingApiDependencies, 'db' | 'audit'>): Router {
  const router = Router();

  /**
   * The staff member asking, and the departments whose callbacks they see: all (null) for supervisors
   * and admins; for an operator, the departments they belong to. A secondary skill only lets an
   * operator answer live calls the routing widens to them; a callback request is left for its
   * department and never routed, so it grants none of these names and phone numbers.
   */
  const viewer = (req: AuthedRequest): { staffId: string; departments: string[] | null } => {
    const principal = req.principal;
    if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff only');
    const departments = principal.role === 'operator' ? [...principal.departmentIds] : null;
    return { staffId: principal.staffId, departments };
  };

  router.get('/', async (req: AuthedRequest, res) => {
    const { staffId, departments } = viewer(req);
    const open = req.query.status !== 'all';
    const rows = await db.callbackRequest.findMany({
      where: { ...(departments ? { departmentId: { in: departments } } : {}), ...(open ? { doneAt: null } : {}) },
      include: { department: true, consultation: { include: { site: true } } },
      orderBy: { createdAt: 'asc' },
      take: 500,
    });
    const doneBy = await db.staff.findMany({
      where: { id: { in: rows.flatMap((row) => (row.doneById ? [row.doneById] : [])) } },
      select: { id: true, displayName: true },
    });
    const names = new Map(doneBy.map((staff) => [staff.id, staff.displayName]));
    // Names and phone numbers: who was shown which request, and how often, is on the record before it is sent.
    await audit.writeViews(staffId, 'callback.view', rows.map((row) => row.id));
    const body: CallbacksResponse = {
      callbacks: rows.map(
        (row): CallbackView => ({
          id: row.id,
          consultationId: row.consultationId,
          department: { id: row.department.id, code: row.department.code, name: row.department.name },
          site: { id: row.consultation.site.id, name: row.consultation.site.name },
          name: row.name,
          phone: row.phone,
          createdAt: row.createdAt.toISOString(),
          doneAt: row.doneAt?.toISOString() ?? null,
          doneBy: row.doneById ? (names.get(row.doneById) ?? null) : null,
        }),
      ),
    };
    res.json(body);
  });

  router.patch('/:id', async (req: AuthedRequest, res) => {
    const { staffId, departments } = viewer(req);
    const id = parseBody(Id, req.params.id);
    const { done } = parseBody(CallbackUpdate, req.body);
    const row = await db.callbackRequest.findUnique({ where: { id } });
    if (!row || (departments && !departments.includes(row.departmentId))) throw new ProtocolError('NOT_FOUND', 'no such callback request');
    await db.callbackRequest.update({ where: { id }, data: done ? { doneAt: new Date(), doneById: staffId } : { doneAt: null, doneById: null } });
    const body: CallbackUpdated = { id, done };
    res.json(body);
  });

  return router;
}

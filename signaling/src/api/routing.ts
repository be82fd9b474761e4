import { Router } from 'express';
import { localDayBounds, type Prisma, type PrismaClient } from '@madoguchi/db';
import {
  CallbacksQuery,
  CallbackStatus,
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

/**
 * /api/callbacks: residents' callback requests (折り返し) — an operator's departments' to call back and
 * record the outcome of, a supervisor's (and admin's) every department's to review.
 */
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

  /** A row as the console shows it (`names`: who set each status). */
  const view = (row: CallbackRow, names: ReadonlyMap<string, string>): CallbackView => ({
    id: row.id,
    consultationId: row.consultationId,
    department: { id: row.department.id, code: row.department.code, name: row.department.name },
    site: { id: row.consultation.site.id, name: row.consultation.site.name },
    name: row.name,
    phone: row.phone,
    createdAt: row.createdAt.toISOString(),
    status: CallbackStatus.parse(row.status),
    note: row.note,
    outcomeAt: row.outcomeAt?.toISOString() ?? null,
    outcomeBy: row.outcomeById ? (names.get(row.outcomeById) ?? null) : null,
  });
  const namesOf = async (rows: readonly CallbackRow[]) => {
    const ids = [...new Set(rows.flatMap((row) => (row.outcomeById ? [row.outcomeById] : [])))];
    const staff = await db.staff.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } });
    return new Map(staff.map((s) => [s.id, s.displayName]));
  };
  const include = { department: true, consultation: { include: { site: true } } } as const;

  router.get('/', async (req: AuthedRequest, res) => {
    const { staffId, departments } = viewer(req);
    const { status, departmentId, from, to, limit } = parseBody(CallbacksQuery, req.query);
    const pending = status === 'pending';
    const rows = await db.callbackRequest.findMany({
      where: {
        AND: [
          departments ? { departmentId: { in: departments } } : {},
          departmentId ? { departmentId } : {},
          status === undefined ? {} : { status: pending ? { in: ['open', 'unreachable'] } : status },
          from ? { createdAt: { gte: localDayBounds(from).start } } : {},
          to ? { createdAt: { lt: localDayBounds(to).end } } : {},
        ],
      },
      include,
      // What is still to be called back, oldest first; a review of every status, newest first.
      orderBy: { createdAt: pending ? 'asc' : 'desc' },
      take: limit,
    });
    const names = await namesOf(rows);
    // Names and phone numbers: who was shown which request, and how often, is on the record before it is sent.
    await audit.writeViews(staffId, 'callback.view', rows.map((row) => row.id));
    const body: CallbacksResponse = { callbacks: rows.map((row) => view(row, names)) };
    res.json(body);
  });

  /** The outcome of calling the resident back (done, not reached, or open again) with a note; audited with the status before. */
  router.patch('/:id', async (req: AuthedRequest, res) => {
    const { staffId, departments } = viewer(req);
    const id = parseBody(Id, req.params.id);
    const { status, note } = parseBody(CallbackUpdate, req.body);
    const before = await db.callbackRequest.findUnique({ where: { id } });
    if (!before || (departments && !departments.includes(before.departmentId))) throw new ProtocolError('NOT_FOUND', 'no such callback request');
    const row = await db.callbackRequest.update({
      where: { id },
      data: { status, note, ...(status === 'open' ? { outcomeAt: null, outcomeById: null } : { outcomeAt: new Date(), outcomeById: staffId }) },
      include,
    });
    await audit.write({ staffId, action: 'callback.outcome', targetId: id, details: { status, previous: before.status, noted: note.length > 0 } });
    const body: CallbackUpdated = { callback: view(row, await namesOf([row])) };
    res.json(body);
  });

  return router;
}

type CallbackRow = Prisma.CallbackRequestGetPayload<{ include: { department: true; consultation: { include: { site: true } } } }>;

import { Router } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import {
  CreateDepartmentRequest,
  DepartmentOrderRequest,
  Id,
  ProtocolError,
  UpdateDepartmentRequest,
  type AdminDepartment,
  type AdminDepartmentResponse,
  type AdminDepartmentsResponse,
} from '@madoguchi/protocol';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { adminOf, isUniqueViolation } from './adminRequest.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

export interface DepartmentsApiDependencies {
  db: PrismaClient;
  consultations: ConsultationService;
  audit: AuditLog;
}

const WITH_DETAILS = {
  categories: { where: { active: true }, orderBy: { sortOrder: 'asc' } },
  staff: { where: { staff: { active: true } }, select: { skill: true } },
} as const;

/**
 * /api/admin/departments (admins): the departments residents can consult — list, create, change the
 * name, the kiosk button's text, the description and the 相談種別 (categories), order them on the
 * kiosk, disable and enable. A department is never deleted (its consultations point at it); a
 * disabled one is no longer offered. Each change reaches the routing core, every kiosk and every
 * console at once, and the audit trail. Routing (hours, ring time, …) is /api/admin/routing.
 */
export function createDepartmentsAdminRouter({ db, consultations, audit }: DepartmentsApiDependencies): Router {
  const router = Router();

  type DepartmentRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;
  const loadRow = (id: string) => db.department.findUnique({ where: { id }, include: WITH_DETAILS });
  const load = async (id: string): Promise<DepartmentRow> => {
    const department = await loadRow(id);
    if (!department) throw new ProtocolError('NOT_FOUND', 'no such department');
    return department;
  };
  const view = (department: DepartmentRow): AdminDepartment => ({
    id: department.id,
    code: department.code,
    name: department.name,
    kioskText: department.kioskText,
    description: department.description,
    sortOrder: department.sortOrder,
    active: department.active,
    categories: department.categories.map((category) => category.name),
    staff: {
      primary: department.staff.filter((member) => member.skill === 'primary').length,
      secondary: department.staff.filter((member) => member.skill === 'secondary').length,
    },
  });
  /** Categories offered as listed, in that order; those left out are retired, kept for the records that use them. */
  const setCategories = async (departmentId: string, names: readonly string[]) => {
    await db.$transaction([
      db.consultationCategory.updateMany({ where: { departmentId, name: { notIn: [...names] } }, data: { active: false } }),
      ...names.map((name, index) =>
        db.consultationCategory.upsert({
          where: { departmentId_name: { departmentId, name } },
          create: { departmentId, name, sortOrder: index + 1 },
          update: { sortOrder: index + 1, active: true },
        }),
      ),
    ]);
  };
  /** After a change: the routing core knows the departments, and kiosks and consoles fetch the list again. */
  const changed = async (ids: readonly string[]): Promise<AdminDepartment[]> => {
    const departments = await Promise.all(ids.map(async (id) => view(await load(id))));
    consultations.departmentsChanged(departments);
    return departments;
  };

  router.get('/', async (_req, res) => {
    const departments = await db.department.findMany({ include: WITH_DETAILS, orderBy: { sortOrder: 'asc' } });
    const body: AdminDepartmentsResponse = { departments: departments.map(view) };
    res.json(body);
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const { categories, ...input } = parseBody(CreateDepartmentRequest, req.body);
    const last = await db.department.findFirst({ orderBy: { sortOrder: 'desc' }, select: { sortOrder: true } });
    const created = await db.department.create({ data: { ...input, sortOrder: (last?.sortOrder ?? 0) + 1 } }).catch((error: unknown) => {
      throw isUniqueViolation(error) ? new ProtocolError('CONFLICT', `the code ${input.code} is already taken`) : error;
    });
    await setCategories(created.id, categories);
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: created.id, details: { change: 'department.create', ...input, categories } });
    const [department] = await changed([created.id]);
    const body: AdminDepartmentResponse = { department: department! };
    res.status(201).json(body);
  });

  /** The kiosk's order: every department's id once, first button first. */
  router.put('/order', async (req: AuthedRequest, res) => {
    const { departmentIds } = parseBody(DepartmentOrderRequest, req.body);
    const all = await db.department.findMany({ select: { id: true } });
    const known = new Set(all.map((d) => d.id));
    if (departmentIds.length !== known.size || departmentIds.some((id) => !known.has(id))) {
      throw new ProtocolError('BAD_REQUEST', 'departmentIds: list every department once');
    }
    await db.$transaction(departmentIds.map((id, index) => db.department.update({ where: { id }, data: { sortOrder: index + 1 } })));
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: 'departments:order', details: { change: 'department.order', departmentIds } });
    const body: AdminDepartmentsResponse = { departments: await changed(departmentIds) };
    res.json(body);
  });

  router.patch('/:id', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const { categories, ...change } = parseBody(UpdateDepartmentRequest, req.body);
    const before = view(await load(id));
    await db.department.update({ where: { id }, data: change });
    if (categories) await setCategories(id, categories);
    const { staff: _staff, sortOrder: _order, ...recorded } = before;
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: id,
      details: { change: 'department.update', before: recorded, after: { ...change, ...(categories ? { categories } : {}) } },
    });
    const [department] = await changed([id]);
    const body: AdminDepartmentResponse = { department: department! };
    res.json(body);
  });

  return router;
}

import { Router } from 'express';
import { generateReadablePassword, hashPassword, type PrismaClient } from '@madoguchi/db';
import {
  CreateStaffRequest,
  EmptyRequest,
  Id,
  ProtocolError,
  SetPasswordRequest,
  Skill,
  StaffRole,
  UpdateStaffRequest,
  type AdminStaff,
  type AdminStaffListResponse,
  type AdminStaffResponse,
  type StaffDepartmentSkills,
} from '@madoguchi/protocol';
import type { StaffSessions } from '../auth/StaffSessions.ts';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { adminOf, isUniqueViolation } from './adminRequest.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

export interface StaffApiDependencies {
  db: PrismaClient;
  consultations: ConsultationService;
  sessions: StaffSessions;
  audit: AuditLog;
}

const WITH_DEPARTMENTS = { departments: { include: { department: true } } } as const;

/**
 * /api/admin/staff (admins): the city's staff accounts — list, create (with a generated or chosen
 * password), change name, role and departments (primary and secondary skills), set a new password,
 * disable a leaver and enable again, sign an account out everywhere (サインアウトさせる), and delete an
 * account made by mistake, which only works while it has no records. A disabled account, a new role
 * or departments, a new password and a sign-out end every session of the account at once (its
 * consoles are closed, saying why). Every change is audited with the sessions it ended; no password
 * ever is.
 */
export function createStaffAdminRouter({ db, consultations, sessions, audit }: StaffApiDependencies): Router {
  const router = Router();

  /** Staff ids that appear in consultations' events or the audit trail: those accounts are never deleted. */
  const withRecords = async (ids: string[]): Promise<Set<string>> => {
    const [events, audited] = await Promise.all([
      db.consultationEvent.findMany({ where: { actorType: 'staff', actorId: { in: ids } }, distinct: ['actorId'], select: { actorId: true } }),
      db.auditLog.findMany({ where: { staffId: { in: ids } }, distinct: ['staffId'], select: { staffId: true } }),
    ]);
    return new Set([...events.flatMap((row) => (row.actorId ? [row.actorId] : [])), ...audited.map((row) => row.staffId)]);
  };

  type StaffRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;
  const loadRow = (id: string) => db.staff.findUnique({ where: { id }, include: WITH_DEPARTMENTS });
  const load = async (id: string): Promise<StaffRow> => {
    const staff = await loadRow(id);
    if (!staff) throw new ProtocolError('NOT_FOUND', 'no such staff member');
    return staff;
  };
  const view = (staff: StaffRow, recorded: ReadonlySet<string>): AdminStaff => ({
    id: staff.id,
    username: staff.username,
    displayName: staff.displayName,
    role: StaffRole.parse(staff.role),
    active: staff.active,
    createdAt: staff.createdAt.toISOString(),
    departments: [...staff.departments]
      .sort((a, b) => a.department.sortOrder - b.department.sortOrder)
      .map(({ department, skill }) => ({ department: { id: department.id, code: department.code, name: department.name }, skill: Skill.parse(skill) })),
    hasRecords: recorded.has(staff.id),
  });
  const viewOne = async (id: string) => view(await load(id), await withRecords([id]));

  const checkDepartments = async (skills: StaffDepartmentSkills) => {
    const ids = skills.map((s) => s.departmentId);
    const found = await db.department.count({ where: { id: { in: ids } } });
    if (found !== ids.length) throw new ProtocolError('BAD_REQUEST', 'departments: no such department');
  };
  /** An admin must not lock the city out: the last enabled admin keeps the role and the account. */
  const keepAnAdmin = async (staff: StaffRow) => {
    if (staff.role !== 'admin' || !staff.active) return;
    const admins = await db.staff.count({ where: { role: 'admin', active: true } });
    if (admins <= 1) throw new ProtocolError('CONFLICT', 'the last enabled admin cannot be disabled, deleted or given another role');
  };
  const skillsOf = (skills: StaffDepartmentSkills) => ({
    primary: skills.filter((s) => s.skill === 'primary').map((s) => s.departmentId),
    secondary: skills.filter((s) => s.skill === 'secondary').map((s) => s.departmentId),
  });
  const passwordFor = (given: string | undefined) => {
    const password = given ?? generateReadablePassword();
    return { password, shown: given === undefined ? password : null };
  };

  router.get('/', async (_req, res) => {
    const [staff, departments] = await Promise.all([
      db.staff.findMany({ include: WITH_DEPARTMENTS, orderBy: [{ active: 'desc' }, { username: 'asc' }] }),
      db.department.findMany({ orderBy: { sortOrder: 'asc' }, select: { id: true, code: true, name: true } }),
    ]);
    const recorded = await withRecords(staff.map((s) => s.id));
    const body: AdminStaffListResponse = { staff: staff.map((s) => view(s, recorded)), departments };
    res.json(body);
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const input = parseBody(CreateStaffRequest, req.body);
    await checkDepartments(input.departments);
    const { password, shown } = passwordFor(input.password);
    const created = await db.staff
      .create({
        data: {
          username: input.username,
          displayName: input.displayName,
          role: input.role,
          passwordHash: await hashPassword(password),
          departments: { create: input.departments },
        },
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? new ProtocolError('CONFLICT', `username ${input.username} is already taken`) : error;
      });
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: created.id,
      details: { change: 'staff.create', username: input.username, role: input.role, departments: input.departments, passwordGenerated: shown !== null },
    });
    const body: AdminStaffResponse = { staff: await viewOne(created.id), password: shown };
    res.status(201).json(body);
  });

  router.patch('/:id', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const change = parseBody(UpdateStaffRequest, req.body);
    const before = await load(id);
    if (change.role && change.role !== before.role) await keepAnAdmin(before);
    if (change.departments) await checkDepartments(change.departments);
    // A console shows its role's screens and its departments' queues: either changed needs a new login.
    const sessionsEnd = (change.role !== undefined && change.role !== before.role) || change.departments !== undefined;
    await db.$transaction([
      db.staff.update({ where: { id }, data: { displayName: change.displayName, role: change.role } }),
      ...(change.departments
        ? [db.staffDepartment.deleteMany({ where: { staffId: id } }), db.staffDepartment.createMany({ data: change.departments.map((s) => ({ staffId: id, ...s })) })]
        : []),
    ]);
    // The routing core keeps an operator's skills across logins: the next one is offered by the new ones.
    if (change.departments) consultations.staffSkillsChanged(id, skillsOf(change.departments));
    let sessionsEnded = 0;
    if (sessionsEnd) sessionsEnded = await sessions.endAll(id, 'account_changed');
    else sessions.staffChanged(id);
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: id,
      details: {
        change: 'staff.update',
        username: before.username,
        before: { displayName: before.displayName, role: before.role, departments: before.departments.map(({ departmentId, skill }) => ({ departmentId, skill })) },
        after: change,
        sessionsEnded,
      },
    });
    const body: AdminStaffResponse = { staff: await viewOne(id), password: null };
    res.json(body);
  });

  router.post('/:id/password', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const { password, shown } = passwordFor(parseBody(SetPasswordRequest, req.body ?? {}).password);
    const staff = await load(id);
    await db.staff.update({ where: { id }, data: { passwordHash: await hashPassword(password) } });
    // Whoever knew the old password may be logged in with it.
    const sessionsEnded = await sessions.endAll(id, 'password_changed');
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: id,
      details: { change: 'staff.password', username: staff.username, generated: shown !== null, sessionsEnded },
    });
    const body: AdminStaffResponse = { staff: await viewOne(id), password: shown };
    res.json(body);
  });

  /** A leaver: refused at login and on every request from now on; their open consoles are closed, saying why. */
  router.post('/:id/disable', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const staff = await load(id);
    if (id === adminOf(req)) throw new ProtocolError('CONFLICT', 'you cannot disable your own account');
    if (staff.active) {
      await keepAnAdmin(staff);
      await db.staff.update({ where: { id }, data: { active: false } });
      const sessionsEnded = await sessions.endAll(id, 'account_disabled');
      await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'staff.disable', username: staff.username, sessionsEnded } });
    }
    const body: AdminStaffResponse = { staff: await viewOne(id), password: null };
    res.json(body);
  });

  /** サインアウトさせる: every session of the account ends now (a lost or shared computer); the account stays enabled. */
  router.post('/:id/sign-out', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    parseBody(EmptyRequest, req.body ?? {});
    const staff = await load(id);
    if (id === adminOf(req)) throw new ProtocolError('CONFLICT', 'you cannot sign your own account out here: log out instead');
    const sessionsEnded = await sessions.endAll(id, 'signed_out_by_admin');
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'staff.sign_out', username: staff.username, sessionsEnded } });
    const body: AdminStaffResponse = { staff: await viewOne(id), password: null };
    res.json(body);
  });

  router.post('/:id/enable', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const staff = await load(id);
    if (!staff.active) {
      await db.staff.update({ where: { id }, data: { active: true } });
      await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'staff.enable', username: staff.username } });
    }
    const body: AdminStaffResponse = { staff: await viewOne(id), password: null };
    res.json(body);
  });

  /** Only an account without records (created by mistake, or the demo's unused ones): the others are disabled. */
  router.delete('/:id', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const staff = await load(id);
    if (id === adminOf(req)) throw new ProtocolError('CONFLICT', 'you cannot delete your own account');
    if ((await withRecords([id])).has(id)) throw new ProtocolError('CONFLICT', 'this account has records: disable it instead');
    await keepAnAdmin(staff);
    await sessions.endAll(id, 'account_disabled');
    await db.staff.delete({ where: { id } });
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'staff.delete', username: staff.username } });
    res.status(204).end();
  });

  return router;
}

import { Router, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { databaseFault, hashPassword, verifyPassword, type DatabaseProbe, type PrismaClient } from '@madoguchi/db';
import {
  EmptyRequest,
  LoginRequest,
  ProtocolError,
  type DepartmentsResponse,
  type DeviceProfile,
  type LoginResponse,
  type SfuStats,
  type StaffRole,
} from '@madoguchi/protocol';
import type { MediaNode } from '@madoguchi/sfu';
import type { Principal } from '../auth/principal.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { StaffSessions } from '../auth/StaffSessions.ts';
import type { LoginThrottle } from '../auth/LoginThrottle.ts';
import type { PairingCodeStore } from '../PairingCodes.ts';
import type { ClerkPins } from '../clerk/ClerkPins.ts';
import type { Clock } from '../clock.ts';
import type { ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import { createDepartmentsAdminRouter } from './departments.ts';
import { createDevicePairingRouter, createDevicesAdminRouter } from './devices.ts';
import { createHealthRouter } from './health.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { RoutingSettingsStore } from '../routing/RoutingSettingsStore.ts';
import { parseBody } from './errors.ts';
import { createCallbacksRouter, createRoutingAdminRouter } from './routing.ts';
import { createSitesAdminRouter } from './sites.ts';
import { createStaffAdminRouter } from './staff.ts';
import { createWallboardRouter } from './wallboard.ts';
import { createCategoriesRouter, createNotesRouter } from './notes.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { createStillsRouter } from './stills.ts';
import { createDocumentsRouter } from './documents.ts';
import { createFormsRouter } from './forms.ts';
import type { FormService } from '../forms/FormService.ts';
import type { DocumentService } from '../documents/DocumentService.ts';
import { createReservationsRouter } from './reservations.ts';
import type { ReservationService } from '../reservations/ReservationService.ts';
import type { PublicBookingDesk } from '../reservations/PublicBookingDesk.ts';
import { createPublicBookingRouter } from './publicBooking.ts';
import type { StillService } from '../stills/StillService.ts';
import type { SettingsStore } from '../records/SettingsStore.ts';
import { createAuditRouter, createRecordsRouter, createSettingsRouter } from './records.ts';

export interface ApiDependencies {
  db: PrismaClient;
  databaseProbe: DatabaseProbe;
  tokens: TokenService;
  sessions: StaffSessions;
  loginThrottle: LoginThrottle;
  pairingCodes: PairingCodeStore;
  sfu: MediaNode;
  consultations: ConsultationService;
  notifier: Pick<Notifier, 'disconnectDevice'>;
  routingSettings: RoutingSettingsStore;
  audit: AuditLog;
  settings: SettingsStore;
  stills: StillService;
  documents: DocumentService;
  forms: FormService;
  recorder: ConsultationRecorder;
  clerkPins: ClerkPins;
  reservations: ReservationService;
  /** The residents' booking page's desk; null when PUBLIC_BOOKING=off. */
  publicBooking: PublicBookingDesk | null;
  clock: Clock;
}

export type AuthedRequest = Request & { principal?: Principal };

/**
 * A hash of a random password, made the same way as real ones: an unknown username costs the same
 * verification time as a wrong password, so timing does not reveal which usernames exist.
 */
let unknownUserHash: Promise<string> | undefined;
const hashForUnknownUser = () => (unknownUserHash ??= hashPassword(randomUUID()));

export function createApiRouter({ db, databaseProbe, tokens, sessions, loginThrottle, pairingCodes, sfu, consultations, notifier, routingSettings, audit, settings, stills, documents, forms, recorder, clerkPins, reservations, publicBooking, clock }: ApiDependencies): Router {
  const api = Router();

  const authenticate = (req: AuthedRequest, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    tokens
      .authenticate(token)
      .then((principal) => {
        req.principal = principal;
        next();
      })
      .catch(next);
  };

  const requireRole =
    (...roles: StaffRole[]) =>
    (req: AuthedRequest, _res: Response, next: NextFunction) => {
      const principal = req.principal;
      if (principal?.kind === 'staff' && roles.includes(principal.role)) return next();
      next(new ProtocolError('FORBIDDEN', 'not allowed for this account'));
    };

  // No token: a resident's own browser (PUBLIC_BOOKING).
  if (publicBooking) api.use('/public/booking', createPublicBookingRouter(publicBooking));
  api.use('/health', createHealthRouter({ sfu, recorder, probe: databaseProbe }));
  api.use('/devices', createDevicePairingRouter({ db, tokens, notifier, audit, pairingCodes, loginThrottle }));

  api.post('/auth/login', async (req, res) => {
    const { username, password } = parseBody(LoginRequest, req.body);
    const address = req.ip ?? 'unknown';
    await loginThrottle.check(address, username);
    const staff = await db.staff.findUnique({
      where: { username },
      include: { departments: { include: { department: true } } },
    });
    const valid = await loginThrottle.gate(async () => verifyPassword(password, staff?.passwordHash ?? (await hashForUnknownUser())));
    if (!staff || !staff.active || !valid) {
      await loginThrottle.recordFailure(address, username);
      throw new ProtocolError('UNAUTHORIZED', 'ユーザー名またはパスワードが違います');
    }
    await loginThrottle.recordSuccess(address, username);
    const role = staff.role as StaffRole;
    const body: LoginResponse = {
      token: await tokens.issueStaffToken({ id: staff.id, role }),
      staff: {
        id: staff.id,
        username: staff.username,
        displayName: staff.displayName,
        role,
        departments: staff.departments.map(({ department }) => ({
          id: department.id,
          code: department.code,
          name: department.name,
        })),
      },
    };
    res.json(body);
  });

  /** This tab's session ends (its token is refused from now on); the staff member's other sessions go on. */
  api.post('/auth/logout', authenticate, async (req: AuthedRequest, res) => {
    parseBody(EmptyRequest, req.body ?? {});
    const principal = req.principal;
    if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff token required');
    await sessions.end(principal.sessionId, 'logged_out');
    await audit.write({ staffId: principal.staffId, action: 'session.logout', targetId: principal.sessionId });
    res.status(204).end();
  });

  api.get('/departments', authenticate, async (_req, res) => {
    const departments = await db.department.findMany({ where: { active: true }, orderBy: { sortOrder: 'asc' } });
    const body: DepartmentsResponse = {
      departments: departments.map(({ id, code, name, kioskText }) => ({ id, code, name, kioskText })),
    };
    res.json(body);
  });

  api.get('/device/me', authenticate, async (req: AuthedRequest, res) => {
    const principal = req.principal;
    if (principal?.kind !== 'device') throw new ProtocolError('FORBIDDEN', 'device token required');
    const device = await db.device.findUniqueOrThrow({ where: { id: principal.deviceId }, include: { site: true } });
    // "Last seen" is a convenience: a tablet must still start while another process holds the write lock.
    await db.device.update({ where: { id: device.id }, data: { lastSeenAt: new Date() } }).catch((error: unknown) => {
      if (!databaseFault(error)) throw error;
    });
    const body: DeviceProfile = { id: device.id, name: device.name, site: { id: device.site.id, name: device.site.name } };
    res.json(body);
  });

  api.use('/admin/devices', authenticate, requireRole('admin'), createDevicesAdminRouter({ db, tokens, consultations, notifier, audit, pairingCodes }));
  api.use('/admin/staff', authenticate, requireRole('admin'), createStaffAdminRouter({ db, consultations, sessions, audit }));
  api.use('/admin/sites', authenticate, requireRole('admin'), createSitesAdminRouter({ db, notifier, audit, clerkPins }));
  api.use('/admin/departments', authenticate, requireRole('admin'), createDepartmentsAdminRouter({ db, consultations, audit }));

  api.get('/admin/sfu', authenticate, requireRole('admin', 'supervisor'), async (_req, res) => {
    const body: SfuStats = { workers: await sfu.stats() };
    res.json(body);
  });

  api.use('/admin/routing', authenticate, requireRole('admin', 'supervisor'), createRoutingAdminRouter({ db, consultations, routingSettings, audit }));
  api.use('/supervisor/wallboard', authenticate, requireRole('supervisor', 'admin'), createWallboardRouter({ db, consultations, settings, clock }));
  api.use('/departments', authenticate, requireRole('operator', 'supervisor', 'admin'), createCategoriesRouter({ db }));
  api.use('/consultations', authenticate, requireRole('operator'), createNotesRouter({ db, recorder, clock }));
  api.use('/callbacks', authenticate, requireRole('operator', 'supervisor', 'admin'), createCallbacksRouter({ db, audit }));
  api.use('/stills', authenticate, createStillsRouter(stills));
  api.use('/documents', authenticate, createDocumentsRouter(documents));
  api.use('/forms', authenticate, createFormsRouter(forms));
  api.use('/records', authenticate, createRecordsRouter({ db, audit, settings }));
  api.use('/admin/settings', authenticate, createSettingsRouter({ settings }));
  api.use('/audit', authenticate, requireRole('admin'), createAuditRouter({ db }));
  api.use('/reservations', authenticate, createReservationsRouter({ reservations, audit }));

  return api;
}

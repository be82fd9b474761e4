import { Router } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import {
  Id,
  IssueDeviceTokenRequest,
  PairByCodeRequest,
  ProtocolError,
  type AdminDevice,
  type PairByCodeResponse,
  type PairingCodeResponse,
  type AdminDevicesResponse,
  type IssueDeviceTokenResponse,
  type ReissueDeviceTokenResponse,
  type RevokeDeviceResponse,
} from '@madoguchi/protocol';
import type { LoginThrottle } from '../auth/LoginThrottle.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { PairingCodeStore } from '../PairingCodes.ts';
import type { ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import { issueDeviceToken, reissueDeviceToken, revokeDevice } from '../devices.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { AuthedRequest } from './routes.ts';
import { parseBody } from './errors.ts';

export interface DevicesApiDependencies {
  db: PrismaClient;
  tokens: TokenService;
  consultations: ConsultationService;
  notifier: Pick<Notifier, 'disconnectDevice'>;
  audit: AuditLog;
  pairingCodes: PairingCodeStore;
}

/**
 * /api/admin/devices (admins): the city's tablets — list, register (the token is shown once), a new
 * token (re-pairing; the old one stops working), a one-time pairing code (the same, typed as 8 digits
 * on the tablet) and revoke (a lost or retired tablet). Every change is audited; a tablet whose token
 * stops working is disconnected at once.
 */
export function createDevicesAdminRouter({ db, tokens, consultations, notifier, audit, pairingCodes }: DevicesApiDependencies): Router {
  const router = Router();
  const adminOf = (req: AuthedRequest) => (req.principal as StaffPrincipal).staffId;

  const view = (
    device: { id: string; name: string; createdAt: Date; lastSeenAt: Date | null; revokedAt: Date | null; site: { id: string; name: string } },
    online: ReadonlySet<string>,
  ): AdminDevice => ({
    id: device.id,
    name: device.name,
    site: { id: device.site.id, name: device.site.name },
    createdAt: device.createdAt.toISOString(),
    lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
    revokedAt: device.revokedAt?.toISOString() ?? null,
    online: online.has(device.id),
  });
  const load = async (id: string) => {
    const device = await db.device.findUnique({ where: { id }, include: { site: true } });
    if (!device) throw new ProtocolError('NOT_FOUND', 'no such tablet');
    return device;
  };

  router.get('/', async (_req, res) => {
    const [sites, devices] = await Promise.all([
      db.site.findMany({ where: { active: true }, orderBy: { name: 'asc' }, select: { id: true, name: true } }), // where a tablet may be registered
      db.device.findMany({ include: { site: true }, orderBy: [{ revokedAt: 'asc' }, { name: 'asc' }] }),
    ]);
    const { onlineDevices } = consultations.liveSnapshot();
    const body: AdminDevicesResponse = { sites, devices: devices.map((device) => view(device, onlineDevices)) };
    res.json(body);
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const { siteId, name } = parseBody(IssueDeviceTokenRequest, req.body);
    const body: IssueDeviceTokenResponse = await issueDeviceToken(db, tokens, { siteId, name });
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: body.device.id, details: { change: 'device.register', siteId, name } });
    res.status(201).json(body);
  });

  router.post('/:id/token', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    await load(id);
    const token = await reissueDeviceToken(db, tokens, id);
    notifier.disconnectDevice(id);
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'device.reissue' } });
    const body: ReissueDeviceTokenResponse = { device: view(await load(id), consultations.liveSnapshot().onlineDevices), token };
    res.json(body);
  });

  router.post('/:id/pairing-code', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    await load(id);
    const { code, expiresAt } = await pairingCodes.issue(id, adminOf(req));
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'device.pairing_code' } });
    const body: PairingCodeResponse = { device: view(await load(id), consultations.liveSnapshot().onlineDevices), code, expiresAt: expiresAt.toISOString() };
    res.json(body);
  });

  router.post('/:id/revoke', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const before = await load(id);
    if (!before.revokedAt) {
      await revokeDevice(db, id);
      notifier.disconnectDevice(id);
      await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: id, details: { change: 'device.revoke', name: before.name } });
    }
    const body: RevokeDeviceResponse = { device: view(await load(id), consultations.liveSnapshot().onlineDevices) };
    res.json(body);
  });

  return router;
}

/** The login throttle's key for pairing attempts: longer than a username may be, so no login shares its count. */
const PAIRING_ATTEMPTS = '(tablet pairing codes: a key longer than the 64 characters a username may have)';

/**
 * POST /api/devices/pair (no token: the tablet has none yet): a pairing code for the tablet's new
 * token. As a new token from the admin: earlier tokens stop working and their connection ends. A
 * wrong or expired code counts as a failed login of the address, so codes cannot be guessed.
 */
export function createDevicePairingRouter({
  db,
  tokens,
  notifier,
  audit,
  pairingCodes,
  loginThrottle,
}: Omit<DevicesApiDependencies, 'consultations'> & { loginThrottle: LoginThrottle }): Router {
  const router = Router();
  router.post('/pair', async (req, res) => {
    const address = req.ip ?? 'unknown';
    await loginThrottle.check(address, PAIRING_ATTEMPTS);
    const { code } = parseBody(PairByCodeRequest, req.body);
    const pairing = await pairingCodes.redeem(code);
    if (!pairing) {
      await loginThrottle.recordFailure(address, PAIRING_ATTEMPTS);
      throw new ProtocolError('UNAUTHORIZED', 'wrong or expired pairing code');
    }
    const token = await reissueDeviceToken(db, tokens, pairing.deviceId);
    notifier.disconnectDevice(pairing.deviceId);
    await audit.write({ staffId: pairing.issuedBy, action: 'config.change', targetId: pairing.deviceId, details: { change: 'device.paired_by_code', address } });
    const body: PairByCodeResponse = { token };
    res.json(body);
  });
  return router;
}

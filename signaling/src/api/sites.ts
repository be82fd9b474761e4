import { Router } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import {
  CreateSiteRequest,
  Id,
  ProtocolError,
  SetClerkPinRequest,
  SiteKind,
  UpdateSiteRequest,
  type AdminSite,
  type AdminSiteResponse,
  type AdminSitesResponse,
} from '@madoguchi/protocol';
import type { ClerkPins } from '../clerk/ClerkPins.ts';
import type { Notifier } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { adminOf } from './adminRequest.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

export interface SitesApiDependencies {
  db: PrismaClient;
  notifier: Pick<Notifier, 'disconnectDevice'>;
  audit: AuditLog;
  clerkPins: Pick<ClerkPins, 'set'>;
}

/**
 * /api/admin/sites (admins): where the city's tablets stand — list, create, rename, describe,
 * disable and enable. A site is never deleted (its consultations point at it); a disabled site's
 * tablets are refused and disconnected at once; its clerk PIN is set or removed (only its hash is
 * kept, and the trail never holds it). Every change is audited.
 */
export function createSitesAdminRouter({ db, notifier, audit, clerkPins }: SitesApiDependencies): Router {
  const router = Router();

  const WITH_DEVICES = { _count: { select: { devices: { where: { revokedAt: null } } } } } as const;
  type SiteRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;
  const loadRow = (id: string) => db.site.findUnique({ where: { id }, include: WITH_DEVICES });
  const load = async (id: string): Promise<SiteRow> => {
    const site = await loadRow(id);
    if (!site) throw new ProtocolError('NOT_FOUND', 'no such site');
    return site;
  };
  const view = (site: SiteRow): AdminSite => ({
    id: site.id,
    name: site.name,
    kind: SiteKind.parse(site.kind),
    description: site.description,
    active: site.active,
    devices: site._count.devices,
    clerkPinSet: site.clerkPinHash !== null,
  });
  /** Two sites of one name would be told apart by nobody (tablet lists, records, statistics). */
  const checkNameFree = async (name: string, except?: string) => {
    if (await db.site.findFirst({ where: { name, ...(except ? { id: { not: except } } : {}) } })) {
      throw new ProtocolError('CONFLICT', `a site named ${name} already exists`);
    }
  };

  router.get('/', async (_req, res) => {
    const sites = await db.site.findMany({ include: WITH_DEVICES, orderBy: [{ active: 'desc' }, { name: 'asc' }] });
    const body: AdminSitesResponse = { sites: sites.map(view) };
    res.json(body);
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const input = parseBody(CreateSiteRequest, req.body);
    await checkNameFree(input.name);
    const site = await db.site.create({ data: input });
    await audit.write({ staffId: adminOf(req), action: 'config.change', targetId: site.id, details: { change: 'site.create', ...input } });
    const body: AdminSiteResponse = { site: view(await load(site.id)) };
    res.status(201).json(body);
  });

  router.patch('/:id', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const change = parseBody(UpdateSiteRequest, req.body);
    const before = await load(id);
    if (change.name !== undefined) await checkNameFree(change.name, id);
    await db.site.update({ where: { id }, data: change });
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: id,
      details: { change: 'site.update', before: { name: before.name, kind: before.kind, description: before.description, active: before.active }, after: change },
    });
    if (change.active === false && before.active) {
      const devices = await db.device.findMany({ where: { siteId: id }, select: { id: true } });
      for (const device of devices) notifier.disconnectDevice(device.id);
    }
    const body: AdminSiteResponse = { site: view(await load(id)) };
    res.json(body);
  });

  const setClerkPin = async (req: AuthedRequest, pin: string | null): Promise<AdminSiteResponse> => {
    const id = parseBody(Id, req.params.id);
    const before = await load(id);
    await clerkPins.set(id, pin);
    await audit.write({
      staffId: adminOf(req),
      action: 'config.change',
      targetId: id,
      details: { change: 'site.clerkPin', site: before.name, pinSet: pin !== null },
    });
    return { site: view(await load(id)) };
  };
  router.put('/:id/clerk-pin', async (req: AuthedRequest, res) => {
    const { pin } = parseBody(SetClerkPinRequest, req.body);
    res.json(await setClerkPin(req, pin));
  });
  router.delete('/:id/clerk-pin', async (req: AuthedRequest, res) => {
    res.json(await setClerkPin(req, null));
  });

  return router;
}

import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, type IssueDeviceTokenResponse } from '@madoguchi/protocol';
import type { TokenService } from './auth/TokenService.ts';

/** Register a tablet at a site and issue the token that is entered on it once. */
export async function issueDeviceToken(
  db: PrismaClient,
  tokens: TokenService,
  { siteId, name }: { siteId: string; name: string },
): Promise<IssueDeviceTokenResponse> {
  const site = await db.site.findUnique({ where: { id: siteId } });
  if (!site) throw new ProtocolError('NOT_FOUND', 'no such site');
  if (!site.active) throw new ProtocolError('CONFLICT', 'the site is disabled: enable it first');
  const device = await db.device.create({ data: { siteId, name } });
  return {
    device: { id: device.id, name: device.name, site: { id: site.id, name: site.name } },
    token: tokens.issueDeviceToken(device),
  };
}

/** A new token for an existing tablet; earlier tokens of that tablet stop working. */
export async function reissueDeviceToken(db: PrismaClient, tokens: TokenService, deviceId: string): Promise<string> {
  const device = await db.device.update({
    where: { id: deviceId },
    data: { tokenVersion: { increment: 1 }, revokedAt: null },
  });
  return tokens.issueDeviceToken(device);
}

/** A lost or retired tablet: its tokens stop working (a new token brings it back). */
export async function revokeDevice(db: PrismaClient, deviceId: string): Promise<void> {
  await db.device.update({ where: { id: deviceId }, data: { revokedAt: new Date() } });
}

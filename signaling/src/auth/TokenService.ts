import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, StaffRole } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { DevicePrincipal, Principal, StaffPrincipal } from './principal.ts';

const logger = createLogger('auth');

const ISSUER = 'madoguchi';
const ALGORITHM = 'HS256';

const StaffClaims = z.object({ sub: z.string(), kind: z.literal('staff'), role: StaffRole });
const DeviceClaims = z.object({ sub: z.string(), kind: z.literal('device'), site: z.string(), ver: z.number().int() });

/**
 * Issues and verifies JWTs. Staff tokens expire; device tokens do not (they are entered once on a
 * tablet) but carry the device's token version, so bumping it or revoking the device locks them out.
 * Every verification also checks the database, so a disabled account, a revoked device or a device of
 * a disabled site stops at once;
 * when the database cannot answer, that is UNAVAILABLE, never UNAUTHORIZED: a tablet told its token
 * is bad forgets it, and a clerk would have to pair it again.
 */
export class TokenService {
  readonly #secret: string;
  readonly #db: PrismaClient;
  readonly #staffTtl: string;

  constructor(db: PrismaClient, secret: string, staffTtl: string) {
    this.#db = db;
    this.#secret = secret;
    this.#staffTtl = staffTtl;
  }

  issueStaffToken(staff: { id: string; role: StaffRole }): string {
    return jwt.sign({ kind: 'staff', role: staff.role }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: 'staff',
      subject: staff.id,
      expiresIn: this.#staffTtl as jwt.SignOptions['expiresIn'],
    });
  }

  issueDeviceToken(device: { id: string; siteId: string; tokenVersion: number }): string {
    return jwt.sign({ kind: 'device', site: device.siteId, ver: device.tokenVersion }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: 'device',
      subject: device.id,
    });
  }

  /** Verify a token and load the principal it names; throws UNAUTHORIZED for anything wrong, UNAVAILABLE when the database cannot tell. */
  async authenticate(token: unknown): Promise<Principal> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ProtocolError('UNAUTHORIZED', 'missing token');
    }
    let claims: unknown;
    try {
      claims = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER, audience: ['staff', 'device'] });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new ProtocolError('UNAUTHORIZED', expired ? 'token expired' : 'invalid token');
    }
    const staff = StaffClaims.safeParse(claims);
    if (staff.success) return this.#staffPrincipal(staff.data.sub);
    const device = DeviceClaims.safeParse(claims);
    if (device.success) return this.#devicePrincipal(device.data.sub, device.data.ver);
    throw new ProtocolError('UNAUTHORIZED', 'invalid token');
  }

  async #staffPrincipal(staffId: string): Promise<StaffPrincipal> {
    const staff = await this.#lookUp(() => this.#db.staff.findUnique({ where: { id: staffId }, include: { departments: true } }));
    if (!staff || !staff.active) throw new ProtocolError('UNAUTHORIZED', 'account disabled');
    return {
      kind: 'staff',
      staffId: staff.id,
      role: StaffRole.parse(staff.role),
      displayName: staff.displayName,
      departmentIds: staff.departments.filter((m) => m.skill !== 'secondary').map((m) => m.departmentId),
      secondaryDepartmentIds: staff.departments.filter((m) => m.skill === 'secondary').map((m) => m.departmentId),
    };
  }

  async #devicePrincipal(deviceId: string, version: number): Promise<DevicePrincipal> {
    const device = await this.#lookUp(() =>
      this.#db.device.findUnique({ where: { id: deviceId }, include: { site: { select: { name: true, active: true } } } }),
    );
    if (!device || device.revokedAt || device.tokenVersion !== version) {
      throw new ProtocolError('UNAUTHORIZED', 'device token revoked');
    }
    if (!device.site.active) throw new ProtocolError('UNAUTHORIZED', 'the tablet’s site is disabled');
    return { kind: 'device', deviceId: device.id, siteId: device.siteId, siteName: device.site.name };
  }

  /** A lookup that decides a verdict: without an answer from the database there is none. */
  async #lookUp<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      logger.warn('token not checked, the database did not answer:', error instanceof Error ? error.message.trim().split('\n').at(-1) : error);
      throw new ProtocolError('UNAVAILABLE', 'the server cannot check the token just now; try again shortly');
    }
  }
}

import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, StaffRole } from '@madoguchi/protocol';
import { lookUpForVerdict } from './databaseVerdict.ts';
import type { DevicePrincipal, Principal } from './principal.ts';
import type { StaffSessions } from './StaffSessions.ts';

/** What token checks need of the staff's sessions (a command that issues only tablet tokens has none). */
export type StaffSessionStore = Pick<StaffSessions, 'start' | 'principal'>;

export const ISSUER = 'madoguchi';
export const ALGORITHM = 'HS256';

const StaffClaims = z.object({ sub: z.string(), jti: z.string(), kind: z.literal('staff'), role: StaffRole, iat: z.number(), exp: z.number() });
const DeviceClaims = z.object({ sub: z.string(), kind: z.literal('device'), site: z.string(), ver: z.number().int() });

/**
 * Issues and verifies JWTs. A staff token names its login session (`jti`), which every check asks
 * StaffSessions about, so a logout, a disabled account or an admin's sign-out stops it at once; it
 * also expires. Device tokens do not expire (they are entered once on a tablet) but carry the
 * device's token version, so bumping it or revoking the device locks them out; every check reads the
 * device, so a revoked device or a device of a disabled site stops at once.
 * When the database cannot answer, that is UNAVAILABLE, never UNAUTHORIZED: a tablet told its token
 * is bad forgets it, and a clerk would have to pair it again.
 */
export class TokenService {
  readonly #secret: string;
  readonly #db: PrismaClient;
  readonly #staffTtl: string;
  readonly #sessions: StaffSessionStore;

  constructor(db: PrismaClient, secret: string, staffTtl: string, sessions: StaffSessionStore) {
    this.#db = db;
    this.#secret = secret;
    this.#staffTtl = staffTtl;
    this.#sessions = sessions;
  }

  /** A login: a new session, valid until its token expires or it is ended. */
  async issueStaffToken(staff: { id: string; role: StaffRole }): Promise<string> {
    const sessionId = randomUUID();
    const token = jwt.sign({ kind: 'staff', role: staff.role }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: 'staff',
      subject: staff.id,
      jwtid: sessionId,
      expiresIn: this.#staffTtl as jwt.SignOptions['expiresIn'],
    });
    const { iat, exp } = StaffClaims.parse(jwt.decode(token));
    await this.#sessions.start(sessionId, staff.id, (exp - iat) * 1000);
    return token;
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
    if (staff.success) return this.#sessions.principal(staff.data.jti, staff.data.sub);
    const device = DeviceClaims.safeParse(claims);
    if (device.success) return this.#devicePrincipal(device.data.sub, device.data.ver);
    throw new ProtocolError('UNAUTHORIZED', 'invalid token');
  }

  async #devicePrincipal(deviceId: string, version: number): Promise<DevicePrincipal> {
    const device = await lookUpForVerdict(() =>
      this.#db.device.findUnique({ where: { id: deviceId }, include: { site: { select: { name: true, active: true } } } }),
    );
    if (!device || device.revokedAt || device.tokenVersion !== version) {
      throw new ProtocolError('UNAUTHORIZED', 'device token revoked');
    }
    if (!device.site.active) throw new ProtocolError('UNAUTHORIZED', 'the tablet’s site is disabled');
    return { kind: 'device', deviceId: device.id, siteId: device.siteId, siteName: device.site.name };
  }
}

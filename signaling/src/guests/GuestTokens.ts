import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { GuestKind, type GuestRefusalReason } from '@madoguchi/protocol';
import { ALGORITHM, ISSUER } from '../auth/TokenService.ts';

/** The audience of a guest's link: no staff or device check accepts it, and no guest check accepts theirs. */
export const GUEST_AUDIENCE = 'guest';

const GuestClaims = z.object({
  /** The invitation (GuestDesk's record of it): revoked there, the token is dead whatever its expiry. */
  jti: z.string().min(1).max(64),
  kind: z.literal('guest'),
  /** The one consultation the guest may join. */
  cid: z.string().min(1).max(64),
  /** What the guest is to the call. */
  gk: GuestKind,
  exp: z.number(),
});

export interface GuestTokenClaims {
  guestId: string;
  consultationId: string;
  guestKind: GuestKind;
  expiresAt: Date;
  /** The link was not opened in time (the caller decides whether that matters: an opened link lives on). */
  expired: boolean;
}

/** Why a token is no link of ours (the page says so in words). */
export class GuestTokenRefused extends Error {
  readonly reason: GuestRefusalReason;
  constructor(reason: GuestRefusalReason) {
    super(reason);
    this.name = 'GuestTokenRefused';
    this.reason = reason;
  }
}

/**
 * A guest's link: a JWT signed with the server's own secret (as staff and device tokens are), with
 * the audience `guest`, scoped to one consultation and one kind, expiring soon. It proves only
 * that the server issued it: whether it still works is GuestDesk's (revocation, one browser).
 */
export class GuestTokens {
  readonly #secret: string;
  readonly #now: () => Date;

  constructor(secret: string, now: () => Date) {
    this.#secret = secret;
    this.#now = now;
  }

  issue(invite: { guestId: string; consultationId: string; kind: GuestKind; expiresAt: Date }): string {
    const iat = Math.floor(this.#now().getTime() / 1000);
    return jwt.sign({ kind: 'guest', cid: invite.consultationId, gk: invite.kind, iat, exp: Math.floor(invite.expiresAt.getTime() / 1000) }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: GUEST_AUDIENCE,
      jwtid: invite.guestId,
    });
  }

  /** The token's claims if we signed it for a guest (expired or not); anything else is refused as `invalid`. */
  verify(token: unknown): GuestTokenClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new GuestTokenRefused('invalid');
    let decoded: unknown;
    try {
      // Expiry is judged against the domain's clock below, not jsonwebtoken's.
      decoded = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER, audience: GUEST_AUDIENCE, ignoreExpiration: true });
    } catch {
      throw new GuestTokenRefused('invalid');
    }
    const claims = GuestClaims.safeParse(decoded);
    if (!claims.success) throw new GuestTokenRefused('invalid');
    const expiresAt = new Date(claims.data.exp * 1000);
    return {
      guestId: claims.data.jti,
      consultationId: claims.data.cid,
      guestKind: claims.data.gk,
      expiresAt,
      expired: expiresAt.getTime() <= this.#now().getTime(),
    };
  }
}

import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError, SessionEndReason, StaffRole } from '@madoguchi/protocol';
import type { Clock } from '../clock.ts';
import { createLogger } from '@madoguchi/protocol/logger';
import type { ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import { lookUpForVerdict } from './databaseVerdict.ts';
import type { StaffPrincipal } from './principal.ts';
import type { SessionChange, SessionChanges } from './SessionChanges.ts';

const logger = createLogger('auth');

/**
 * With other nodes, a remembered session is read again after this long: the bound on how long a
 * node accepts a token another node ended while the change could not reach it (Redis cut).
 */
export const SHARED_MEMORY_MS = 30_000;

/** A session's token was refused because the session was ended on purpose; `reason` says why. */
export class SessionEnded extends ProtocolError {
  readonly reason: SessionEndReason;
  constructor(reason: SessionEndReason) {
    super('UNAUTHORIZED', `session ended: ${reason}`);
    this.name = 'SessionEnded';
    this.reason = reason;
  }
}

interface ValidSession {
  expiresAt: number;
  checkedAt: number;
  principal: StaffPrincipal;
}

export interface StaffSessionsOptions {
  db: PrismaClient;
  clock: Clock;
  notifier: Pick<Notifier, 'endSession' | 'endStaffSession'>;
  consultations: Pick<ConsultationService, 'staffSignedOut'>;
  /** Other signaling nodes share the database: how ends and changes reach them, and theirs reach this node. */
  changes?: SessionChanges;
}

/**
 * The staff's login sessions: one row per login (StaffSession), named by the token's `jti`, checked
 * on every REST call and every socket event. Valid sessions are kept in memory once checked, so a
 * check is a map lookup; every end goes through here (database first, then memory, then the
 * sockets), so memory never says "valid" for an ended session. After a restart the database is the
 * truth and memory fills again on first use. A database that cannot answer is UNAVAILABLE, never a
 * verdict. With other nodes (`changes`), each end is announced to them and theirs forget what this
 * node remembers; as announcements can be lost, a remembered session is also read again after
 * SHARED_MEMORY_MS.
 */
export class StaffSessions {
  readonly #db: PrismaClient;
  readonly #clock: Clock;
  readonly #notifier: StaffSessionsOptions['notifier'];
  readonly #consultations: StaffSessionsOptions['consultations'];
  readonly #changes: SessionChanges | undefined;
  readonly #valid = new Map<string, ValidSession>();
  readonly #sessionsOfStaff = new Map<string, Set<string>>();
  /**
   * Bumped by every end or staff change: a check that read the database before it must not put its
   * (now stale) answer into memory.
   */
  #revision = 0;

  constructor({ db, clock, notifier, consultations, changes }: StaffSessionsOptions) {
    this.#db = db;
    this.#clock = clock;
    this.#notifier = notifier;
    this.#consultations = consultations;
    this.#changes = changes;
  }

  /** Starts hearing the other nodes' ends and changes (with `changes` only). */
  async listen(): Promise<void> {
    await this.#changes?.listen({
      changed: (change) => this.#forgetChanged(change),
      missed: () => {
        this.#revision++;
        this.#valid.clear();
        this.#sessionsOfStaff.clear();
      },
    });
  }

  /**
   * A new login, good for `lifetimeMs` on this server's clock (the one its checks use): the session
   * exists in the database before its token is handed out.
   */
  async start(sessionId: string, staffId: string, lifetimeMs: number): Promise<void> {
    const createdAt = this.#clock.now();
    const expiresAt = new Date(createdAt.getTime() + lifetimeMs);
    await this.#db.staffSession.create({ data: { id: sessionId, staffId, expiresAt, createdAt } });
    this.#forgetExpired();
  }

  /** Stops hearing the other nodes. */
  async close(): Promise<void> {
    await this.#changes?.close();
  }

  /** The principal of a valid session; UNAUTHORIZED (SessionEnded when ended on purpose), or UNAVAILABLE. */
  async principal(sessionId: string, staffId: string): Promise<StaffPrincipal> {
    const now = this.#clock.now().getTime();
    const known = this.#valid.get(sessionId);
    if (known && known.principal.staffId === staffId) {
      if (known.expiresAt <= now) {
        this.#forget(sessionId);
        throw new ProtocolError('UNAUTHORIZED', 'token expired');
      }
      if (!this.#changes || now - known.checkedAt < SHARED_MEMORY_MS) return known.principal;
      this.#forget(sessionId);
    }
    const revision = this.#revision;
    const row = await lookUpForVerdict(() =>
      this.#db.staffSession.findUnique({ where: { id: sessionId }, include: { staff: { include: { departments: true } } } }),
    );
    if (!row || row.staffId !== staffId) throw new ProtocolError('UNAUTHORIZED', 'no such session');
    if (row.endedAt) throw new SessionEnded(SessionEndReason.catch('logged_out').parse(row.endReason));
    if (!row.staff.active) throw new SessionEnded('account_disabled');
    if (row.expiresAt.getTime() <= now) throw new ProtocolError('UNAUTHORIZED', 'token expired');
    const { staff } = row;
    const principal: StaffPrincipal = {
      kind: 'staff',
      sessionId,
      staffId,
      role: StaffRole.parse(staff.role),
      displayName: staff.displayName,
      departmentIds: staff.departments.filter((m) => m.skill !== 'secondary').map((m) => m.departmentId),
      secondaryDepartmentIds: staff.departments.filter((m) => m.skill === 'secondary').map((m) => m.departmentId),
    };
    if (revision === this.#revision) this.#remember(sessionId, { expiresAt: row.expiresAt.getTime(), checkedAt: now, principal });
    return principal;
  }

  /** One session ends (a logout): that tab's sockets are told why and closed; the staff member's other sessions go on. */
  async end(sessionId: string, reason: SessionEndReason): Promise<void> {
    await this.#db.staffSession.updateMany({ where: { id: sessionId, endedAt: null }, data: { endedAt: this.#clock.now(), endReason: reason } });
    this.#forgetChanged({ sessionId });
    this.#announce({ sessionId });
    this.#notifier.endSession(sessionId, reason);
  }

  /**
   * Every session of a staff member ends (disabled, changed, new password, signed out by an admin).
   * An operator in a call is not coming back to it: the resident is handed on before the consoles
   * close. Returns how many sessions were valid.
   */
  async endAll(staffId: string, reason: SessionEndReason): Promise<number> {
    const { count } = await this.#db.staffSession.updateMany({
      where: { staffId, endedAt: null, expiresAt: { gt: this.#clock.now() } },
      data: { endedAt: this.#clock.now(), endReason: reason },
    });
    this.#forgetChanged({ staffId });
    this.#announce({ staffId });
    this.#consultations.staffSignedOut(staffId);
    this.#notifier.endStaffSession(staffId, reason);
    return count;
  }

  /** The account changed in a way that leaves its sessions valid (its name): the next check reads it again. */
  staffChanged(staffId: string): void {
    this.#forgetChanged({ staffId });
    this.#announce({ staffId });
  }

  #forgetChanged(change: SessionChange): void {
    this.#revision++;
    if ('sessionId' in change) this.#forget(change.sessionId);
    else for (const sessionId of [...(this.#sessionsOfStaff.get(change.staffId) ?? [])]) this.#forget(sessionId);
  }

  /**
   * The end already holds in the database; a node that could not be told reads it again within
   * SHARED_MEMORY_MS, so a failed announcement is logged, not the caller's failure.
   */
  #announce(change: SessionChange): void {
    this.#changes?.announce(change).catch((error: unknown) => {
      logger.warn(`could not tell the other nodes that staff sessions changed (they read them again within ${SHARED_MEMORY_MS / 1000} s): ${(error as Error).message}`);
    });
  }

  #remember(sessionId: string, session: ValidSession): void {
    this.#valid.set(sessionId, session);
    const { staffId } = session.principal;
    const sessions = this.#sessionsOfStaff.get(staffId) ?? new Set();
    sessions.add(sessionId);
    this.#sessionsOfStaff.set(staffId, sessions);
  }

  #forget(sessionId: string): void {
    const session = this.#valid.get(sessionId);
    if (!session) return;
    this.#valid.delete(sessionId);
    const { staffId } = session.principal;
    const sessions = this.#sessionsOfStaff.get(staffId);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.#sessionsOfStaff.delete(staffId);
  }

  /** Tokens of tabs closed without a logout expire unseen: each login clears them from memory. */
  #forgetExpired(): void {
    const now = this.#clock.now().getTime();
    for (const [sessionId, session] of this.#valid) if (session.expiresAt <= now) this.#forget(sessionId);
  }
}

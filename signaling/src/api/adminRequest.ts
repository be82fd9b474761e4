import { ProtocolError } from '@madoguchi/protocol';
import type { AuthedRequest } from './routes.ts';

/** The admin making a request (mounted behind requireRole('admin')): the audit trail's actor. */
export function adminOf(req: AuthedRequest): string {
  if (req.principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff only');
  return req.principal.staffId;
}

/** A Prisma unique-constraint violation: a name or code that is already taken. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'P2002';
}

import { Prisma } from '@madoguchi/db';
import type { ConsultationEventType } from './ConsultationRecorder.ts';

/**
 * Need-to-know: the events by which a staff member takes part in a consultation — answering it (first,
 * after a transfer, or taking over from a colleague who left) or joining it as the invited specialist.
 * Being offered it, declining the offer or letting it time out grants nothing: such an operator never
 * saw the resident, so the record, its chat, notes and stills are none of their business.
 */
export const PARTICIPATION_EVENTS = ['answered', 'specialist_joined'] as const satisfies readonly ConsultationEventType[];

/** Prisma condition on ConsultationEvent: this staff member's participation events. */
export function participationEventsOf(staffId: string) {
  return { actorType: 'staff', actorId: staffId, type: { in: [...PARTICIPATION_EVENTS] } } satisfies Prisma.ConsultationEventWhereInput;
}

/** The same condition in SQL, on a ConsultationEvent aliased `e`. */
export function participationSql(staffId: string): Prisma.Sql {
  return Prisma.sql`e."actorId" = ${staffId} AND e."actorType" = 'staff' AND e.type IN (${Prisma.join([...PARTICIPATION_EVENTS])})`;
}

import type { PrismaClient } from '@madoguchi/db';

/** A consultation the database says was open when the server stopped (cleanly or not). */
export interface HeldConsultation {
  id: string;
  deviceId: string;
  site: { id: string; name: string };
  /** The department it waits for or is served by now (a transfer moves it). */
  department: { id: string; code: string; name: string };
  requestedAt: Date;
  /** The call that was connected: who led it and since when; null while it was waiting. */
  call: { operatorId: string; operatorName: string; answeredAt: Date; skills: { primary: string[]; secondary: string[] } } | null;
  /** When it was put on hold: the shutdown's `held` event, or (after a crash) its last event. */
  heldSince: Date;
  /** The server stopped cleanly and wrote `held`; false after a crash. */
  heldCleanly: boolean;
}

/** Events that change who serves the resident, read in order to know where the consultation stood. */
interface EventRow {
  type: string;
  at: Date;
  actorId: string | null;
  data: string | null;
}

function departmentOf(event: EventRow, key: string): string | null {
  if (!event.data) return null;
  const value = (JSON.parse(event.data) as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

/**
 * Every consultation left open in the database, with where it stood: waiting for a department, or
 * in a call led by an operator (the last answer not followed by a transfer or that operator leaving).
 */
export async function loadHeldConsultations(db: PrismaClient): Promise<HeldConsultation[]> {
  const rows = await db.consultation.findMany({
    where: { endedAt: null },
    include: { site: true, department: true, events: { orderBy: { id: 'asc' }, select: { type: true, at: true, actorId: true, data: true } } },
    orderBy: { requestedAt: 'asc' },
  });
  const held: HeldConsultation[] = [];
  for (const row of rows) {
    let departmentId = row.departmentId;
    let lead: { operatorId: string; answeredAt: Date } | null = null;
    for (const event of row.events) {
      if (event.type === 'answered' && event.actorId) {
        lead = { operatorId: event.actorId, answeredAt: event.at };
        departmentId = departmentOf(event, 'departmentId') ?? departmentId;
      } else if (event.type === 'transferred') {
        lead = null;
        departmentId = departmentOf(event, 'toDepartmentId') ?? departmentId;
      } else if (event.type === 'operator_left' && event.actorId === lead?.operatorId) {
        lead = null; // a specialist carried on; restoring a three-party call is not attempted
      }
    }
    const department = departmentId === row.departmentId ? row.department : await db.department.findUnique({ where: { id: departmentId } });
    const last = row.events.at(-1);
    let call: HeldConsultation['call'] = null;
    if (lead) {
      const staff = await db.staff.findUnique({ where: { id: lead.operatorId }, include: { departments: true } });
      if (staff?.active) {
        call = {
          operatorId: staff.id,
          operatorName: staff.displayName,
          answeredAt: lead.answeredAt,
          skills: {
            primary: staff.departments.filter((m) => m.skill !== 'secondary').map((m) => m.departmentId),
            secondary: staff.departments.filter((m) => m.skill === 'secondary').map((m) => m.departmentId),
          },
        };
      }
    }
    held.push({
      id: row.id,
      deviceId: row.deviceId,
      site: { id: row.site.id, name: row.site.name },
      department: department ? { id: department.id, code: department.code, name: department.name } : { id: row.department.id, code: row.department.code, name: row.department.name },
      requestedAt: row.requestedAt,
      call,
      heldSince: last?.at ?? row.requestedAt,
      heldCleanly: last?.type === 'held',
    });
  }
  return held;
}

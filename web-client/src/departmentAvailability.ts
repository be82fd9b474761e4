import type { DepartmentAvailability } from '@madoguchi/protocol';

/** An estimated wait this long or longer is called busy on the department's button. */
export const BUSY_WAIT_SECONDS = 15 * 60;

/** What a department's button on the home screen says before a press; null: nothing (open, a short wait). */
export type DepartmentBadge =
  | { kind: 'closed'; nextOpeningAt: string | null }
  | { kind: 'noOperator' }
  | { kind: 'allAway' }
  | { kind: 'busy'; minutes: number };

/**
 * The button stays pressable whatever it says: a press of a closed or unstaffed department leads to
 * the refusal with its callback offer, and a resident may choose to wait for a busy one.
 */
export function departmentBadge(availability: DepartmentAvailability | undefined): DepartmentBadge | null {
  if (!availability) return null;
  if (availability.refusal === 'outside_hours') return { kind: 'closed', nextOpeningAt: availability.nextOpeningAt };
  if (availability.refusal === 'no_operator') return { kind: 'noOperator' };
  if (availability.allOperatorsAway) return { kind: 'allAway' };
  const wait = availability.estimatedWaitSeconds;
  if (wait !== null && wait >= BUSY_WAIT_SECONDS) return { kind: 'busy', minutes: Math.ceil(wait / 60) };
  return null;
}

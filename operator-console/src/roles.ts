import type { StaffRole } from '@madoguchi/protocol';

/**
 * The one place that decides what a staff role sees. Operators take calls (presence, offers,
 * video); supervisors and admins get the same idle screen without presence until their own
 * views (queues, 相談記録, administration) are built.
 */
export function takesCalls(role: StaffRole): boolean {
  return role === 'operator';
}

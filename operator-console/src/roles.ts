import type { StaffRole } from '@madoguchi/protocol';

/**
 * The one place that decides what a staff role sees. Operators take calls (presence, offers,
 * video); supervisors and admins get the supervisor console (相談記録, 統計, 設定), and admins
 * also the audit trail (監査ログ). The server enforces the same rules on every request.
 */
export function takesCalls(role: StaffRole): boolean {
  return role === 'operator';
}

export function seesAuditTrail(role: StaffRole): boolean {
  return role === 'admin';
}

export function changesSettings(role: StaffRole): boolean {
  return role === 'admin';
}

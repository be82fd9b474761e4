import type { StaffRole } from '@madoguchi/protocol';

/**
 * The one place that decides what a staff role sees. Operators take calls (presence, offers,
 * video); supervisors and admins get the supervisor console (相談記録, 統計, 受付設定, 設定: admins
 * change the settings, supervisors see them), and admins also the tablets (端末管理), the city's
 * staff, sites and departments (職員管理, 拠点管理, 担当課管理) and the audit trail (監査ログ). The
 * server enforces the same rules on every request.
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

export function managesDevices(role: StaffRole): boolean {
  return role === 'admin';
}

export function administersCity(role: StaffRole): boolean {
  return role === 'admin';
}

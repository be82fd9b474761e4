import type { StaffRole } from '@madoguchi/protocol';

/** Who is on the other end of a request, established from a verified token. */
export type Principal = DevicePrincipal | StaffPrincipal;

export interface DevicePrincipal {
  kind: 'device';
  deviceId: string;
  siteId: string;
}

export interface StaffPrincipal {
  kind: 'staff';
  staffId: string;
  role: StaffRole;
  displayName: string;
  /** Departments the staff member answers for. */
  departmentIds: string[];
}

export function principalKey(principal: Principal): string {
  return principal.kind === 'device' ? `device:${principal.deviceId}` : `staff:${principal.staffId}`;
}

import type { Sender, StaffRole } from '@madoguchi/protocol';

/** Who is on the other end of a request, established from a verified token. */
export type Principal = DevicePrincipal | StaffPrincipal;

export interface DevicePrincipal {
  kind: 'device';
  deviceId: string;
  siteId: string;
  /** The site's name when the tablet connected: what the console shows for its consultations. */
  siteName: string;
}

export interface StaffPrincipal {
  kind: 'staff';
  /** The login session the token names: one browser tab's, ended by its logout or by an admin. */
  sessionId: string;
  staffId: string;
  role: StaffRole;
  displayName: string;
  /** Departments the staff member answers for (primary skill). */
  departmentIds: string[];
  /** Departments the staff member helps with when their queue has waited a while (secondary skill). */
  secondaryDepartmentIds: string[];
}

export const deviceKey = (deviceId: string) => `device:${deviceId}`;
export const staffKey = (staffId: string) => `staff:${staffId}`;

export function principalKey(principal: Principal): string {
  return principal.kind === 'device' ? deviceKey(principal.deviceId) : staffKey(principal.staffId);
}

/** Which of protocol's senders the principal is: what each client event is checked against. */
export function senderOf(principal: Principal): Sender {
  if (principal.kind === 'device') return 'device';
  return principal.role === 'operator' ? 'operator' : 'supervisor';
}

import { z } from 'zod';
import { DepartmentSummary, Id, SiteSummary, StaffRole } from './domain.ts';

/** HTTP bodies and responses of the REST API. Errors are `{ error: WireError }` with a status code. */

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const StaffProfile = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  role: StaffRole,
  departments: z.array(DepartmentSummary),
});
export type StaffProfile = z.infer<typeof StaffProfile>;

export const LoginResponse = z.object({ token: z.string(), staff: StaffProfile });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const DeviceProfile = z.object({ id: Id, name: z.string(), site: SiteSummary });
export type DeviceProfile = z.infer<typeof DeviceProfile>;

export const DepartmentsResponse = z.object({ departments: z.array(DepartmentSummary) });
export type DepartmentsResponse = z.infer<typeof DepartmentsResponse>;

export const IssueDeviceTokenRequest = z.object({ siteId: Id, name: z.string().min(1).max(100) });
export type IssueDeviceTokenRequest = z.infer<typeof IssueDeviceTokenRequest>;
export const IssueDeviceTokenResponse = z.object({ device: DeviceProfile, token: z.string() });
export type IssueDeviceTokenResponse = z.infer<typeof IssueDeviceTokenResponse>;

export const ConsultationRecord = z.object({
  id: Id,
  site: SiteSummary,
  department: DepartmentSummary,
  deviceId: Id,
  operatorId: Id.nullable(),
  requestedAt: z.iso.datetime(),
  answeredAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  outcome: z.string().nullable(),
  events: z.array(z.object({ type: z.string(), at: z.iso.datetime(), actor: z.string() })),
});
export type ConsultationRecord = z.infer<typeof ConsultationRecord>;

/** Live media objects held by the SFU (admin/supervisor view and leak checks). */
export const SfuStats = z.object({
  workers: z.array(
    z.object({
      pid: z.number(),
      rooms: z.number(),
      routers: z.number(),
      transports: z.number(),
      producers: z.number(),
      consumers: z.number(),
      rssKiB: z.number().nullable(),
      failed: z.boolean(),
    }),
  ),
});
export type SfuStats = z.infer<typeof SfuStats>;

import { z } from 'zod';
import { DepartmentSummary, Id, SiteSummary, StaffRole, StillInfo } from './domain.ts';

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

/**
 * POST /api/stills?consultationId=…&requestId=… with the image as the raw body (Content-Type
 * image/jpeg or image/png), device token only: the still the operator asked for in this call.
 */
export const StillUploadQuery = z.object({ consultationId: Id, requestId: Id });
export type StillUploadQuery = z.infer<typeof StillUploadQuery>;
export const StillUploadResponse = z.object({ still: StillInfo });
export type StillUploadResponse = z.infer<typeof StillUploadResponse>;

/** Largest still accepted (a 4K PNG of a busy page is about 15 MB). */
export const STILL_MAX_BYTES = 20 * 1024 * 1024;
/** Largest width or height accepted: beyond any document camera, and bounds decoding cost. */
export const STILL_MAX_DIMENSION = 8192;

import { z } from 'zod';
import { DepartmentSummary, Id, SiteSummary, StaffRole } from './domain.ts';

/**
 * HTTP bodies of the city's administration (admins): staff accounts, sites and departments.
 * Request bodies are strict: an unknown key is a mistake the admin should hear about, not a
 * change silently dropped.
 */

const Name = z.string().trim().min(1).max(100);
const Description = z.string().trim().max(500);

// ── Staff ───────────────────────────────────────────────────────────────────

/** Login names: lower-case letters, digits and . _ -, as city IT departments issue them. */
export const Username = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, '2–32 lower-case letters, digits, . _ -');
/** A password an admin sets: long enough to resist guessing, short enough to type. */
export const NewPassword = z.string().min(10, 'at least 10 characters').max(128);

/** How a staff member serves a department: first (primary), or after the department's secondary delay. */
export const Skill = z.enum(['primary', 'secondary']);
export type Skill = z.infer<typeof Skill>;

export const StaffDepartmentSkills = z
  .array(z.strictObject({ departmentId: Id, skill: Skill }))
  .max(50)
  .refine((skills) => new Set(skills.map((s) => s.departmentId)).size === skills.length, 'a department is listed twice');
export type StaffDepartmentSkills = z.infer<typeof StaffDepartmentSkills>;

export const CreateStaffRequest = z.strictObject({
  username: Username,
  displayName: Name,
  role: StaffRole,
  departments: StaffDepartmentSkills.default([]),
  /** Omitted: the server generates one and shows it once. */
  password: NewPassword.optional(),
});
export type CreateStaffRequest = z.input<typeof CreateStaffRequest>;

export const UpdateStaffRequest = z
  .strictObject({ displayName: Name, role: StaffRole, departments: StaffDepartmentSkills })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateStaffRequest = z.input<typeof UpdateStaffRequest>;

/** A new password; omitted: the server generates one and shows it once. */
export const SetPasswordRequest = z.strictObject({ password: NewPassword.optional() });
export type SetPasswordRequest = z.input<typeof SetPasswordRequest>;

export const AdminStaff = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  role: StaffRole,
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  departments: z.array(z.object({ department: DepartmentSummary, skill: Skill })),
  /** Took part in consultations: such an account is disabled, never deleted. */
  hasRecords: z.boolean(),
});
export type AdminStaff = z.infer<typeof AdminStaff>;

export const AdminStaffListResponse = z.object({ staff: z.array(AdminStaff), departments: z.array(DepartmentSummary) });
export type AdminStaffListResponse = z.infer<typeof AdminStaffListResponse>;

/** A staff member after a change; `password` is the generated one, shown this once (null when the admin chose it). */
export const AdminStaffResponse = z.object({ staff: AdminStaff, password: z.string().nullable() });
export type AdminStaffResponse = z.infer<typeof AdminStaffResponse>;

// ── Sites ───────────────────────────────────────────────────────────────────

export const SiteKind = z.enum(['post_office', 'branch_office', 'community_hall', 'mobile_vehicle']);
export type SiteKind = z.infer<typeof SiteKind>;

export const CreateSiteRequest = z.strictObject({ name: Name, kind: SiteKind, description: Description.default('') });
export type CreateSiteRequest = z.input<typeof CreateSiteRequest>;

export const UpdateSiteRequest = z
  .strictObject({ name: Name, kind: SiteKind, description: Description, active: z.boolean() })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateSiteRequest = z.input<typeof UpdateSiteRequest>;

export const AdminSite = SiteSummary.extend({
  kind: SiteKind,
  description: z.string(),
  active: z.boolean(),
  /** Tablets registered there and not revoked. */
  devices: z.number().int(),
  /** A clerk PIN guards the tablets' camera settings; without one they open to anyone (shown as PIN未設定). */
  clerkPinSet: z.boolean(),
});
export type AdminSite = z.infer<typeof AdminSite>;

export const AdminSitesResponse = z.object({ sites: z.array(AdminSite) });
export type AdminSitesResponse = z.infer<typeof AdminSitesResponse>;
export const AdminSiteResponse = z.object({ site: AdminSite });
export type AdminSiteResponse = z.infer<typeof AdminSiteResponse>;

// ── Departments ─────────────────────────────────────────────────────────────

/** The stable machine code (e.g. `tax`): kiosk translations and test ids use it; it never changes. */
export const DepartmentCode = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{1,31}$/, '2–32 lower-case letters, digits, _ -, starting with a letter');

/** 相談種別 an operator files a consultation under; the list's order is the console's. */
export const CategoryNames = z
  .array(z.string().trim().min(1).max(50))
  .max(30)
  .refine((names) => new Set(names).size === names.length, 'a category is listed twice');

const DepartmentFields = {
  name: Name,
  /** The words under the name on the kiosk's button (住民票・引っ越し・マイナンバーカード). */
  kioskText: z.string().trim().max(60),
  description: Description,
  categories: CategoryNames,
};

export const CreateDepartmentRequest = z.strictObject({
  code: DepartmentCode,
  ...DepartmentFields,
  kioskText: DepartmentFields.kioskText.default(''),
  description: DepartmentFields.description.default(''),
  categories: DepartmentFields.categories.default([]),
});
export type CreateDepartmentRequest = z.input<typeof CreateDepartmentRequest>;

export const UpdateDepartmentRequest = z
  .strictObject({ ...DepartmentFields, active: z.boolean() })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateDepartmentRequest = z.input<typeof UpdateDepartmentRequest>;

/** The kiosk's order of the departments: every department's id, once. */
export const DepartmentOrderRequest = z.strictObject({
  departmentIds: z
    .array(Id)
    .min(1)
    .max(200)
    .refine((ids) => new Set(ids).size === ids.length, 'a department is listed twice'),
});
export type DepartmentOrderRequest = z.infer<typeof DepartmentOrderRequest>;

export const AdminDepartment = DepartmentSummary.extend({
  kioskText: z.string(),
  description: z.string(),
  sortOrder: z.number().int(),
  active: z.boolean(),
  /** The categories still offered, in order (retired ones stay in the records that use them). */
  categories: z.array(z.string()),
  /** Active staff with the department as primary / secondary skill. */
  staff: z.object({ primary: z.number().int(), secondary: z.number().int() }),
});
export type AdminDepartment = z.infer<typeof AdminDepartment>;

export const AdminDepartmentsResponse = z.object({ departments: z.array(AdminDepartment) });
export type AdminDepartmentsResponse = z.infer<typeof AdminDepartmentsResponse>;
export const AdminDepartmentResponse = z.object({ department: AdminDepartment });
export type AdminDepartmentResponse = z.infer<typeof AdminDepartmentResponse>;

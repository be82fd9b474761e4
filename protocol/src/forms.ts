import { z } from 'zod';
import { Id } from './domain.ts';

/**
 * Forms filled by staff and signed by the resident (issue 13, item 3). A department's template is
 * the city's PDF and where each field goes on it (PDF points, origin at the page's bottom left); the
 * operator fills the values in the call, the tablet shows the filled form with the fields to check
 * and takes the resident's signature, and the server writes the signed PDF into the record.
 */

export const FormFieldType = z.enum(['text', 'date', 'checkbox']);
export type FormFieldType = z.infer<typeof FormFieldType>;

/** A box on a page of the form: 0-based page, PDF points from the bottom left. */
export const FormBox = z.object({
  page: z.number().int().min(0).max(100),
  x: z.number().min(0).max(5000),
  y: z.number().min(0).max(5000),
  width: z.number().positive().max(5000),
  height: z.number().positive().max(5000),
});
export type FormBox = z.infer<typeof FormBox>;

export const FormField = FormBox.extend({
  key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/),
  label: z.string().min(1).max(60),
  type: FormFieldType,
  required: z.boolean(),
});
export type FormField = z.infer<typeof FormField>;

export const FormTemplate = z.object({
  id: Id,
  departmentId: Id,
  title: z.string(),
  fields: z.array(FormField).max(60),
  signatureBox: FormBox,
});
export type FormTemplate = z.infer<typeof FormTemplate>;

/** What staff filled: text and dates as text (dates YYYY-MM-DD), checkboxes as true/false. */
export const FormValue = z.union([z.string().max(200), z.boolean()]);
export const FormValues = z.record(z.string().max(40), FormValue);
export type FormValues = z.infer<typeof FormValues>;

/** A form of a consultation, as the tablet, the operators and the record see it. */
export const ConsultationForm = z.object({
  id: Id,
  consultationId: Id,
  templateId: Id,
  title: z.string(),
  fields: z.array(FormField),
  signatureBox: FormBox,
  values: FormValues,
  status: z.enum(['awaiting_signature', 'signed', 'withdrawn']),
  createdAt: z.iso.datetime(),
  signedAt: z.iso.datetime().nullable(),
  /** hex SHA-256 of the signed PDF; null until signed */
  sha256: z.string().nullable(),
  bytes: z.number().int().nullable(),
});
export type ConsultationForm = z.infer<typeof ConsultationForm>;

/** GET /api/forms/templates?departmentId=… (operators of the department, supervisors, admins). */
export const FormTemplatesQuery = z.object({ departmentId: Id });
export const FormTemplatesResponse = z.object({ templates: z.array(FormTemplate) });
export type FormTemplatesResponse = z.infer<typeof FormTemplatesResponse>;

/**
 * POST /api/forms?consultationId=… { templateId, values }: an operator of the connected call fills a
 * form and hands it to the tablet (form:toSign). GET /api/forms/:id/filled: the filled form without
 * signature (the tablet of the call while connected, its operators). POST /api/forms/:id/signature
 * with the PNG of the signature as the raw body (the tablet): the signed PDF is made and stored.
 * GET /api/forms/:id/signed: the signed PDF, with need-to-know, audited (form.view).
 */
export const FillFormQuery = z.object({ consultationId: Id });
export const FillFormRequest = z.strictObject({ templateId: Id, values: FormValues });
export type FillFormRequest = z.infer<typeof FillFormRequest>;
export const FormResponse = z.object({ form: ConsultationForm });
export type FormResponse = z.infer<typeof FormResponse>;

/** Largest signature image accepted (a PNG of a finger's strokes is a few tens of KB). */
export const SIGNATURE_MAX_BYTES = 2 * 1024 * 1024;

import { z } from 'zod';
import { Id } from './domain.ts';

/** HTTP bodies of the operator's notes on a consultation (対応メモ) and its category (相談種別). */

export const ConsultationCategory = z.object({ id: Id, name: z.string() });
export type ConsultationCategory = z.infer<typeof ConsultationCategory>;

/** GET /api/departments/:departmentId/categories: the categories offered, in display order. */
export const CategoriesResponse = z.object({ categories: z.array(ConsultationCategory) });
export type CategoriesResponse = z.infer<typeof CategoriesResponse>;

/** POST /api/consultations/:id/notes: a category, a text, or both; a later note adds to earlier ones. */
export const NoteRequest = z
  .object({
    categoryId: Id.nullable(),
    text: z.string().trim().max(2000),
  })
  .refine((note) => note.categoryId !== null || note.text.length > 0, { message: 'a category or a text is needed' });
export type NoteRequest = z.infer<typeof NoteRequest>;

export const NoteFiled = z.object({ consultationId: Id });
export type NoteFiled = z.infer<typeof NoteFiled>;

/** A note as the record shows it. */
export const ConsultationNote = z.object({
  at: z.iso.datetime(),
  by: z.object({ id: Id, name: z.string() }),
  category: z.string().nullable(),
  text: z.string(),
});
export type ConsultationNote = z.infer<typeof ConsultationNote>;

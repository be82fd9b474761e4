import { z } from 'zod';
import { Id } from './domain.ts';

/**
 * Documents sent to the tablet (issue 13, item 2): a PDF or an image from the department's library
 * (申請書, パンフレット) or from the operator's own disk, shown large on the tablet page by page.
 */

/** What a document may be: read from the file's own first bytes, never from its name or declared type. */
export const DocumentMime = z.enum(['application/pdf', 'image/jpeg', 'image/png']);
export type DocumentMime = z.infer<typeof DocumentMime>;

/** 申請書 or パンフレット. */
export const LibraryDocumentKind = z.enum(['form', 'leaflet']);
export type LibraryDocumentKind = z.infer<typeof LibraryDocumentKind>;

export const DocumentTitle = z.string().trim().min(1, 'タイトルを入力してください').max(100, 'タイトルは100文字までです');

/** Largest document accepted, in the library or sent from disk (a scanned 10-page form is a few MB). */
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;

/** A document of a department's library. */
export const LibraryDocument = z.object({
  id: Id,
  departmentId: Id,
  title: z.string(),
  kind: LibraryDocumentKind,
  mime: DocumentMime,
  bytes: z.number().int().positive(),
  createdAt: z.iso.datetime(),
});
export type LibraryDocument = z.infer<typeof LibraryDocument>;

/**
 * GET /api/documents/library?departmentId=… (staff: operators only their departments'; admins any).
 * POST /api/documents/library?departmentId=…&kind=…&title=… with the file as the raw body (admin).
 * DELETE /api/documents/library/:id (admin). GET /api/documents/library/:id/file (staff who may list it).
 */
export const LibraryQuery = z.object({ departmentId: Id });
export const LibraryUploadQuery = z.object({ departmentId: Id, kind: LibraryDocumentKind, title: DocumentTitle });
export type LibraryUploadQuery = z.infer<typeof LibraryUploadQuery>;
export const LibraryResponse = z.object({ documents: z.array(LibraryDocument) });
export type LibraryResponse = z.infer<typeof LibraryResponse>;
export const LibraryUploadResponse = z.object({ document: LibraryDocument });
export type LibraryUploadResponse = z.infer<typeof LibraryUploadResponse>;

/** A document sent in a consultation, as the tablet, the operators and the record show it. */
export const SentDocument = z.object({
  id: Id,
  consultationId: Id,
  title: z.string(),
  mime: DocumentMime,
  bytes: z.number().int().positive(),
  /** hex SHA-256 of the file as sent */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** null: a file from the operator's own disk */
  libraryDocumentId: Id.nullable(),
  createdAt: z.iso.datetime(),
});
export type SentDocument = z.infer<typeof SentDocument>;

/**
 * POST /api/documents/sent?consultationId=…&libraryDocumentId=… (no body), or
 * POST /api/documents/sent?consultationId=…&title=… with the file as the raw body: an operator of the
 * call sends a document to its tablet. GET /api/documents/sent/:id: the tablet of the call while it
 * is connected, and staff with need-to-know (audited, as stills).
 */
export const SendDocumentQuery = z.union([
  z.strictObject({ consultationId: Id, libraryDocumentId: Id }),
  z.strictObject({ consultationId: Id, title: DocumentTitle }),
]);
export type SendDocumentQuery = z.infer<typeof SendDocumentQuery>;
export const SendDocumentResponse = z.object({ document: SentDocument });
export type SendDocumentResponse = z.infer<typeof SendDocumentResponse>;

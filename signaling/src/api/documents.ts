import express, { Router, type NextFunction, type Request, type Response } from 'express';
import {
  DOCUMENT_MAX_BYTES,
  Id,
  LibraryQuery,
  LibraryUploadQuery,
  ProtocolError,
  SendDocumentQuery,
  type LibraryResponse,
  type LibraryUploadResponse,
  type SendDocumentResponse,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import { basename, dirname } from 'node:path';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import { DOCUMENT_ERRORS, type DocumentService } from '../documents/DocumentService.ts';
import { parseBody } from './errors.ts';

const logger = createLogger('documents');

type AuthedRequest = Request & { principal?: Principal };

/**
 * Any body, read raw up to the limit (the type is read from the file, not from the header); a body
 * over the limit is refused in the city's words.
 */
const rawDocument = [
  express.raw({ type: () => true, limit: DOCUMENT_MAX_BYTES }),
  (error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if ((error as { type?: string }).type === 'entity.too.large') return next(new ProtocolError('BAD_REQUEST', DOCUMENT_ERRORS.tooLarge));
    next(error);
  },
];

function staffOf(req: AuthedRequest): StaffPrincipal {
  const principal = req.principal;
  if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff token required');
  return principal;
}

function bodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Send a stored file, relative to its folder (`send` refuses a path through a dot-folder such as .data). */
async function sendStored(res: Response, file: string, mime: string, what: string): Promise<void> {
  res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  await new Promise<void>((resolve, reject) => {
    res.type(mime).sendFile(basename(file), { root: dirname(file) }, (error?: NodeJS.ErrnoException) => {
      if (!error) return resolve();
      if (error.code === 'ENOENT') {
        logger.error(`${what}: its file ${file} is missing`);
        return reject(new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument));
      }
      reject(error);
    });
  });
}

/** /api/documents: the departments' libraries (admins keep them), and documents sent to the tablet in a call. */
export function createDocumentsRouter(documents: DocumentService): Router {
  const router = Router();

  router.get('/library', async (req: AuthedRequest, res) => {
    const { departmentId } = parseBody(LibraryQuery, req.query);
    const body: LibraryResponse = { documents: await documents.library(staffOf(req), departmentId) };
    res.json(body);
  });

  router.post('/library', ...rawDocument, async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    if (staff.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
    const { departmentId, kind, title } = parseBody(LibraryUploadQuery, req.query);
    const body: LibraryUploadResponse = { document: await documents.addToLibrary(staff, departmentId, kind, title, bodyOf(req)) };
    res.status(201).json(body);
  });

  router.delete('/library/:id', async (req: AuthedRequest, res) => {
    const staff = staffOf(req);
    if (staff.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
    await documents.removeFromLibrary(staff, parseBody(Id, req.params.id));
    res.status(204).end();
  });

  router.get('/library/:id/file', async (req: AuthedRequest, res) => {
    const { document, file } = await documents.openLibraryFile(staffOf(req), parseBody(Id, req.params.id));
    await sendStored(res, file, document.mime, `library document ${document.id}`);
  });

  router.post('/sent', ...rawDocument, async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    if (staff.role !== 'operator') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
    const query = parseBody(SendDocumentQuery, req.query);
    const document =
      'libraryDocumentId' in query
        ? await documents.sendFromLibrary(staff, query.consultationId, query.libraryDocumentId)
        : await documents.sendUpload(staff, query.consultationId, query.title, bodyOf(req));
    const body: SendDocumentResponse = { document };
    res.status(201).json(body);
  });

  router.get('/sent/:id', async (req: AuthedRequest, res) => {
    if (!req.principal) throw new ProtocolError('UNAUTHORIZED', 'token required');
    const { document, file } = await documents.openSent(req.principal, parseBody(Id, req.params.id));
    await sendStored(res, file, document.mime, `sent document ${document.id}`);
  });

  return router;
}

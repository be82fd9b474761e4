import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { FillFormQuery, FillFormRequest, FormTemplatesQuery, Id, ProtocolError, SIGNATURE_MAX_BYTES, type FormResponse, type FormTemplatesResponse } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import { basename, dirname } from 'node:path';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import { FORM_ERRORS, type FormService } from '../forms/FormService.ts';
import { parseBody } from './errors.ts';

const logger = createLogger('forms');

type AuthedRequest = Request & { principal?: Principal };

function staffOf(req: AuthedRequest): StaffPrincipal {
  const principal = req.principal;
  if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff token required');
  return principal;
}

const rawSignature = [
  express.raw({ type: () => true, limit: SIGNATURE_MAX_BYTES }),
  (error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if ((error as { type?: string }).type === 'entity.too.large') return next(new ProtocolError('BAD_REQUEST', FORM_ERRORS.badSignature));
    next(error);
  },
];

/** /api/forms: the departments' templates, forms filled in calls, signatures from the tablet, signed PDFs. */
export function createFormsRouter(forms: FormService): Router {
  const router = Router();

  router.get('/templates', async (req: AuthedRequest, res) => {
    const { departmentId } = parseBody(FormTemplatesQuery, req.query);
    const body: FormTemplatesResponse = { templates: await forms.templates(staffOf(req), departmentId) };
    res.json(body);
  });

  router.post('/', async (req: AuthedRequest, res) => {
    const staff = staffOf(req);
    if (staff.role !== 'operator') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
    const { consultationId } = parseBody(FillFormQuery, req.query);
    const { templateId, values } = parseBody(FillFormRequest, req.body);
    const body: FormResponse = { form: await forms.fill(staff, consultationId, templateId, values) };
    res.status(201).json(body);
  });

  router.get('/:id/filled', async (req: AuthedRequest, res) => {
    if (!req.principal) throw new ProtocolError('UNAUTHORIZED', 'token required');
    const pdf = await forms.filledPdf(req.principal, parseBody(Id, req.params.id));
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).type('application/pdf').send(Buffer.from(pdf));
  });

  router.post('/:id/signature', ...rawSignature, async (req: AuthedRequest, res: Response) => {
    const principal = req.principal;
    if (principal?.kind !== 'device') throw new ProtocolError('FORBIDDEN', 'device token required');
    const png = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body: FormResponse = { form: await forms.sign(principal, parseBody(Id, req.params.id), png) };
    res.status(201).json(body);
  });

  router.get('/:id/signed', async (req: AuthedRequest, res) => {
    const id = parseBody(Id, req.params.id);
    const { form, file } =
      req.principal?.kind === 'device'
        ? { form: { id }, file: await forms.openSignedForDevice(req.principal, id) }
        : await forms.openSigned(staffOf(req), id);
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    await new Promise<void>((resolve, reject) => {
      res.type('application/pdf').sendFile(basename(file), { root: dirname(file) }, (error?: NodeJS.ErrnoException) => {
        if (!error) return resolve();
        if (error.code === 'ENOENT') {
          logger.error(`form ${form.id}: its signed PDF ${file} is missing`);
          return reject(new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchForm));
        }
        reject(error);
      });
    });
  });

  return router;
}

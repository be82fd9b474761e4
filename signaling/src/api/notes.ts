import { Router } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import { Id, NoteRequest, ProtocolError, type CategoriesResponse, type NoteFiled } from '@madoguchi/protocol';
import type { Clock } from '../clock.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { participationEventsOf } from '../records/participation.ts';
import { parseBody } from './errors.ts';
import type { AuthedRequest } from './routes.ts';

/** GET /api/departments/:departmentId/categories: the 相談種別 an operator may file a consultation under. */
export function createCategoriesRouter({ db }: { db: PrismaClient }): Router {
  const router = Router();
  router.get('/:departmentId/categories', async (req, res) => {
    const departmentId = parseBody(Id, req.params.departmentId);
    const rows = await db.consultationCategory.findMany({ where: { departmentId, active: true }, orderBy: { sortOrder: 'asc' } });
    const body: CategoriesResponse = { categories: rows.map(({ id, name }) => ({ id, name })) };
    res.json(body);
  });
  return router;
}

/**
 * POST /api/consultations/:id/notes: an operator who answered the consultation (or joined it as a
 * specialist) files it under a category and notes what was done. Appended as a `note` event: a
 * later note adds to the record, nothing is overwritten.
 */
export function createNotesRouter({ db, recorder, clock }: { db: PrismaClient; recorder: ConsultationRecorder; clock: Clock }): Router {
  const router = Router();
  router.post('/:id/notes', async (req: AuthedRequest, res) => {
    const principal = req.principal;
    if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff only');
    const id = parseBody(Id, req.params.id);
    const { categoryId, text } = parseBody(NoteRequest, req.body);
    // A note written the moment the call ended: its answer and end may still be on their way to the database.
    await recorder.flush();
    const tookPart = await db.consultationEvent.findFirst({
      where: { consultationId: id, ...participationEventsOf(principal.staffId) },
      select: { id: true },
    });
    // Someone else's consultation is not found, so ids cannot be probed.
    if (!tookPart) throw new ProtocolError('NOT_FOUND', 'no such consultation');
    let category: string | null = null;
    if (categoryId !== null) {
      const consultation = await db.consultation.findUniqueOrThrow({ where: { id }, select: { departmentId: true } });
      const row = await db.consultationCategory.findUnique({ where: { id: categoryId } });
      // The department asked for, or one of the operator's own (after a transfer or as a specialist).
      const allowed = [consultation.departmentId, ...principal.departmentIds, ...principal.secondaryDepartmentIds];
      if (!row || !allowed.includes(row.departmentId)) throw new ProtocolError('BAD_REQUEST', 'categoryId: not a category of this consultation');
      category = row.name;
    }
    await recorder.record(id, 'note', clock.now(), { type: 'staff', id: principal.staffId }, { data: { categoryId, category, text } });
    const body: NoteFiled = { consultationId: id };
    res.status(201).json(body);
  });
  return router;
}

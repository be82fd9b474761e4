import express, { Router, type Request } from 'express';
import { Id, ProtocolError, STILL_MAX_BYTES, StillUploadQuery, type StillUploadResponse } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import { basename, dirname } from 'node:path';
import type { Principal } from '../auth/principal.ts';
import type { StillService } from '../stills/StillService.ts';
import { parseBody } from './errors.ts';

const logger = createLogger('stills');

type AuthedRequest = Request & { principal?: Principal };

/** /api/stills: the tablet uploads the still it was asked for; staff allowed to see it fetch it. */
export function createStillsRouter(stills: StillService): Router {
  const router = Router();

  router.post(
    '/',
    express.raw({ type: ['image/jpeg', 'image/png'], limit: STILL_MAX_BYTES }),
    async (req: AuthedRequest, res) => {
      const principal = req.principal;
      if (principal?.kind !== 'device') throw new ProtocolError('FORBIDDEN', 'device token required');
      const { consultationId, requestId } = parseBody(StillUploadQuery, req.query);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw new ProtocolError('BAD_REQUEST', 'the body must be a JPEG or PNG image');
      }
      const mime = req.headers['content-type']?.split(';')[0]?.trim() ?? '';
      const body: StillUploadResponse = {
        still: await stills.store(principal, consultationId, requestId, mime, req.body),
      };
      res.status(201).json(body);
    },
  );

  router.get('/:id', async (req: AuthedRequest, res) => {
    const principal = req.principal;
    if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff token required');
    const id = parseBody(Id, req.params.id);
    const { still, file } = await stills.openForView(principal, id);
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    // Sent relative to its folder: `send` refuses a path through a dot-folder such as the default
    // .data/stills, and with a root it checks only the part below it.
    await new Promise<void>((resolve, reject) => {
      res.type(still.mime).sendFile(basename(file), { root: dirname(file) }, (error?: NodeJS.ErrnoException) => {
        if (!error) return resolve();
        if (error.code === 'ENOENT') {
          logger.error(`still ${still.id}: its file ${file} is missing`);
          return reject(new ProtocolError('NOT_FOUND', 'no such still'));
        }
        reject(error);
      });
    });
  });

  return router;
}

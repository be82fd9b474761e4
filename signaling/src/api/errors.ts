import type { ErrorRequestHandler, Response } from 'express';
import { databaseFault } from '@madoguchi/db';
import { ProtocolError, type ErrorCode } from '@madoguchi/protocol';
import { TooManyAttempts } from '../auth/AttemptWindow.ts';
import { createLogger } from '@madoguchi/protocol/logger';
import type { z } from 'zod';

const logger = createLogger('api');

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNKNOWN_EVENT: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NO_OPERATOR: 409,
  MEDIA_ERROR: 502,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** What a client is told to wait before retrying a 503. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export function sendError(res: Response, code: ErrorCode, message: string): void {
  if (code === 'UNAVAILABLE') res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  res.status(STATUS[code]).json({ error: { code, message } });
}

/** Parse a request body at the boundary; a bad one becomes a 400 with the first problem named. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ProtocolError('BAD_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Last handler: protocol errors keep their code; a database that is locked or unreachable is a 503
 * the client retries; body-parser errors are the client's; the rest is ours.
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  if (error instanceof TooManyAttempts) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error instanceof ProtocolError) return sendError(res, error.code, error.message);
  const fault = databaseFault(error);
  if (fault) {
    logger.warn(`${req.method} ${req.originalUrl.split('?')[0]} refused: database ${fault}`);
    return sendError(res, 'UNAVAILABLE', `the database is ${fault}; try again shortly`);
  }
  const status = (error as { status?: number }).status;
  if (status && status >= 400 && status < 500) return sendError(res, 'BAD_REQUEST', (error as Error).message);
  logger.error('request failed:', error);
  sendError(res, 'INTERNAL', 'internal error');
};

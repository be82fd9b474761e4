import { z } from 'zod';

export const ErrorCode = z.enum([
  'BAD_REQUEST', // payload failed validation
  'UNKNOWN_EVENT', // no such event
  'UNAUTHORIZED', // no, expired or forged token
  'FORBIDDEN', // authenticated, but not allowed to do this
  'NOT_FOUND',
  'CONFLICT', // the state does not allow it (already answered, already in a call, …)
  'NO_OPERATOR', // nobody can take the consultation now
  'MEDIA_ERROR', // the SFU refused the request
  'RATE_LIMITED', // too many attempts (failed logins, messages on one socket): try again after a while
  'UNAVAILABLE', // the server cannot answer now (database locked or unreachable): not a verdict, keep the token and retry
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const WireError = z.object({ code: ErrorCode, message: z.string() });
export type WireError = z.infer<typeof WireError>;

/** Every acknowledgement is either `{ ok: true, data }` or `{ ok: false, error }`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };

/** An error a handler throws on purpose; the gateway turns it into an error ack. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

import { ProtocolError } from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';

const logger = createLogger('auth');

/**
 * A lookup that decides whether a token is good: without an answer from the database there is no
 * verdict, so a fault is UNAVAILABLE (503, retried), never UNAUTHORIZED — a tablet told its token is
 * bad forgets it, and a console told so logs its operator out.
 */
export async function lookUpForVerdict<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    logger.warn('token not checked, the database did not answer:', error instanceof Error ? error.message.trim().split('\n').at(-1) : error);
    throw new ProtocolError('UNAVAILABLE', 'the server cannot check the token just now; try again shortly');
  }
}

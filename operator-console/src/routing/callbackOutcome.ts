import type { CallbackStatus } from '@madoguchi/protocol';

/**
 * The results an operator may record for a callback request in a given status: an open one is done
 * or not reached; one not reached may be tried again (done, or not reached once more with a new note)
 * or set back to open; a done one may only be set back to open (recorded by mistake).
 */
export function nextStatuses(status: CallbackStatus): CallbackStatus[] {
  switch (status) {
    case 'open':
      return ['done', 'unreachable'];
    case 'unreachable':
      return ['done', 'unreachable', 'open'];
    case 'done':
      return ['open'];
  }
}

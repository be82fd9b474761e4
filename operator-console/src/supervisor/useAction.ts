import { useCallback, useState } from 'react';
import { ApiError } from '../api.ts';

export type ActionState =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done' }
  /** `refusal`: the server's own words when it refused what was sent (400) or what it would do (409), else null. */
  | { status: 'failed'; refusal: string | null };

/**
 * A change a staff member asked for (save, register, revoke): how it went, for the screen to say.
 * A 401 means the login has expired: the console goes back to the login screen, as with useLoad.
 */
export function useAction(onUnauthorized: () => void): {
  state: ActionState;
  /** Runs `action`; true when it succeeded. */
  run(action: () => Promise<void>): Promise<boolean>;
  reset(): void;
} {
  const [state, setState] = useState<ActionState>({ status: 'idle' });
  const run = useCallback(
    async (action: () => Promise<void>) => {
      setState({ status: 'running' });
      try {
        await action();
        setState({ status: 'done' });
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) onUnauthorized();
        const refusal = error instanceof ApiError && (error.status === 400 || error.status === 409) ? error.serverMessage : null;
        setState({ status: 'failed', refusal });
        return false;
      }
    },
    [onUnauthorized],
  );
  const reset = useCallback(() => setState({ status: 'idle' }), []);
  return { state, run, reset };
}

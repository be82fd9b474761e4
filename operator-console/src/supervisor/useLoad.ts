import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';

export type Load<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; httpStatus: number | null };

/**
 * Run `load` whenever `key` changes and keep its result; a stale answer (the key changed meanwhile)
 * is dropped. `reload()` asks again and keeps showing the last answer until the new one comes (a
 * list refreshed after a change does not flash away). A 401 means the login has expired: the
 * console goes back to the login screen.
 */
export function useLoad<T>(key: string, load: () => Promise<T>, onUnauthorized: () => void): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const askedKey = useRef<string | null>(null);
  useEffect(() => {
    let current = true;
    if (askedKey.current !== key) setState({ status: 'loading' });
    askedKey.current = key;
    load().then(
      (data) => {
        if (current) setState({ status: 'ready', data });
      },
      (error: unknown) => {
        if (!current) return;
        const httpStatus = error instanceof ApiError ? error.status : null;
        if (httpStatus === 401) onUnauthorized();
        setState({ status: 'error', httpStatus });
      },
    );
    return () => {
      current = false;
    };
    // `load` is a new closure on every render: `key` is what says it asks for something else.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}

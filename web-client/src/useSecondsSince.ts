import { useEffect, useState } from 'react';

/** Date.now(), refreshed once a second (and at once when `moment` changes). */
function useTickingNow(moment: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (moment === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [moment]);
  return now;
}

/** Whole seconds elapsed since `since` (Date.now() time), ticking once a second. */
export function useSecondsSince(since: number): number {
  return Math.max(0, Math.floor((useTickingNow(since) - since) / 1000));
}

/** Whole seconds left until `until` (Date.now() time), ticking once a second; 0 once passed or when null. */
export function useSecondsUntil(until: number | null): number {
  const now = useTickingNow(until);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

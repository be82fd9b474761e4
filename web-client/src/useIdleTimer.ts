import { useEffect, useRef } from 'react';

/** What counts as someone using the tablet. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'input', 'touchstart'] as const;

/**
 * Calls onIdle once nobody has touched the tablet for `ms` while `active`. Any touch, key or input
 * starts the count again; becoming active starts it fresh.
 */
export function useIdleTimer(active: boolean, ms: number, onIdle: () => void): void {
  const callback = useRef(onIdle);
  callback.current = onIdle;

  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => callback.current(), ms);
    };
    restart();
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, restart, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, restart, { capture: true });
    };
  }, [active, ms]);
}

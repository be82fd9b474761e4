import type { ShareDisplay } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef } from 'react';

/** A pinch changes the size many times a second; the operator needs where it settles. */
const REPORT_EVERY_MS = 500;

/**
 * Tells the operator how the tablet draws what they show (share:displayed): the latest size at
 * most every REPORT_EVERY_MS, and only when it changed. `null` (the picture is gone) sends nothing
 * and lets the same size be told again for the next picture.
 */
export function useShareDisplayReport(client: ProtocolClient, consultationId: string): (display: ShareDisplay | null) => void {
  const latest = useRef<ShareDisplay | null>(null);
  const lastSent = useRef('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
    },
    [client, consultationId],
  );

  return useCallback(
    (display: ShareDisplay | null) => {
      latest.current = display;
      if (display === null) lastSent.current = '';
      if (display === null || timer.current !== null) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        const next = latest.current;
        const key = JSON.stringify(next);
        if (!next || key === lastSent.current) return;
        lastSent.current = key;
        client.request('share:displayed', { consultationId, display: next }).catch((error: unknown) => console.warn('[call] share size not sent', error));
      }, REPORT_EVERY_MS);
    },
    [client, consultationId],
  );
}

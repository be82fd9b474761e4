import { useEffect } from 'react';
import type { ServerPayload } from '@madoguchi/protocol';
import { useI18n } from '../i18n/index.ts';

/** Ask once for desktop notifications; call it from a click (browsers require a gesture). */
export function askForNotifications(): void {
  if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
}

/**
 * A desktop notification for a ringing offer while the console is in the background (another
 * window in front); it closes when the offer is answered, declined or withdrawn.
 */
export function useOfferNotification(offer: ServerPayload<'offer:incoming'> | undefined): void {
  const { t } = useI18n();
  const consultationId = offer?.consultationId;
  useEffect(() => {
    if (!offer || !('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
    const notification = new Notification(t.offer.title, {
      body: `${offer.site.name} — ${offer.department.name}`,
      tag: offer.consultationId,
      requireInteraction: true,
    });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
    return () => notification.close();
    // One notification per offer (keyed by its id), whatever else re-renders.
  }, [consultationId]);
}

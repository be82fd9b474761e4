import type { CallGuest } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useRef, useState } from 'react';

/** How long 「通訳の方が 参加しました」 stays up. */
const NOTICE_MS = 8_000;

export interface GuestNotice {
  kind: CallGuest['kind'];
  change: 'joined' | 'left';
}

/**
 * The guests in the call with the resident (call:guests: the server tells the tablet only those
 * admitted), and a short notice when one joins or leaves.
 */
export function useCallGuests(client: ProtocolClient, consultationId: string): { guests: CallGuest[]; notice: GuestNotice | null } {
  const [guests, setGuests] = useState<CallGuest[]>([]);
  const [notice, setNotice] = useState<GuestNotice | null>(null);
  const previous = useRef<CallGuest[]>([]);

  useEffect(
    () =>
      client.on('call:guests', ({ consultationId: id, guests: now }) => {
        if (id !== consultationId) return;
        const admitted = now.filter((guest) => guest.state === 'admitted');
        const before = previous.current;
        const joined = admitted.find((guest) => !before.some((earlier) => earlier.guestId === guest.guestId));
        const left = before.find((earlier) => !admitted.some((guest) => guest.guestId === earlier.guestId));
        previous.current = admitted;
        setGuests(admitted);
        if (joined) setNotice({ kind: joined.kind, change: 'joined' });
        else if (left) setNotice({ kind: left.kind, change: 'left' });
      }),
    [client, consultationId],
  );

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  return { guests, notice };
}

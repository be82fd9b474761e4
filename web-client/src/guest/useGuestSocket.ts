import { GUEST_NAMESPACE, GuestRefusal, type GuestEnd, type GuestRefusalReason, type ServerPayload } from '@madoguchi/protocol';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { forgetGuestLink, keepClaim, type GuestLink } from './guestLink.ts';

export type GuestWelcome = ServerPayload<'guest:welcome'>;
export type GuestCallJoined = ServerPayload<'call:joined'>;

/** Where the guest's page stands, as the server last said. */
export type GuestPhase =
  | { name: 'connecting' }
  /** The server cannot be reached (or refused for now): socket.io keeps trying. */
  | { name: 'unavailable' }
  /** The link does not (or no longer) work. */
  | { name: 'refused'; reason: GuestRefusalReason }
  /** Opened: the device check, then 参加を申し込む. */
  | { name: 'check'; welcome: GuestWelcome }
  | { name: 'lobby'; welcome: GuestWelcome }
  | { name: 'call'; welcome: GuestWelcome; joined: GuestCallJoined }
  /** The guest's part is over; the link is forgotten. */
  | { name: 'ended'; reason: GuestEnd };

export interface GuestSocket {
  phase: GuestPhase;
  client: ProtocolClient | null;
  knock(name: string): Promise<void>;
  leave(): Promise<void>;
}

/**
 * The guest's connection: the guest namespace with the link's token and, once the server has
 * given one, this browser's claim (sent again on every reconnection). The server's pushes move
 * the page: welcome → the check or the lobby, call:joined → the call, guest:closed → the end.
 */
export function useGuestSocket(link: GuestLink, store: Storage): GuestSocket {
  const [phase, setPhase] = useState<GuestPhase>({ name: 'connecting' });
  const [client, setClient] = useState<ProtocolClient | null>(null);
  const claimRef = useRef<string | null>(link.claim);
  const welcomeRef = useRef<GuestWelcome | null>(null);

  useEffect(() => {
    const protocol = ProtocolClient.open(`${location.origin}${GUEST_NAMESPACE}`, (callback) =>
      callback({ token: link.token, ...(claimRef.current ? { claim: claimRef.current } : {}) }),
    );
    const { socket } = protocol;
    setClient(protocol);
    let over = false;

    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      const refusal = GuestRefusal.safeParse(error.data);
      if (!refusal.success) {
        setPhase((previous) => (previous.name === 'connecting' ? { name: 'unavailable' } : previous));
        return;
      }
      over = true;
      if (refusal.data.reason !== 'in_use') forgetGuestLink(store);
      setPhase({ name: 'refused', reason: refusal.data.reason });
      protocol.close();
    });
    const unsubscribe = [
      protocol.on('guest:welcome', (welcome) => {
        claimRef.current = welcome.claim;
        keepClaim(store, welcome.claim);
        welcomeRef.current = welcome;
        setPhase((previous) => {
          if (welcome.state === 'waiting') return { name: 'lobby', welcome };
          // Admitted: call:joined follows at once; until then the lobby says where they are.
          if (welcome.state === 'admitted') return previous.name === 'call' ? previous : { name: 'lobby', welcome };
          return { name: 'check', welcome };
        });
      }),
      protocol.on('call:joined', (joined) => {
        const welcome = welcomeRef.current;
        if (!welcome || joined.consultationId !== welcome.consultationId) return;
        // A rejoin of the same call is the call's own business (its CallConnection attaches again).
        setPhase((previous) => (previous.name === 'call' ? previous : { name: 'call', welcome, joined }));
      }),
      protocol.on('guest:closed', ({ reason }) => {
        over = true;
        forgetGuestLink(store);
        setPhase({ name: 'ended', reason });
      }),
    ];
    socket.on('disconnect', () => {
      if (over) protocol.close();
    });
    return () => {
      over = true;
      for (const off of unsubscribe) off();
      protocol.close();
    };
  }, [link.token, store]);

  const knock = useCallback(
    async (name: string) => {
      if (!client) return;
      const { state } = await client.request('guest:knock', name.trim() ? { name: name.trim() } : {});
      const welcome = welcomeRef.current;
      if (welcome && state !== 'invited') setPhase((previous) => (previous.name === 'check' ? { name: 'lobby', welcome } : previous));
    },
    [client],
  );

  const leave = useCallback(async () => {
    if (!client) return;
    await client.request('guest:leave', {}).catch(() => undefined);
    forgetGuestLink(store);
    setPhase({ name: 'ended', reason: 'left' });
  }, [client, store]);

  return { phase, client, knock, leave };
}

import { useEffect, useRef, useState } from 'react';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { refusedSession, type SessionProblem } from './auth.ts';

/**
 * Supervisors' and admins' consoles take no calls, yet an admin may disable the account or change
 * its role while one is open: a socket that only listens for that closes the console at once and
 * says why, instead of the next request failing as an expired login. The same socket brings the
 * tablets' calls for help (returned, for whoever listens to it).
 */
export function useSessionEnd(token: string, onSessionEnded: (reason: SessionProblem) => void): ProtocolClient | null {
  const [socket, setSocket] = useState<ProtocolClient | null>(null);
  const ended = useRef(onSessionEnded);
  useEffect(() => {
    ended.current = onSessionEnded;
  }, [onSessionEnded]);
  useEffect(() => {
    const client = ProtocolClient.connect(token);
    const unsubscribe = client.on('session:ended', ({ reason }) => ended.current(reason));
    client.socket.on('connect_error', (error) => {
      const reason = refusedSession(error);
      if (reason) ended.current(reason);
    });
    setSocket(client);
    return () => {
      unsubscribe();
      client.close();
      setSocket(null);
    };
  }, [token]);
  return socket;
}

import type { Mark } from '@madoguchi/protocol';
import { CallMarks, type ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useState, useSyncExternalStore } from 'react';

const NO_MARKS: readonly Mark[] = [];
const nothingToWatch = () => () => undefined;

/** The call's marks, kept by the server (CallMarks), while the call screen is up. */
export function useCallMarks(client: ProtocolClient, consultationId: string): { marks: readonly Mark[]; board: CallMarks | null } {
  const [board, setBoard] = useState<CallMarks | null>(null);
  useEffect(() => {
    const opened = new CallMarks(client, consultationId);
    setBoard(opened);
    return () => opened.close();
  }, [client, consultationId]);
  const marks = useSyncExternalStore(board?.subscribe ?? nothingToWatch, board?.snapshot ?? (() => NO_MARKS));
  return { marks, board };
}

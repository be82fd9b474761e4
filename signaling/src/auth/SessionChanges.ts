/** What ended or changed: one session (a logout), or every session of a staff member. */
export type SessionChange = { sessionId: string } | { staffId: string };

export interface SessionChangeListener {
  /** Another node (or this one) ended or changed sessions: what is remembered of them is stale. */
  changed(change: SessionChange): void;
  /** Changes may have been missed (the link to the other nodes was cut): nothing remembered can be trusted. */
  missed(): void;
}

/**
 * How the signaling nodes that share one database tell each other that staff sessions ended or
 * changed, so that none keeps accepting a token another node ended. Only needed with other nodes.
 */
export interface SessionChanges {
  /** Tells every node; rejects when the others could not be told. */
  announce(change: SessionChange): Promise<void>;
  /** Starts calling `listener` (once). */
  listen(listener: SessionChangeListener): Promise<void>;
  close(): Promise<void>;
}

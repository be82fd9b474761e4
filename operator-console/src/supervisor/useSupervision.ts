import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ProtocolError,
  type DepartmentSummary,
  type ErrorCode,
  type ServerPayload,
  type SiteSummary,
  type SupervisionMode,
} from '@madoguchi/protocol';
import { CallConnection, type ProtocolClient, type RemoteTrack } from '@madoguchi/protocol/client';
import { openMicrophone } from '../media/localMedia.ts';

/** Why the last supervision ended, as the panel says it. */
export type SupervisionEndReason = ServerPayload<'supervision:ended'>['reason'] | 'disconnected';

export interface SupervisionView {
  consultationId: string;
  mode: SupervisionMode;
  /** A mode change (or the start) waiting for the server's answer. */
  pending: boolean;
  /** The call, from its call:joined and call:participants (null until they arrive). */
  site: SiteSummary | null;
  department: DepartmentSummary | null;
  operators: string[];
  /** What the supervisor receives: the resident's face, document and voice, the operators' camera and voice. */
  remote: RemoteTrack[];
  /** The microphone could not be opened for whisper or barge. */
  micMissing: boolean;
}

export interface Supervision {
  view: SupervisionView | null;
  /** How the last one ended, or why it could not start or change (an error code). */
  ended: SupervisionEndReason | null;
  failed: ErrorCode | null;
  start(consultationId: string, mode: SupervisionMode): void;
  setMode(mode: SupervisionMode): void;
  stop(): void;
}

/** What this console holds of a supervision: the call's media connection and the microphone, released together. */
interface Held {
  consultationId: string;
  /** The mode the server last accepted. */
  mode: SupervisionMode;
  connection: CallConnection | null;
  mic: MediaStreamTrack | null;
}

const codeOf = (error: unknown): ErrorCode => (error instanceof ProtocolError ? error.code : 'INTERNAL');

/**
 * Live supervision from the supervisor's console: one call at a time. The server answers a start
 * with call:joined (role supervisor), on which a CallConnection receives the call; the microphone
 * is opened and sent only in whisper and barge, and closed on the way back to monitor. Everything
 * is released when the supervision stops, the server ends it (call ended, transferred), or the
 * socket drops (the server ends it then too).
 */
export function useSupervision(client: ProtocolClient | null): Supervision {
  const [view, setView] = useState<SupervisionView | null>(null);
  const [ended, setEnded] = useState<SupervisionEndReason | null>(null);
  const [failed, setFailed] = useState<ErrorCode | null>(null);
  const held = useRef<Held | null>(null);

  const release = useCallback((reason: SupervisionEndReason | null) => {
    const current = held.current;
    held.current = null;
    current?.connection?.close();
    current?.mic?.stop();
    setView(null);
    if (reason) setEnded(reason);
  }, []);

  useEffect(() => {
    if (!client) return;
    const ours = (consultationId: string) => held.current?.consultationId === consultationId;
    const update = (change: (view: SupervisionView) => SupervisionView) => setView((previous) => (previous ? change(previous) : previous));
    const onDisconnect = () => {
      if (held.current) release('disconnected');
    };
    client.socket.on('disconnect', onDisconnect);
    const unsubscribe = [
      client.on('call:joined', (joined) => {
        const current = held.current;
        // Joined again (a rebuilt room): the connection reattaches itself.
        if (joined.role !== 'supervisor' || !current || current.consultationId !== joined.consultationId || current.connection) return;
        update((view) => ({ ...view, site: joined.site, department: joined.department }));
        current.connection = new CallConnection(client, joined, {
          onTrack: (track) => update((view) => ({ ...view, remote: [...view.remote.filter((t) => t.consumerId !== track.consumerId), track] })),
          onTrackEnded: (consumerId) => update((view) => ({ ...view, remote: view.remote.filter((t) => t.consumerId !== consumerId) })),
          onState: () => undefined,
        });
      }),
      client.on('call:participants', ({ consultationId, operators }) => {
        if (ours(consultationId)) update((view) => ({ ...view, operators: operators.map((operator) => operator.name) }));
      }),
      client.on('supervision:ended', ({ consultationId, reason }) => {
        if (ours(consultationId)) release(reason);
      }),
    ];
    return () => {
      client.socket.off('disconnect', onDisconnect);
      for (const off of unsubscribe) off();
      release(null);
    };
  }, [client, release]);

  /** Send the microphone in whisper and barge; stop it in monitor (the server refuses a monitor's producer). */
  const applyMicrophone = useCallback(async (current: Held, mode: SupervisionMode) => {
    if (mode === 'monitor') {
      const mic = current.mic;
      current.mic = null;
      mic?.stop();
      await current.connection?.unpublish('supervisor-mic').catch(() => undefined);
      return;
    }
    if (current.mic) return;
    const mic = await openMicrophone();
    if (held.current !== current) {
      mic?.stop();
      return;
    }
    setView((view) => (view ? { ...view, micMissing: !mic } : view));
    if (!mic) return;
    current.mic = mic;
    await current.connection?.publish('supervisor-mic', mic);
  }, []);

  const start = useCallback(
    (consultationId: string, mode: SupervisionMode) => {
      if (!client) return;
      release(null);
      const current: Held = { consultationId, mode, connection: null, mic: null };
      held.current = current;
      setEnded(null);
      setFailed(null);
      setView({ consultationId, mode, pending: true, site: null, department: null, operators: [], remote: [], micMissing: false });
      client.request('supervision:start', { consultationId, mode }).then(
        async () => {
          if (held.current !== current) return;
          setView((view) => (view ? { ...view, pending: false } : view));
          await applyMicrophone(current, mode);
        },
        (error: unknown) => {
          if (held.current !== current) return;
          release(null);
          setFailed(codeOf(error));
        },
      );
    },
    [client, release, applyMicrophone],
  );

  const setMode = useCallback(
    (mode: SupervisionMode) => {
      const current = held.current;
      if (!client || !current) return;
      setFailed(null);
      setView((view) => (view ? { ...view, mode, pending: true } : view));
      const request = () => client.request('supervision:mode', { consultationId: current.consultationId, mode });
      // To monitor: stop sending first; to whisper or barge: the server must allow it before the microphone goes out.
      const change = mode === 'monitor' ? applyMicrophone(current, mode).then(request) : request().then(() => applyMicrophone(current, mode));
      change.then(
        () => {
          current.mode = mode;
          if (held.current === current) setView((view) => (view ? { ...view, pending: false } : view));
        },
        (error: unknown) => {
          if (held.current !== current) return;
          setFailed(codeOf(error));
          setView((view) => (view ? { ...view, mode: current.mode, pending: false } : view));
        },
      );
    },
    [client, applyMicrophone],
  );

  const stop = useCallback(() => {
    const current = held.current;
    if (!client || !current) return;
    release('stopped');
    client.request('supervision:stop', { consultationId: current.consultationId }).catch(() => undefined);
  }, [client, release]);

  return { view, ended, failed, start, setMode, stop };
}

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { ProtocolError, type DepartmentSummary, type ErrorCode, type SelectablePresence, type ServerPayload } from '@madoguchi/protocol';
import { CallConnection, CallMarks, LIVE_DOCUMENT_SIZE, ProtocolClient, type PublishOptions } from '@madoguchi/protocol/client';
import { refusedSession, type SessionProblem } from './auth.ts';
import { consoleReducer, initialConsoleState, type ConsoleAction, type ConsoleState, type SharedSource } from './consoleState.ts';
import { acquireOperatorMedia, openSharedTrack, stopOperatorMedia, type OperatorMedia } from './media/localMedia.ts';

/** How long to wait for call:ended after consultation:end was acknowledged before closing locally. */
const END_FALLBACK_MS = 3000;
/**
 * The server says we are no longer in a call (presence) but call:ended has not come: close the call
 * after this long. call:ended normally follows at once and carries the true outcome.
 */
const PRESENCE_END_FALLBACK_MS = 2000;
/** Retry delays after the server refused the connection for now (UNAVAILABLE): the token is kept. */
const REFUSED_RETRY_FIRST_MS = 2_000;
const REFUSED_RETRY_MAX_MS = 30_000;

export interface ConsoleActions {
  setPresence(presence: SelectablePresence): void;
  accept(consultationId: string): void;
  decline(consultationId: string): void;
  toggleMute(): void;
  /** Show the resident the operator's document camera (the chosen camera) or their screen. */
  startSharing(source: SharedSource, cameraId?: string): void;
  stopSharing(): void;
  /** Send a chat message in the call; rejects when it could not be sent. */
  sendChat(text: string): Promise<void>;
  /** Ask the tablet for a full-resolution still of its document camera, with the marks on it drawn in or not. */
  captureStill(withMarks: boolean): void;
  endCall(): void;
  /** Blind transfer of the resident to another department's queue, with an optional handover note. */
  transfer(department: DepartmentSummary, note: string): void;
  /** Bring a specialist of another department into this call (one-stop), with an optional handover note. */
  invite(department: DepartmentSummary, note: string): void;
  cancelInvite(): void;
  /** Leave a one-stop call to the colleague. */
  leaveCall(): void;
  /** The note on the last call was filed or skipped. */
  notesDone(): void;
  dismissNotice(): void;
}

/** Resources of the call in progress; not React state (nothing renders from them directly). */
interface LiveCall {
  id: string;
  session: CallConnection | null;
  /** The marks on the call's pictures, as the server keeps them. */
  marks: CallMarks;
  media: OperatorMedia | null;
  /** What is being shown to the resident (document camera or screen), if anything. */
  shared: { source: SharedSource; track: MediaStreamTrack } | null;
  muted: boolean;
  endTimer: number | null;
  /**
   * False while the console still rings: the call's media is set up in the background (the server
   * forwards nothing yet) and what it reports waits in `untilAnswered`, shown once the call is answered.
   */
  answered: boolean;
  joined: ServerPayload<'call:joined'>;
  untilAnswered: ConsoleAction[];
}

/** The document camera and the screen are sent like the resident's document: resolution first, up to Full HD. */
const SHARE_PUBLISH: PublishOptions = {
  encodings: [{ maxBitrate: 2_500_000, priority: 'high', networkPriority: 'high' }],
  degradationPreference: 'maintain-resolution',
  maxSentSize: LIVE_DOCUMENT_SIZE,
};

/** The handover note as the protocol takes it: left out when nothing was written. */
function handoverNote(note: string): { note?: string } {
  const trimmed = note.trim();
  return trimmed ? { note: trimmed } : {};
}

function codeOf(error: unknown): ErrorCode {
  return error instanceof ProtocolError ? error.code : 'INTERNAL';
}

/** What the console's owner hears of the session itself (beyond the calls). */
export interface ConsoleSessionEvents {
  /** The token was refused (expired), or an admin disabled the account or changed its role: back to the login, saying why. */
  onSessionEnded(reason: SessionProblem): void;
  /** An admin changed the departments: fetch the list again. */
  onDepartmentsChanged(): void;
}

/**
 * The operator console's side effects: one socket for the logged-in operator, the server's pushes
 * turned into reducer actions, and the media of the call in progress.
 */
export function useConsole(
  token: string,
  sessionEvents: ConsoleSessionEvents,
): { state: ConsoleState; actions: ConsoleActions; marks: CallMarks | null; client: ProtocolClient | null; guests: ServerPayload<'call:guests'> | null } {
  const [state, dispatch] = useReducer(consoleReducer, initialConsoleState);
  /** The socket, for panels that speak for themselves (the call's guests), and the call's guests as last pushed. */
  const [client, setClient] = useState<ProtocolClient | null>(null);
  const [guests, setGuests] = useState<ServerPayload<'call:guests'> | null>(null);
  /** The marks of the call in progress (React state: the call screen subscribes to them). */
  const [marks, setMarks] = useState<CallMarks | null>(null);
  const clientRef = useRef<ProtocolClient | null>(null);
  const callRef = useRef<LiveCall | null>(null);
  const sessionEventsRef = useRef(sessionEvents);
  useEffect(() => {
    sessionEventsRef.current = sessionEvents;
  }, [sessionEvents]);

  /** Release the call's media: consumers, producers, transports and the local devices. */
  const releaseCall = useCallback(() => {
    const call = callRef.current;
    callRef.current = null;
    if (!call) return;
    if (call.endTimer !== null) window.clearTimeout(call.endTimer);
    call.session?.close();
    call.marks.close();
    setMarks(null);
    stopOperatorMedia(call.media);
    call.shared?.track.stop();
  }, []);

  /** Stop showing the resident what is shared: the producer closes, so does their consumer. */
  const stopShared = useCallback(async (call: LiveCall) => {
    const shared = call.shared;
    if (!shared) return;
    call.shared = null;
    shared.track.stop();
    if (callRef.current === call) dispatch({ type: 'call/sharing', consultationId: call.id, sharing: null });
    await call.session?.unpublish(shared.source).catch((error: unknown) => console.warn('[call] stop sharing failed', error));
  }, []);

  const finishCall = useCallback(
    (ended: ServerPayload<'call:ended'>) => {
      if (callRef.current?.id === ended.consultationId) releaseCall();
      dispatch({ type: 'call/ended', ended, now: Date.now() });
    },
    [releaseCall],
  );

  /** The operator answered the call whose media was prepared while the console rang: show it, with what it reported meanwhile. */
  const showAnsweredCall = useCallback((call: LiveCall) => {
    if (call.answered) return;
    call.answered = true;
    setMarks(call.marks);
    dispatch({ type: 'call/joined', joined: { ...call.joined, answered: true }, now: Date.now() });
    for (const action of call.untilAnswered.splice(0)) dispatch(action);
  }, []);

  const startCall = useCallback(
    async (client: ProtocolClient, joined: ServerPayload<'call:joined'>) => {
      // Joined again in the call on screen (a rejoin, a rebuilt room): its CallConnection reattaches itself.
      if (callRef.current?.id === joined.consultationId) {
        if (joined.answered) showAnsweredCall(callRef.current);
        return;
      }
      releaseCall();
      const consultationId = joined.consultationId;
      const call: LiveCall = {
        id: consultationId,
        session: null,
        marks: new CallMarks(client, consultationId),
        media: null,
        shared: null,
        muted: false,
        endTimer: null,
        answered: false,
        joined,
        untilAnswered: [],
      };
      const current = () => callRef.current === call;
      const report = (action: ConsoleAction) => (call.answered ? dispatch(action) : call.untilAnswered.push(action));
      callRef.current = call;
      if (joined.answered) showAnsweredCall(call);

      const session = new CallConnection(client, joined, {
        onTrack: (media) => report({ type: 'track/added', consultationId, media }),
        onTrackEnded: (consumerId) => report({ type: 'track/ended', consultationId, consumerId }),
        onState: ({ status, lostSince, failed }) => {
          if (failed) report({ type: 'call/mediaFailed', consultationId });
          report({ type: 'call/connectionState', consultationId, status, lostSince });
        },
      });
      call.session = session;

      const media = await acquireOperatorMedia();
      if (!current()) {
        stopOperatorMedia(media);
        return;
      }
      call.media = media;
      if (media.mic) media.mic.enabled = !call.muted;
      report({ type: 'call/localMedia', consultationId, video: media.cam, missing: media.missing });
      try {
        await Promise.all([
          media.mic && session.publish('operator-mic', media.mic).then(() => (call.muted ? session.setPaused('operator-mic', true) : undefined)),
          media.cam && session.publish('operator-cam', media.cam),
        ]);
        if (current()) report({ type: 'call/mediaReady', consultationId });
      } catch (error) {
        // The connection keeps what it was asked to send and sends it again once repaired.
        console.warn('[call] publishing failed for now:', error);
      }
    },
    [releaseCall, showAnsweredCall],
  );

  useEffect(() => {
    const client = ProtocolClient.connect(token);
    clientRef.current = client;
    setClient(client);
    const { socket } = client;
    dispatch({ type: 'connection', status: 'connecting' });

    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let retryMs = REFUSED_RETRY_FIRST_MS;
    socket.on('connect', () => {
      retryMs = REFUSED_RETRY_FIRST_MS;
      dispatch({ type: 'connection', status: 'connected' });
    });
    let superseded = false;
    socket.on('disconnect', () => dispatch({ type: 'connection', status: superseded ? 'superseded' : 'reconnecting' }));
    socket.on('connect_error', (error) => {
      const ended = refusedSession(error);
      if (ended) {
        console.warn(`[socket] token refused (${ended})`);
        sessionEventsRef.current.onSessionEnded(ended);
        return;
      }
      dispatch({ type: 'connection', status: error.message === 'UNAVAILABLE' ? 'unavailable' : 'reconnecting' });
      // socket.io retries network failures by itself, but not a refusal by the server: we do, with backoff.
      if (!socket.active) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => socket.connect(), retryMs);
        retryMs = Math.min(retryMs * 2, REFUSED_RETRY_MAX_MS);
      }
    });

    const unsubscribe = [
      client.on('session:ended', ({ reason }) => sessionEventsRef.current.onSessionEnded(reason)),
      // The newest window takes the calls (a live one goes on there): this one lets go of its media,
      // and does not connect again by itself — that would take the calls back from the other window.
      client.on('console:superseded', () => {
        superseded = true;
        socket.io.reconnection(false);
        releaseCall();
        dispatch({ type: 'connection', status: 'superseded' });
      }),
      client.on('departments:changed', () => sessionEventsRef.current.onDepartmentsChanged()),
      client.on('presence:changed', ({ presence, awayReason }) => {
        // The server no longer counts us in a call (it ended while we were away): close it here too.
        const call = callRef.current;
        if (call?.answered && (presence === 'available' || presence === 'away' || presence === 'offline') && call.endTimer === null) {
          call.endTimer = window.setTimeout(() => {
            call.endTimer = null;
            if (callRef.current === call) finishCall({ consultationId: call.id, outcome: 'failed', endedBy: 'system', reason: null });
          }, PRESENCE_END_FALLBACK_MS);
        }
        dispatch({ type: 'presence/changed', presence, awayReason });
      }),
      client.on('offer:incoming', (offer) => dispatch({ type: 'offer/incoming', offer, now: Date.now() })),
      client.on('queues:changed', ({ queues }) => dispatch({ type: 'queues/changed', queues })),
      client.on('call:participants', (participants) => dispatch({ type: 'call/participants', participants })),
      client.on('call:guests', (pushed) => setGuests(pushed)),
      client.on('call:supervision', (supervision) => dispatch({ type: 'call/supervision', supervision })),
      client.on('call:connection', (connection) => dispatch({ type: 'call/partyConnection', connection, now: Date.now() })),
      client.on('call:quality', (quality) => dispatch({ type: 'call/quality', quality })),
      client.on('media:starved', (starved) => dispatch({ type: 'track/starved', starved })),
      client.on('call:shareDisplayed', (shareDisplayed) => dispatch({ type: 'call/shareDisplayed', shareDisplayed })),
      client.on('call:left', (left) => {
        if (callRef.current?.id === left.consultationId) releaseCall();
        dispatch({ type: 'call/left', left, now: Date.now() });
      }),
      client.on('offer:withdrawn', ({ consultationId, reason }) => {
        // The media prepared while it rang is given up with the offer.
        if (callRef.current?.id === consultationId && !callRef.current.answered) releaseCall();
        dispatch({ type: 'offer/withdrawn', consultationId, reason });
      }),
      client.on('call:joined', (joined) => {
        if (joined.role === 'operator') void startCall(client, joined);
      }),
      // 応答 to a call whose media was prepared while the console rang.
      client.on('call:answered', ({ consultationId }) => {
        if (callRef.current?.id === consultationId) showAnsweredCall(callRef.current);
      }),
      // A call the server held for us while this page was not there (a reload): rejoin its room.
      client.on('call:resumable', ({ consultationId }) => {
        if (callRef.current?.id !== consultationId) {
          client.request('call:rejoin', { consultationId }).catch((error: unknown) => console.warn('[call] rejoin refused:', error));
        }
      }),
      client.on('call:ended', (ended) => finishCall(ended)),
      client.on('chat:message', (message) => dispatch({ type: 'chat/message', message })),
      client.on('call:history', (history) => dispatch({ type: 'call/history', history })),
      client.on('still:captured', (captured) => dispatch({ type: 'still/captured', captured })),
      client.on('still:failed', (failed) => dispatch({ type: 'still/failed', failed })),
    ];

    return () => {
      clearTimeout(retryTimer);
      for (const off of unsubscribe) off();
      releaseCall();
      client.close();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [token, startCall, finishCall, releaseCall, showAnsweredCall]);

  const actions = useMemo<ConsoleActions>(
    () => ({
      setPresence(presence) {
        const client = clientRef.current;
        if (!client) return;
        dispatch({ type: 'presence/request', presence });
        client.request('presence:set', { presence }).then(
          (answer) => dispatch({ type: 'presence/acknowledged', presence: answer.presence }),
          (error: unknown) => dispatch({ type: 'presence/requestFailed', code: codeOf(error) }),
        );
      },

      accept(consultationId) {
        const client = clientRef.current;
        if (!client) return;
        dispatch({ type: 'offer/accept', consultationId });
        client
          .request('offer:accept', { consultationId })
          .catch((error: unknown) => dispatch({ type: 'offer/acceptFailed', consultationId, code: codeOf(error) }));
      },

      decline(consultationId) {
        const client = clientRef.current;
        if (!client) return;
        dispatch({ type: 'offer/decline', consultationId });
        client
          .request('offer:decline', { consultationId })
          .catch((error: unknown) => console.warn('[offer] decline failed', error));
      },

      toggleMute() {
        const call = callRef.current;
        if (!call) return;
        const muted = !call.muted;
        call.muted = muted;
        if (call.media?.mic) call.media.mic.enabled = !muted;
        dispatch({ type: 'call/muted', muted });
        call.session?.setPaused('operator-mic', muted).catch((error: unknown) => console.warn('[call] mute failed', error));
      },

      startSharing(source, cameraId) {
        const call = callRef.current;
        const session = call?.session;
        if (!call || !session) return;
        void (async () => {
          let track: MediaStreamTrack | null = null;
          try {
            track = await openSharedTrack(source, cameraId);
            if (callRef.current !== call) return track.stop();
            // One thing is shown at a time: a new choice replaces the old one.
            if (call.shared) await stopShared(call);
            await session.publish(source, track, SHARE_PUBLISH);
            const shared = { source, track };
            call.shared = shared;
            // The browser's own "stop sharing" bar ends a screen share too.
            track.addEventListener('ended', () => {
              if (call.shared === shared) void stopShared(call);
            });
            dispatch({ type: 'call/sharing', consultationId: call.id, sharing: shared });
          } catch (error) {
            console.warn('[call] sharing failed', error);
            track?.stop();
            dispatch({ type: 'call/shareFailed', consultationId: call.id, code: codeOf(error) });
          }
        })();
      },

      stopSharing() {
        const call = callRef.current;
        if (call) void stopShared(call);
      },

      async sendChat(text) {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) throw new Error('no call');
        await client.request('chat:send', { consultationId: call.id, text });
      },

      captureStill(withMarks) {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        dispatch({ type: 'still/capturing' });
        client.request('still:capture', { consultationId: call.id, withMarks }).then(
          ({ requestId }) => dispatch({ type: 'still/requested', consultationId: call.id, requestId }),
          (error: unknown) => dispatch({ type: 'still/requestFailed', consultationId: call.id, code: codeOf(error) }),
        );
      },

      endCall() {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        dispatch({ type: 'call/ending' });
        client.request('consultation:end', { consultationId: call.id }).then(
          () => {
            // call:ended follows at once; if it is lost, do not leave the operator in a dead call.
            if (callRef.current !== call || call.endTimer !== null) return;
            call.endTimer = window.setTimeout(() => {
              call.endTimer = null;
              if (callRef.current === call) finishCall({ consultationId: call.id, outcome: 'completed', endedBy: 'operator', reason: null });
            }, END_FALLBACK_MS);
          },
          (error: unknown) => {
            if (callRef.current !== call) return;
            const code = codeOf(error);
            // Already over on the server (it ended while the request travelled): just close here.
            if (code === 'NOT_FOUND') finishCall({ consultationId: call.id, outcome: 'completed', endedBy: 'system', reason: null });
            else dispatch({ type: 'call/endFailed', code });
          },
        );
      },

      transfer(department, note) {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        client
          .request('consultation:transfer', { consultationId: call.id, departmentId: department.id, ...handoverNote(note) })
          .catch((error: unknown) => dispatch({ type: 'call/routingFailed', consultationId: call.id, action: 'transfer', code: codeOf(error) }));
      },

      invite(department, note) {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        dispatch({ type: 'call/inviting', consultationId: call.id, department });
        client
          .request('consultation:invite', { consultationId: call.id, departmentId: department.id, ...handoverNote(note) })
          .catch((error: unknown) => dispatch({ type: 'call/routingFailed', consultationId: call.id, action: 'invite', code: codeOf(error) }));
      },

      cancelInvite() {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        client.request('consultation:cancelInvite', { consultationId: call.id }).then(
          () => dispatch({ type: 'call/inviting', consultationId: call.id, department: null }),
          (error: unknown) => console.warn('[call] cancelling the invitation failed', error),
        );
      },

      leaveCall() {
        const call = callRef.current;
        const client = clientRef.current;
        if (!call || !client) return;
        client
          .request('consultation:leave', { consultationId: call.id })
          .catch((error: unknown) => dispatch({ type: 'call/routingFailed', consultationId: call.id, action: 'leave', code: codeOf(error) }));
      },

      notesDone() {
        dispatch({ type: 'notes/done' });
      },

      dismissNotice() {
        dispatch({ type: 'notice/dismiss' });
      },
    }),
    [finishCall, stopShared],
  );

  // The socket, for panels of the call screen that speak to the call themselves (書類を送る, guests); set once connected.
  return { state, actions, marks, client, guests };
}

import type {
  AwayReason,
  CallSupervisor,
  ConnectionQuality,
  ConsultationOutcome,
  DepartmentQueueSummary,
  DepartmentSummary,
  ErrorCode,
  HandoverNote,
  MediaSource,
  ParticipantRole,
  Presence,
  SelectablePresence,
  ServerPayload,
  ShareDisplay,
  SharedSource,
  SiteSummary,
  StillFailure,
  StillInfo,
} from '@madoguchi/protocol';
import { withChatMessage } from '@madoguchi/protocol/client';

/**
 * The operator console's state: socket connection, presence, ringing offers and the call in
 * progress. Pure — every side effect (socket, media) lives in useConsole.ts and reports here.
 */

/**
 * `unavailable`: the server refused the connection for now (its database is busy); the token is still good.
 * `superseded`: the operator opened the console in another window, which takes the calls now.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unavailable' | 'superseded';

/** A ringing offer as the server sent it, and when it arrived by the console's own clock. */
export type Offer = ServerPayload<'offer:incoming'> & {
  /** Local clock (ms) at arrival: waits and the ring countdown run from here, so clock skew does not matter. */
  receivedAt: number;
};

/** Someone else in the call: a colleague brought in (or who brought us in). */
export type CallOperator = ServerPayload<'call:participants'>['operators'][number];

export interface RemoteMedia {
  consumerId: string;
  source: MediaSource;
  participant: ParticipantRole;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  /** A guest's stream: which guest sends it (call:guests says who they are). */
  guestId?: string;
  /** The SFU sends none of it for want of this console's own bandwidth (media:starved). */
  starved?: boolean;
}

export type CallMediaStatus = 'connecting' | 'ready' | 'failed';

/** The call connection's status as the transports' state the screen words are keyed by. */
const CONNECTION_STATE: Record<'connecting' | 'connected' | 'reconnecting', RTCPeerConnectionState> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'disconnected',
};

export interface ActiveCall {
  consultationId: string;
  site: SiteSummary;
  department: DepartmentSummary;
  /** Local clock (ms) when call:joined arrived: the handling time runs from here. */
  startedAt: number;
  media: CallMediaStatus;
  connectionState: RTCPeerConnectionState | null;
  /** When this console's media or socket was lost (local clock), while it is being repaired. */
  lostSince: number | null;
  /** Others in the call whose connection is lost (the server holds the call for them), since when (local clock). */
  partiesLost: (ServerPayload<'call:connection'>['party'] & { lostAt: number })[];
  /** The resident's connection as their tablet measures it (call:quality); null until it says. */
  residentQuality: ConnectionQuality | null;
  remote: RemoteMedia[];
  /** The operator's own camera, for the small preview. */
  localVideo: MediaStreamTrack | null;
  /** Local devices that could not be opened. */
  localMissing: ('audio' | 'video')[];
  muted: boolean;
  /** What the operator is showing the resident, if anything: its source and the outgoing track (for the preview). */
  sharing: { source: SharedSource; track: MediaStreamTrack } | null;
  /** How the tablet last said it draws a shared picture (call:shareDisplayed); cleared when sharing stops. */
  shareOnTablet: ShareDisplay | null;
  /** Typed messages of this call, in the server's order (gone with the call). */
  chat: ServerPayload<'chat:message'>[];
  /** Joined a consultation under way: the last message written before this operator came (call:history). */
  chatBeforeJoiningUntil: string | null;
  /** The 引き継ぎメモ of whoever transferred the resident here or called this operator in. */
  handoverNotes: HandoverNote[];
  /** Operators in the call, this one included (two in a one-stop call). */
  operators: CallOperator[];
  /** Supervisors listening, whispering or joined (call:supervision): the banner says who and how. */
  supervisors: CallSupervisor[];
  /** A department asked to join (他の課を呼ぶ) that has not answered yet. */
  inviting: DepartmentSummary | null;
  /** Stills of the resident's document camera taken in this call, oldest first. */
  stills: StillInfo[];
  /** The still being taken (its request id), or why the last one failed. */
  capture: { requestId: string | null } | { failed: StillFailure | ErrorCode } | null;
  ending: boolean;
}

export type { SharedSource } from '@madoguchi/protocol';

export type Notice =
  | { kind: 'offer-withdrawn'; reason: 'cancelled' | 'answered' | 'operator_disconnected' }
  | { kind: 'ring-timeout' }
  | {
      kind: 'call-ended';
      outcome: ConsultationOutcome;
      endedBy: 'resident' | 'operator' | 'system';
      /** Why the system ended it (tablet_disconnected, server_restart, …), null otherwise. */
      reason: string | null;
      durationMs: number;
    }
  | { kind: 'call-left'; reason: 'transferred' | 'left'; durationMs: number }
  | { kind: 'error'; action: 'presence' | 'accept' | 'end' | 'share' | 'transfer' | 'invite' | 'leave'; code: ErrorCode };

/** In-call routing requests that can fail with a notice. */
export type CallRoutingAction = 'transfer' | 'invite' | 'leave';

export interface ConsoleState {
  connection: ConnectionStatus;
  /** As the server last said; staff start away (離席中). */
  presence: Presence;
  /** Why the operator is away (chose it, or missed offers), as the server said. */
  awayReason: AwayReason | null;
  /** Queues of the departments this operator serves, in the order first reported. */
  queues: DepartmentQueueSummary[];
  /** A presence:set in flight. */
  presenceRequest: SelectablePresence | null;
  offers: Offer[];
  /** The offer whose offer:accept is in flight. */
  accepting: string | null;
  call: ActiveCall | null;
  /** The call just finished, until its note is filed or skipped (対応メモ). */
  lastCall: { consultationId: string; department: DepartmentSummary; site: SiteSummary } | null;
  notice: Notice | null;
}

export type ConsolePhase = 'idle' | 'offered' | 'accepting' | 'in_call' | 'ending';

export type ConsoleAction =
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'presence/request'; presence: SelectablePresence }
  | { type: 'presence/acknowledged'; presence: Presence }
  | { type: 'presence/requestFailed'; code: ErrorCode }
  | { type: 'presence/changed'; presence: Presence; awayReason: AwayReason | null }
  | { type: 'queues/changed'; queues: DepartmentQueueSummary[] }
  | { type: 'offer/incoming'; offer: ServerPayload<'offer:incoming'>; now: number }
  | { type: 'offer/withdrawn'; consultationId: string; reason: ServerPayload<'offer:withdrawn'>['reason'] }
  | { type: 'offer/accept'; consultationId: string }
  | { type: 'offer/acceptFailed'; consultationId: string; code: ErrorCode }
  | { type: 'offer/decline'; consultationId: string }
  | { type: 'call/joined'; joined: ServerPayload<'call:joined'>; now: number }
  | { type: 'call/localMedia'; consultationId: string; video: MediaStreamTrack | null; missing: ('audio' | 'video')[] }
  | { type: 'call/mediaReady'; consultationId: string }
  | { type: 'call/mediaFailed'; consultationId: string }
  | { type: 'call/connectionState'; consultationId: string; status: 'connecting' | 'connected' | 'reconnecting'; lostSince: number | null }
  | { type: 'call/partyConnection'; connection: ServerPayload<'call:connection'>; now: number }
  | { type: 'call/quality'; quality: ServerPayload<'call:quality'> }
  | { type: 'track/added'; consultationId: string; media: RemoteMedia }
  | { type: 'track/ended'; consultationId: string; consumerId: string }
  | { type: 'track/starved'; starved: ServerPayload<'media:starved'> }
  | { type: 'call/muted'; muted: boolean }
  | { type: 'call/sharing'; consultationId: string; sharing: ActiveCall['sharing'] }
  | { type: 'call/shareDisplayed'; shareDisplayed: ServerPayload<'call:shareDisplayed'> }
  | { type: 'call/shareFailed'; consultationId: string; code: ErrorCode }
  | { type: 'chat/message'; message: ServerPayload<'chat:message'> }
  | { type: 'call/history'; history: ServerPayload<'call:history'> }
  | { type: 'call/participants'; participants: ServerPayload<'call:participants'> }
  | { type: 'call/supervision'; supervision: ServerPayload<'call:supervision'> }
  | { type: 'call/inviting'; consultationId: string; department: DepartmentSummary | null }
  | { type: 'call/routingFailed'; consultationId: string; action: CallRoutingAction; code: ErrorCode }
  | { type: 'call/left'; left: ServerPayload<'call:left'>; now: number }
  | { type: 'still/capturing' }
  | { type: 'still/requested'; consultationId: string; requestId: string }
  | { type: 'still/requestFailed'; consultationId: string; code: ErrorCode }
  | { type: 'still/captured'; captured: ServerPayload<'still:captured'> }
  | { type: 'still/failed'; failed: ServerPayload<'still:failed'> }
  | { type: 'call/ending' }
  | { type: 'call/endFailed'; code: ErrorCode }
  | { type: 'call/ended'; ended: ServerPayload<'call:ended'>; now: number }
  | { type: 'notes/done' }
  | { type: 'notice/dismiss' };

export const initialConsoleState: ConsoleState = {
  connection: 'connecting',
  presence: 'away',
  awayReason: null,
  queues: [],
  presenceRequest: null,
  offers: [],
  accepting: null,
  call: null,
  lastCall: null,
  notice: null,
};

export function consolePhase(state: ConsoleState): ConsolePhase {
  if (state.call) return state.call.ending ? 'ending' : 'in_call';
  if (state.accepting) return 'accepting';
  if (state.offers.length > 0) return 'offered';
  return 'idle';
}

/** Staff may pick 受付可 / 離席中 only outside an offer or a call (the server refuses otherwise). */
export function canChangePresence(state: ConsoleState): boolean {
  return (
    state.connection === 'connected' &&
    state.presenceRequest === null &&
    consolePhase(state) === 'idle' &&
    state.presence !== 'offered' &&
    state.presence !== 'in_call'
  );
}

/** Media of colleagues in a one-stop call: their camera and microphone. */
export function colleagueMedia(call: ActiveCall | null): RemoteMedia[] {
  return call ? call.remote.filter((media) => media.participant === 'operator') : [];
}

/** Voices besides the resident's: a colleague's, and a supervisor's who whispers or joined. */
export function staffVoices(call: ActiveCall): RemoteMedia[] {
  return call.remote.filter((media) => media.kind === 'audio' && media.participant !== 'resident');
}

/** The resident's remote track for a source (the latest one if it was replaced). */
export function remoteBySource(call: ActiveCall | null, source: MediaSource): RemoteMedia | undefined {
  if (!call) return undefined;
  for (let i = call.remote.length - 1; i >= 0; i -= 1) {
    const media = call.remote[i];
    if (media && media.source === source && media.participant === 'resident') return media;
  }
  return undefined;
}

function afterCall(call: ActiveCall): ConsoleState['lastCall'] {
  return { consultationId: call.consultationId, department: call.department, site: call.site };
}

function updateCall(state: ConsoleState, consultationId: string, update: (call: ActiveCall) => ActiveCall): ConsoleState {
  if (!state.call || state.call.consultationId !== consultationId) return state;
  return { ...state, call: update(state.call) };
}

export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case 'connection': {
      if (action.status === 'connected') return { ...state, connection: 'connected' };
      // Requests lost with the connection will not be answered, and the server withdraws a
      // ringing offer as soon as the operator's connection drops.
      return { ...state, connection: action.status, presenceRequest: null, offers: [], accepting: null };
    }

    case 'presence/request':
      return { ...state, presenceRequest: action.presence };

    case 'presence/acknowledged': {
      // The server also pushes presence:changed, before this ack and possibly followed by an offer
      // in the same breath: an ack must never take back 'offered' or 'in_call'.
      const busy = state.presence === 'offered' || state.presence === 'in_call';
      return { ...state, presenceRequest: null, presence: busy ? state.presence : action.presence };
    }

    case 'presence/requestFailed':
      return { ...state, presenceRequest: null, notice: { kind: 'error', action: 'presence', code: action.code } };

    case 'presence/changed': {
      // Outside 'offered' (and 'in_call', which follows an accepted offer) nothing rings any more.
      const ringing = action.presence === 'offered' || action.presence === 'in_call';
      return {
        ...state,
        presence: action.presence,
        awayReason: action.awayReason,
        presenceRequest: null,
        offers: ringing ? state.offers : [],
        accepting: ringing ? state.accepting : null,
      };
    }

    case 'queues/changed': {
      const updated = new Map(action.queues.map((queue) => [queue.department.id, queue]));
      const kept = state.queues.map((queue) => updated.get(queue.department.id) ?? queue);
      const added = action.queues.filter((queue) => !state.queues.some((known) => known.department.id === queue.department.id));
      return { ...state, queues: [...kept, ...added] };
    }

    case 'offer/incoming': {
      const { consultationId } = action.offer;
      if (state.call?.consultationId === consultationId) return state;
      const others = state.offers.filter((offer) => offer.consultationId !== consultationId);
      return {
        ...state,
        offers: [...others, { ...action.offer, receivedAt: action.now }],
        // A new ring replaces stale notices: the operator's attention belongs to the call.
        notice: null,
      };
    }

    case 'offer/withdrawn': {
      const had = state.offers.some((offer) => offer.consultationId === action.consultationId);
      if (!had) return state;
      const notice: Notice | null =
        action.reason === 'declined'
          ? state.notice
          : action.reason === 'timeout'
            ? { kind: 'ring-timeout' }
            : { kind: 'offer-withdrawn', reason: action.reason };
      return {
        ...state,
        offers: state.offers.filter((offer) => offer.consultationId !== action.consultationId),
        accepting: state.accepting === action.consultationId ? null : state.accepting,
        notice,
      };
    }

    case 'offer/accept':
      if (!state.offers.some((offer) => offer.consultationId === action.consultationId)) return state;
      return { ...state, accepting: action.consultationId };

    case 'offer/acceptFailed':
      if (state.call?.consultationId === action.consultationId) return state;
      return {
        ...state,
        accepting: state.accepting === action.consultationId ? null : state.accepting,
        offers: state.offers.filter((offer) => offer.consultationId !== action.consultationId),
        notice: { kind: 'error', action: 'accept', code: action.code },
      };

    case 'offer/decline':
      return {
        ...state,
        offers: state.offers.filter((offer) => offer.consultationId !== action.consultationId),
        accepting: state.accepting === action.consultationId ? null : state.accepting,
      };

    case 'call/joined': {
      const { consultationId, site, department } = action.joined;
      return {
        ...state,
        offers: state.offers.filter((offer) => offer.consultationId !== consultationId),
        accepting: null,
        notice: null,
        lastCall: null,
        call: {
          consultationId,
          site,
          department,
          startedAt: action.now,
          media: 'connecting',
          connectionState: null,
          lostSince: null,
          partiesLost: [],
          residentQuality: null,
          remote: [],
          localVideo: null,
          localMissing: [],
          muted: false,
          sharing: null,
          shareOnTablet: null,
          chat: [],
          chatBeforeJoiningUntil: null,
          handoverNotes: [],
          operators: [],
          supervisors: [],
          inviting: null,
          stills: [],
          capture: null,
          ending: false,
        },
      };
    }

    case 'call/participants':
      return updateCall(state, action.participants.consultationId, (call) => ({
        ...call,
        operators: action.participants.operators,
        // The invited colleague has arrived.
        inviting: action.participants.operators.length > call.operators.length && call.operators.length > 0 ? null : call.inviting,
      }));

    case 'call/supervision':
      return updateCall(state, action.supervision.consultationId, (call) => ({ ...call, supervisors: action.supervision.supervisors }));

    case 'call/inviting':
      return updateCall(state, action.consultationId, (call) => ({ ...call, inviting: action.department }));

    case 'call/routingFailed': {
      const next = updateCall(state, action.consultationId, (call) => ({ ...call, inviting: action.action === 'invite' ? null : call.inviting }));
      return next === state ? state : { ...next, notice: { kind: 'error', action: action.action, code: action.code } };
    }

    case 'call/left':
      if (state.call?.consultationId !== action.left.consultationId) return state;
      return {
        ...state,
        call: null,
        lastCall: afterCall(state.call),
        notice: { kind: 'call-left', reason: action.left.reason, durationMs: Math.max(0, action.now - state.call.startedAt) },
      };

    case 'notes/done':
      return { ...state, lastCall: null };

    case 'call/localMedia':
      return updateCall(state, action.consultationId, (call) => ({
        ...call,
        localVideo: action.video,
        localMissing: action.missing,
      }));

    case 'call/mediaReady':
      return updateCall(state, action.consultationId, (call) => ({ ...call, media: 'ready' }));

    case 'call/mediaFailed':
      return updateCall(state, action.consultationId, (call) => ({ ...call, media: 'failed' }));

    case 'call/connectionState': {
      const connectionState = CONNECTION_STATE[action.status];
      return updateCall(state, action.consultationId, (call) => ({
        ...call,
        connectionState,
        lostSince: action.lostSince,
        // Media that could not be set up at first and is connected now is no longer failed.
        media: call.media === 'failed' && action.status === 'connected' ? 'ready' : call.media,
      }));
    }

    case 'call/partyConnection': {
      const { consultationId, party, state: partyState } = action.connection;
      return updateCall(state, consultationId, (call) => {
        const others = call.partiesLost.filter((lost) => lost.role !== party.role || lost.staffId !== party.staffId);
        return { ...call, partiesLost: partyState === 'lost' ? [...others, { ...party, lostAt: action.now }] : others };
      });
    }

    case 'call/quality': {
      const { consultationId, role, quality } = action.quality;
      return role === 'resident' ? updateCall(state, consultationId, (call) => ({ ...call, residentQuality: quality })) : state;
    }

    case 'track/added':
      return updateCall(state, action.consultationId, (call) => ({
        ...call,
        remote: [...call.remote.filter((media) => media.consumerId !== action.media.consumerId), action.media],
      }));

    case 'track/ended':
      return updateCall(state, action.consultationId, (call) => ({
        ...call,
        remote: call.remote.filter((media) => media.consumerId !== action.consumerId),
      }));

    case 'track/starved': {
      const { consultationId, consumerId, starved } = action.starved;
      return updateCall(state, consultationId, (call) => ({
        ...call,
        remote: call.remote.map((media) => (media.consumerId === consumerId ? { ...media, starved } : media)),
      }));
    }

    case 'call/sharing':
      return updateCall(state, action.consultationId, (call) => ({
        ...call,
        sharing: action.sharing,
        shareOnTablet: action.sharing ? call.shareOnTablet : null,
      }));
    case 'call/shareDisplayed':
      // Kept even if it arrives just before this console has marked the share as started.
      return updateCall(state, action.shareDisplayed.consultationId, (call) => ({ ...call, shareOnTablet: action.shareDisplayed.display }));
    case 'chat/message':
      return updateCall(state, action.message.consultationId, (call) => {
        const chat = withChatMessage(call.chat, action.message);
        return chat === call.chat ? call : { ...call, chat };
      });

    case 'call/history': {
      const { consultationId, chat, stills, handoverNotes } = action.history;
      return updateCall(state, consultationId, (call) => ({
        ...call,
        chat: chat.reduce(withChatMessage, call.chat),
        chatBeforeJoiningUntil: chat.at(-1)?.messageId ?? null,
        stills: [...stills.filter((still) => !call.stills.some((s) => s.id === still.id)), ...call.stills],
        handoverNotes,
      }));
    }

    case 'still/capturing':
      return state.call && !isCapturing(state.call)
        ? { ...state, call: { ...state.call, capture: { requestId: null } } }
        : state;
    case 'still/requested':
      // Unless the still (or its failure) already arrived, ahead of the acknowledgement.
      return updateCall(state, action.consultationId, (call) =>
        isCapturingRequest(call, action.requestId) ? { ...call, capture: { requestId: action.requestId } } : call,
      );
    case 'still/requestFailed':
      return updateCall(state, action.consultationId, (call) => ({ ...call, capture: { failed: action.code } }));
    case 'still/captured': {
      const { consultationId, requestId, still } = action.captured;
      return updateCall(state, consultationId, (call) => ({
        ...call,
        stills: call.stills.some((s) => s.id === still.id) ? call.stills : [...call.stills, still],
        capture: isCapturingRequest(call, requestId) ? null : call.capture,
      }));
    }
    case 'still/failed': {
      const { consultationId, requestId, reason } = action.failed;
      return updateCall(state, consultationId, (call) =>
        isCapturingRequest(call, requestId) ? { ...call, capture: { failed: reason } } : call,
      );
    }

    case 'call/shareFailed': {
      const next = updateCall(state, action.consultationId, (call) => ({ ...call, sharing: null, shareOnTablet: null }));
      return next === state ? state : { ...next, notice: { kind: 'error', action: 'share', code: action.code } };
    }

    case 'call/muted':
      if (!state.call) return state;
      return { ...state, call: { ...state.call, muted: action.muted } };

    case 'call/ending':
      if (!state.call) return state;
      return { ...state, call: { ...state.call, ending: true } };

    case 'call/endFailed':
      if (!state.call) return state;
      return {
        ...state,
        call: { ...state.call, ending: false },
        notice: { kind: 'error', action: 'end', code: action.code },
      };

    case 'call/ended': {
      const { consultationId, outcome, endedBy, reason } = action.ended;
      if (state.call?.consultationId !== consultationId) {
        // Ended before it was answered: drop a ringing offer for it, if any.
        if (!state.offers.some((offer) => offer.consultationId === consultationId)) return state;
        return {
          ...state,
          offers: state.offers.filter((offer) => offer.consultationId !== consultationId),
          accepting: state.accepting === consultationId ? null : state.accepting,
        };
      }
      return {
        ...state,
        call: null,
        lastCall: afterCall(state.call),
        notice: { kind: 'call-ended', outcome, endedBy, reason, durationMs: Math.max(0, action.now - state.call.startedAt) },
      };
    }

    case 'notice/dismiss':
      return { ...state, notice: null };
  }
}

/** Whether a still is being taken (one at a time). */
export function isCapturing(call: ActiveCall): boolean {
  return call.capture !== null && 'requestId' in call.capture;
}

/** Whether the still being taken is this request's (or its request id is not known yet). */
function isCapturingRequest(call: ActiveCall, requestId: string): boolean {
  return call.capture !== null && 'requestId' in call.capture && (call.capture.requestId ?? requestId) === requestId;
}

import type {
  ClientAck,
  ConsultationOutcome,
  ConsultationStatus,
  DepartmentAvailability,
  DepartmentSummary,
  KioskDepartment,
  DeviceProfile,
  SatisfactionScore,
  ServerPayload,
  SupervisionNotice,
} from '@madoguchi/protocol';

/**
 * The kiosk's phases as a small state machine. The reducer is pure: side effects (HTTP, socket,
 * media) live in useKiosk.ts and the screens, and report back through these actions.
 *
 *   starting ─► pairing ─► home ⇄ clerkPin ─► settings ⇄ precheck   (settings back to home)
 *                            │
 *                            ▼
 *                         waiting ─► call ─► rating ─► home
 *                            │         └──(failed)──► home
 *                            └──(cancel / ended)──► home
 */

/**
 * A screen other than home that nobody touches for this long goes back to home, keeping nothing
 * (the clerk's settings, the pre-call check, a notice, a language other than Japanese). The waiting
 * and call screens are exempt: a resident may sit still for minutes there. The rating screen is not:
 * a resident who walked away leaves it for the next one.
 */
export const IDLE_RESET_SECONDS = 120;

/** How long the thank-you stays before the home screen returns. */
export const THANKS_SECONDS = 5;

export type CallJoined = ServerPayload<'call:joined'>;

/** A staff member serving the resident now, and their department. */
export type Serving = Pick<ServerPayload<'call:participants'>['operators'][number], 'name' | 'department'>;

/**
 * Why pairing failed: nothing entered, a wrong token, a wrong or expired code, too many wrong codes
 * (wait), a revoked tablet, no server, or a page opened over plain http (no camera nor microphone then).
 */
export type PairingError = 'empty' | 'invalid' | 'invalidCode' | 'tooManyAttempts' | 'revoked' | 'network' | 'insecure';

/** One-line messages shown on the home screen after something happened. */
export type Notice =
  | 'paired'
  | 'noOperator'
  | 'requestFailed'
  | 'cancelled'
  | 'waitingEnded'
  | 'callEnded'
  | 'callFailed'
  | 'connectionLost'
  | 'callbackRequested';

export type KioskPhase =
  | { name: 'starting'; failed: boolean }
  | { name: 'pairing'; error: PairingError | null; checking: boolean }
  | { name: 'home' }
  /**
   * The clerk's PIN pad before the settings. `checking`: asking the server (whether a PIN is set, or
   * whether this one is right); `lockedUntil`: Date.now() time until wrong PINs lock the pad.
   */
  | {
      name: 'clerkPin';
      checking: boolean;
      attemptsLeft: number | null;
      lockedUntil: number | null;
      /** The server could not be asked (offline): the PIN cannot be checked. */
      unreachable: boolean;
    }
  | { name: 'settings' }
  /** The clerk books a slot of a department for a resident, at this site (from the settings). */
  | { name: 'booking' }
  /**
   * 予約の方: the resident types their booking's code. `checking`: asking the server;
   * `notFound`: no booking of today at this site has that code.
   */
  | { name: 'reservationCode'; checking: boolean; notFound: boolean }
  /** The clerk's pre-call check (cameras, microphone, speaker, network), reached from settings. */
  | { name: 'precheck' }
  | {
      name: 'waiting';
      department: DepartmentSummary;
      /** null until the server has acknowledged consultation:request. */
      consultationId: string | null;
      status: ConsultationStatus;
      queuePosition: number | null;
      estimatedWaitSeconds: number | null;
      /** Every operator who could answer is away or logged out: the resident is told, and offered the callback. */
      allOperatorsAway: boolean;
      /** The department cannot take the request now: the resident may ask for a callback or leave. */
      refusal: Refusal | null;
      cancelling: boolean;
      /**
       * The room this tablet entered while an operator's console rings (call:joined, not yet answered):
       * its media is set up and sent ahead, so the call starts with a picture on the operator's answer.
       */
      preparedCall: CallJoined | null;
    }
  | {
      name: 'call';
      call: CallJoined;
      /**
       * Who serves the resident now (call:participants): after a transfer or a colleague's leaving
       * it is no longer who answered first. Empty while a transfer waits for the next department.
       */
      serving: Serving[];
      ending: boolean;
      /** Transferred: the resident stays connected and waits for this department's operator. */
      transfer: { department: DepartmentSummary; queuePosition: number | null } | null;
      /** What the tablet says of live supervision (call:supervisionNotice, when the city tells residents); null: nothing. */
      supervision: SupervisionNotice | null;
    }
  /**
   * After a call: ご満足いただけましたか？ A tapped face is the rating (sent with 送る, or when the
   * resident walks away); then a thank-you and home. Only the consultation id is kept, for the rating.
   */
  | {
      name: 'rating';
      consultationId: string;
      endedBy: 'resident' | 'operator' | 'system';
      score: SatisfactionScore | null;
      stage: 'choose' | 'sending' | 'thanks';
    };

export type Refusal = Pick<ServerPayload<'consultation:refused'>, 'reason' | 'nextOpeningAt'>;

export interface KioskState {
  phase: KioskPhase;
  device: DeviceProfile | null;
  departments: KioskDepartment[];
  /** What a press of each department's button would meet now (closed, all away, busy), by department id. */
  availability: Readonly<Record<string, DepartmentAvailability>>;
  /** Whether the signaling socket is connected. */
  online: boolean;
  notice: Notice | null;
  /** 職員を呼ぶ pressed: on its way, sent (until a staff member answers), answered, or not sent. */
  help: HelpStatus | null;
}

export type HelpStatus = 'calling' | 'called' | 'acknowledged' | 'failed';

export type KioskAction =
  | { type: 'bootFailed' }
  | { type: 'bootRetried' }
  | { type: 'needsPairing'; error: PairingError | null }
  | { type: 'pairingSubmitted' }
  | { type: 'pairingFailed'; error: PairingError }
  | { type: 'paired'; device: DeviceProfile; departments: KioskDepartment[]; firstTime: boolean }
  | { type: 'departmentsLoaded'; departments: KioskDepartment[] }
  | { type: 'availabilityChanged'; availability: ServerPayload<'departments:availability'> }
  | { type: 'socketChanged'; online: boolean }
  /** The settings button on home: the PIN pad, asking the server whether a PIN is needed. */
  | { type: 'clerkPinOpened' }
  | { type: 'clerkPinAsked'; lockedUntil: number | null }
  | { type: 'clerkPinSubmitted' }
  | { type: 'clerkPinRefused'; attemptsLeft: number; lockedUntil: number | null }
  | { type: 'clerkPinUnreachable' }
  /** The PIN was right (or the site has none): the settings open. */
  | { type: 'settingsOpened' }
  /** Back home from the PIN pad or the settings. */
  | { type: 'settingsClosed' }
  | { type: 'precheckOpened' }
  | { type: 'precheckClosed' }
  | { type: 'bookingOpened' }
  /** Back to the settings from the booking form. */
  | { type: 'bookingClosed' }
  /** 予約の方 on home: the code pad. */
  | { type: 'reservationCodeOpened' }
  | { type: 'reservationCodeSubmitted' }
  | { type: 'reservationCodeRefused' }
  | { type: 'reservationCodeClosed' }
  /** Nobody touched the tablet for IDLE_RESET_SECONDS (dispatched only when resetsWhenIdle). */
  | { type: 'idleTimeout' }
  | { type: 'requestStarted'; department: DepartmentSummary }
  | { type: 'requestAcknowledged'; ack: ClientAck<'consultation:request'> }
  | { type: 'requestFailed'; notice: Notice }
  | { type: 'statusChanged'; status: ServerPayload<'consultation:status'> }
  | { type: 'refused'; refused: ServerPayload<'consultation:refused'> }
  | { type: 'participantsChanged'; participants: ServerPayload<'call:participants'> }
  | { type: 'supervisionNotice'; notice: ServerPayload<'call:supervisionNotice'> }
  | { type: 'cancelRequested' }
  | { type: 'cancelled' }
  | { type: 'callJoined'; call: CallJoined }
  | { type: 'callAnswered'; answered: ServerPayload<'call:answered'> }
  | { type: 'callReleased'; consultationId: string }
  | { type: 'endRequested' }
  | {
      type: 'callEnded';
      consultationId: string;
      outcome: ConsultationOutcome;
      endedBy: 'resident' | 'operator' | 'system';
    }
  | { type: 'currentConsultation'; consultationId: string | null }
  | { type: 'ratingChosen'; score: SatisfactionScore }
  | { type: 'ratingSubmitted' }
  /** The rating was sent (or could not be: the resident is thanked either way). */
  | { type: 'ratingSent' }
  /** The thank-you has been shown, or the resident chose not to answer. */
  | { type: 'ratingFinished' }
  | { type: 'noticeDismissed' }
  | { type: 'helpRequested' }
  | { type: 'helpSent' }
  | { type: 'helpFailed' }
  | { type: 'helpAcknowledged' }
  | { type: 'helpDismissed' };

export const initialKioskState: KioskState = {
  phase: { name: 'starting', failed: false },
  device: null,
  departments: [],
  availability: {},
  online: false,
  notice: null,
  help: null,
};

const HOME: KioskPhase = { name: 'home' };

/** Whether a server event about `consultationId` concerns the consultation this kiosk is in. */
export function isCurrentConsultation(state: KioskState, consultationId: string): boolean {
  const { phase } = state;
  if (phase.name === 'waiting') return phase.consultationId === null || phase.consultationId === consultationId;
  if (phase.name === 'call') return phase.call.consultationId === consultationId;
  return false;
}

/**
 * Whether a call:joined concerns this kiosk: the call it waits for, the call on screen (the server
 * put the tablet into the room afresh: a rejoin, a rebuilt room), or — on the home screen — the
 * call the server held for this tablet across a page reload or a server restart. False: it is
 * stale, or the resident is cancelling.
 */
export function acceptsCall(state: KioskState, call: CallJoined): boolean {
  const { phase } = state;
  if (call.role !== 'resident') return false;
  // Media prepared for a ringing offer belongs to the waiting screen of that request only.
  if (!call.answered) return phase.name === 'waiting' && !phase.cancelling && phase.consultationId === call.consultationId;
  if (phase.name === 'home') return true;
  if (phase.name === 'call') return phase.call.consultationId === call.consultationId;
  return phase.name === 'waiting' && !phase.cancelling && (phase.consultationId === null || phase.consultationId === call.consultationId);
}

/** Whether the idle timer runs: something is on screen that the next resident should not find. */
export function resetsWhenIdle(state: KioskState): boolean {
  const { phase } = state;
  return (
    phase.name === 'clerkPin' ||
    phase.name === 'settings' ||
    phase.name === 'precheck' ||
    phase.name === 'booking' ||
    phase.name === 'reservationCode' ||
    phase.name === 'rating' ||
    (phase.name === 'home' && state.notice !== null)
  );
}

/** Who call:joined names: the operator who answered, of the call's department. */
function servingAtJoin(call: CallJoined): Serving[] {
  return call.operatorName ? [{ name: call.operatorName, department: call.department }] : [];
}

function noticeForEnd(phase: KioskPhase, outcome: ConsultationOutcome): Notice {
  if (outcome === 'callback_requested') return 'callbackRequested';
  if (phase.name === 'waiting') return outcome === 'abandoned' ? 'cancelled' : 'waitingEnded';
  if (outcome === 'failed') return 'callFailed';
  return 'callEnded';
}

export function kioskReducer(state: KioskState, action: KioskAction): KioskState {
  const { phase } = state;
  switch (action.type) {
    case 'bootFailed':
      return phase.name === 'starting' ? { ...state, phase: { name: 'starting', failed: true } } : state;
    case 'bootRetried':
      return phase.name === 'starting' ? { ...state, phase: { name: 'starting', failed: false } } : state;

    case 'needsPairing':
      // Also the way out of any phase when the token turns out to be bad: forget the device.
      return {
        ...initialKioskState,
        phase: { name: 'pairing', error: action.error, checking: false },
      };
    case 'pairingSubmitted':
      return phase.name === 'pairing' ? { ...state, phase: { ...phase, error: null, checking: true } } : state;
    case 'pairingFailed':
      return phase.name === 'pairing'
        ? { ...state, phase: { name: 'pairing', error: action.error, checking: false } }
        : state;
    case 'paired':
      if (phase.name !== 'pairing' && phase.name !== 'starting') return state;
      return {
        ...state,
        phase: HOME,
        device: action.device,
        departments: action.departments,
        notice: action.firstTime ? 'paired' : null,
      };
    case 'departmentsLoaded':
      return { ...state, departments: action.departments };
    case 'availabilityChanged':
      return { ...state, availability: Object.fromEntries(action.availability.departments.map((entry) => [entry.departmentId, entry])) };
    case 'socketChanged':
      return state.online === action.online ? state : { ...state, online: action.online };

    case 'clerkPinOpened':
      return phase.name === 'home'
        ? { ...state, phase: { name: 'clerkPin', checking: true, attemptsLeft: null, lockedUntil: null, unreachable: false }, notice: null }
        : state;
    case 'clerkPinAsked':
      return phase.name === 'clerkPin' ? { ...state, phase: { ...phase, checking: false, lockedUntil: action.lockedUntil } } : state;
    case 'clerkPinSubmitted':
      return phase.name === 'clerkPin' && !phase.checking ? { ...state, phase: { ...phase, checking: true, unreachable: false } } : state;
    case 'clerkPinRefused':
      return phase.name === 'clerkPin'
        ? { ...state, phase: { ...phase, checking: false, attemptsLeft: action.attemptsLeft, lockedUntil: action.lockedUntil } }
        : state;
    case 'clerkPinUnreachable':
      return phase.name === 'clerkPin' ? { ...state, phase: { ...phase, checking: false, unreachable: true } } : state;
    case 'settingsOpened':
      return phase.name === 'clerkPin' ? { ...state, phase: { name: 'settings' } } : state;
    case 'settingsClosed':
      return phase.name === 'settings' || phase.name === 'clerkPin' ? { ...state, phase: HOME } : state;
    case 'precheckOpened':
      return phase.name === 'settings' ? { ...state, phase: { name: 'precheck' } } : state;
    case 'precheckClosed':
      return phase.name === 'precheck' ? { ...state, phase: { name: 'settings' } } : state;
    case 'bookingOpened':
      return phase.name === 'settings' ? { ...state, phase: { name: 'booking' } } : state;
    case 'bookingClosed':
      return phase.name === 'booking' ? { ...state, phase: { name: 'settings' } } : state;
    case 'reservationCodeOpened':
      return phase.name === 'home' ? { ...state, notice: null, phase: { name: 'reservationCode', checking: false, notFound: false } } : state;
    case 'reservationCodeSubmitted':
      return phase.name === 'reservationCode' ? { ...state, phase: { ...phase, checking: true, notFound: false } } : state;
    case 'reservationCodeRefused':
      return phase.name === 'reservationCode' ? { ...state, phase: { ...phase, checking: false, notFound: true } } : state;
    case 'reservationCodeClosed':
      return phase.name === 'reservationCode' ? { ...state, phase: HOME } : state;
    case 'idleTimeout':
      return resetsWhenIdle(state) ? { ...state, phase: HOME, notice: null } : state;

    case 'requestStarted':
      // From the clerk's screen too: the clerk checked a booking in (受付する).
      if ((phase.name !== 'home' && phase.name !== 'reservationCode' && phase.name !== 'settings') || !state.online) return state;
      return {
        ...state,
        notice: null,
        phase: {
          name: 'waiting',
          department: action.department,
          consultationId: null,
          status: 'waiting',
          queuePosition: null,
          estimatedWaitSeconds: null,
          allOperatorsAway: false,
          refusal: null,
          cancelling: false,
          preparedCall: null,
        },
      };
    case 'requestAcknowledged': {
      const { ack } = action;
      if (phase.name !== 'waiting' || (phase.consultationId ?? ack.consultationId) !== ack.consultationId) return state;
      // The ack carries the place at that moment; a status pushed before it arrived is newer.
      if (phase.consultationId !== null) return state;
      const place = ack.status === 'waiting' || ack.status === 'offered'
        ? { status: ack.status, queuePosition: ack.queuePosition, estimatedWaitSeconds: ack.estimatedWaitSeconds, allOperatorsAway: ack.allOperatorsAway }
        : {};
      return { ...state, phase: { ...phase, consultationId: ack.consultationId, ...place } };
    }
    case 'requestFailed':
      return phase.name === 'waiting' || phase.name === 'reservationCode' ? { ...state, phase: HOME, notice: action.notice } : state;

    case 'statusChanged': {
      const { status } = action;
      if (phase.name === 'home' && (status.status === 'waiting' || status.status === 'offered')) {
        // The server still holds this tablet's request (after a reload or a restart): back in the queue on screen.
        return {
          ...state,
          notice: null,
          phase: {
            name: 'waiting',
            department: status.department,
            consultationId: status.consultationId,
            status: status.status,
            queuePosition: status.queuePosition,
            estimatedWaitSeconds: status.estimatedWaitSeconds,
            allOperatorsAway: status.allOperatorsAway,
            refusal: null,
            cancelling: false,
            preparedCall: null,
          },
        };
      }
      if (!isCurrentConsultation(state, status.consultationId)) return state;
      if (status.status === 'ended') {
        // call:ended normally follows with the outcome; this covers a server that only sends the status.
        return { ...state, phase: HOME, notice: phase.name === 'call' ? 'callEnded' : 'waitingEnded' };
      }
      if (phase.name === 'call') {
        // Waiting again during a call: transferred to another department's queue.
        const transfer = status.status === 'in_call' ? null : { department: status.department, queuePosition: status.queuePosition };
        return { ...state, phase: { ...phase, transfer } };
      }
      if (phase.name !== 'waiting') return state;
      return {
        ...state,
        phase: {
          ...phase,
          consultationId: status.consultationId,
          status: status.status,
          queuePosition: status.queuePosition,
          estimatedWaitSeconds: status.estimatedWaitSeconds,
          allOperatorsAway: status.allOperatorsAway,
        },
      };
    }

    case 'refused': {
      const { refused } = action;
      if (phase.name === 'home') {
        // Held across a reload: the refusal is on screen again, with its callback offer.
        return {
          ...state,
          notice: null,
          phase: {
            name: 'waiting',
            department: refused.department,
            consultationId: refused.consultationId,
            status: 'waiting',
            queuePosition: null,
            estimatedWaitSeconds: null,
            allOperatorsAway: false,
            refusal: { reason: refused.reason, nextOpeningAt: refused.nextOpeningAt },
            cancelling: false,
            preparedCall: null,
          },
        };
      }
      if (phase.name !== 'waiting' || !isCurrentConsultation(state, refused.consultationId)) return state;
      return {
        ...state,
        phase: { ...phase, consultationId: refused.consultationId, refusal: { reason: refused.reason, nextOpeningAt: refused.nextOpeningAt } },
      };
    }

    case 'participantsChanged': {
      const { participants } = action;
      if (phase.name !== 'call' || phase.call.consultationId !== participants.consultationId) return state;
      const serving = participants.operators.map(({ name, department }) => ({ name, department }));
      // Nobody in the call: transferred, the banner says where to; someone there: the transfer is over.
      return { ...state, phase: { ...phase, serving, transfer: serving.length > 0 ? null : phase.transfer } };
    }

    case 'supervisionNotice': {
      const { consultationId, notice } = action.notice;
      if (phase.name !== 'call' || phase.call.consultationId !== consultationId) return state;
      return { ...state, phase: { ...phase, supervision: notice } };
    }

    case 'cancelRequested':
      return phase.name === 'waiting' ? { ...state, phase: { ...phase, cancelling: true } } : state;
    case 'cancelled':
      return phase.name === 'waiting' ? { ...state, phase: HOME, notice: 'cancelled' } : state;

    case 'callJoined':
      if (!acceptsCall(state, action.call)) return state;
      if (phase.name === 'waiting' && !action.call.answered) return { ...state, phase: { ...phase, preparedCall: action.call } };
      // Joined again during the call: the same call on screen (its media reconnects underneath);
      // who serves it comes with the call:participants that follows.
      if (phase.name === 'call') return { ...state, phase: { ...phase, call: action.call } };
      return {
        ...state,
        notice: null,
        phase: { name: 'call', call: action.call, serving: servingAtJoin(action.call), ending: false, transfer: null, supervision: null },
      };
    case 'callAnswered': {
      const { consultationId, operatorName, department } = action.answered;
      if (phase.name !== 'waiting' || phase.preparedCall?.consultationId !== consultationId) return state;
      const call = { ...phase.preparedCall, operatorName, department, answered: true };
      return {
        ...state,
        notice: null,
        phase: { name: 'call', call, serving: servingAtJoin(call), ending: false, transfer: null, supervision: null },
      };
    }
    case 'callReleased':
      if (phase.name !== 'waiting' || phase.preparedCall?.consultationId !== action.consultationId) return state;
      return { ...state, phase: { ...phase, preparedCall: null } };
    case 'endRequested':
      return phase.name === 'call' ? { ...state, phase: { ...phase, ending: true } } : state;
    case 'callEnded':
      if (!isCurrentConsultation(state, action.consultationId)) return state;
      if (phase.name === 'call' && action.outcome === 'completed') {
        return {
          ...state,
          notice: null,
          phase: {
            name: 'rating',
            consultationId: action.consultationId,
            endedBy: action.endedBy,
            score: null,
            stage: 'choose',
          },
        };
      }
      return { ...state, phase: HOME, notice: noticeForEnd(phase, action.outcome) };

    case 'currentConsultation': {
      // After a reconnect the server says which consultation it still holds for this tablet; one
      // on screen that it no longer holds ended while the tablet was offline.
      const shown = phase.name === 'waiting' ? phase.consultationId : phase.name === 'call' ? phase.call.consultationId : null;
      if (shown === null || shown === action.consultationId) return state;
      return { ...state, phase: HOME, notice: 'connectionLost' };
    }

    case 'ratingChosen':
      return phase.name === 'rating' && phase.stage === 'choose' ? { ...state, phase: { ...phase, score: action.score } } : state;
    case 'ratingSubmitted':
      return phase.name === 'rating' && phase.stage === 'choose' && phase.score !== null
        ? { ...state, phase: { ...phase, stage: 'sending' } }
        : state;
    case 'ratingSent':
      return phase.name === 'rating' && phase.stage === 'sending' ? { ...state, phase: { ...phase, stage: 'thanks' } } : state;
    case 'ratingFinished':
      return phase.name === 'rating' ? { ...state, phase: HOME, notice: null } : state;

    case 'helpRequested':
      // Pressed again while a call is open: the server counts it on the same call.
      return { ...state, help: state.help === 'called' ? 'called' : 'calling' };
    case 'helpSent':
      return state.help === 'calling' ? { ...state, help: 'called' } : state;
    case 'helpFailed':
      return state.help === 'calling' ? { ...state, help: 'failed' } : state;
    case 'helpAcknowledged':
      return state.help === 'calling' || state.help === 'called' ? { ...state, help: 'acknowledged' } : state;
    case 'helpDismissed':
      return state.help === 'acknowledged' || state.help === 'failed' ? { ...state, help: null } : state;
    case 'noticeDismissed':
      return state.notice === null ? state : { ...state, notice: null };
  }
}

import { ProtocolError, type BookingRequest, type BoothReservation, type ClientAck, type DepartmentSummary, type Reservation, type ReservationOptions, type SatisfactionScore, type StillInfo } from '@madoguchi/protocol';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, bookReservation, fetchDepartments, fetchDeviceProfile, fetchReservationOptions, redeemPairingCode, uploadStill } from './api.ts';
import { extractToken, pairingCodeIn } from './pairingToken.ts';
import {
  acceptsCall,
  initialKioskState,
  kioskReducer,
  THANKS_SECONDS,
  type KioskAction,
  type KioskState,
  type PairingError,
} from './kioskState.ts';
import { clearDeviceToken, loadDeviceToken, saveDeviceToken } from './storage.ts';

/** How long to wait for consultation:end before leaving the call screen anyway. */
const END_WAIT_MS = 3_000;
/** Retry delays when the server refused the socket for a reason other than a bad token (e.g. UNAVAILABLE). */
const RECONNECT_FIRST_MS = 2_000;
const RECONNECT_MAX_MS = 30_000;

export interface KioskController {
  state: KioskState;
  /** The signaling connection, while the tablet is paired. */
  client: ProtocolClient | null;
  /** The server said it cannot answer just now (UNAVAILABLE): the token is kept and the tablet retries. */
  serverBusy: boolean;
  retryBoot(): void;
  pair(token: string): void;
  /** The settings button: the clerk's PIN pad (straight to the settings where the site has no PIN). */
  openSettings(): void;
  submitClerkPin(pin: string): void;
  /** Back home from the PIN pad or the settings. */
  closeSettings(): void;
  openPrecheck(): void;
  closePrecheck(): void;
  /** The clerk's booking form (from the settings), and back. */
  openBooking(): void;
  closeBooking(): void;
  /** 予約の方: the code pad, and back home. */
  openReservationCode(): void;
  closeReservationCode(): void;
  /** Check in the booking with this code: the consultation is requested for its department. */
  checkInReservation(code: string): void;
  /** Nobody touched the tablet for IDLE_RESET_SECONDS. */
  idleTimeout(): void;
  startConsultation(department: DepartmentSummary): void;
  /** Leave a name and number instead of waiting; rejects when it could not be sent (the screen says so). */
  requestCallback(name: string, phone: string): Promise<void>;
  cancelConsultation(): void;
  endCall(): void;
  /** The resident tapped a face after the call. */
  chooseRating(score: SatisfactionScore): void;
  /** Send the chosen face, with the comment if any; then thanks and home. */
  sendRating(comment: string): void;
  /** The resident does not want to answer: home at once. */
  skipRating(): void;
  dismissNotice(): void;
  /** 職員を呼ぶ: alert the supervisors' consoles (again: the same call). */
  callForHelp(): void;
  /** Hide the answer (or failure) of a call for help. */
  dismissHelp(): void;
  /** Upload a still the operator asked for, with this tablet's token. */
  uploadStill(consultationId: string, requestId: string, image: Blob): Promise<StillInfo>;
  /** The clerk's booking form: a day's slots, categories and operators of a department; a booking for this site. */
  reservationOptions(departmentId: string, date: string): Promise<ReservationOptions>;
  book(request: BookingRequest): Promise<Reservation>;
  /** The clerk's screen: today's bookings of this site not yet kept; null when the site has no clerk PIN. */
  todayBookings(): Promise<BoothReservation[] | null>;
  /** 受付する on one of them: the resident then waits as after typing the code. */
  checkInBooking(reservationId: string): Promise<void>;
}

/** When a lock of `retryAfterSeconds` (from the server) ends, in this tablet's Date.now() time. */
function lockEnd(retryAfterSeconds: number | null): number | null {
  return retryAfterSeconds === null ? null : Date.now() + retryAfterSeconds * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The kiosk's side effects around the pure reducer: the device token and REST checks, the
 * socket connection, the consultation requests and the server's pushes.
 */
export function useKiosk(): KioskController {
  const [state, reactDispatch] = useReducer(kioskReducer, initialKioskState);
  // The same reducer applied synchronously, so async handlers always see the latest state.
  const stateRef = useRef(state);
  const dispatch = useCallback((action: KioskAction) => {
    stateRef.current = kioskReducer(stateRef.current, action);
    reactDispatch(action);
  }, []);

  const [token, setToken] = useState<string | null>(() => loadDeviceToken());
  const [client, setClient] = useState<ProtocolClient | null>(null);
  const clientRef = useRef<ProtocolClient | null>(null);
  /**
   * The clerk's PIN while the clerk's screen is open: the server wants it again with each request for
   * residents' names. Memory only, dropped when the screen closes or a resident is checked in.
   */
  const clerkPinRef = useRef<string | null>(null);
  const [bootAttempt, setBootAttempt] = useState(0);
  const [serverBusy, setServerBusy] = useState(false);
  /** Consultations this tablet is done with: late pushes about them are ignored (or ended). */
  const finished = useRef(new Set<string>());
  /** The thank-you's way home; cleared if the tablet leaves the rating some other way. */
  const thanksTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(thanksTimer.current), []);

  const unpair = useCallback(
    (error: PairingError | null) => {
      clearDeviceToken();
      setToken(null);
      dispatch({ type: 'needsPairing', error });
    },
    [dispatch],
  );

  // Boot: check the stored token, if any.
  useEffect(() => {
    if (stateRef.current.phase.name !== 'starting') return;
    const stored = loadDeviceToken();
    if (!stored) {
      dispatch({ type: 'needsPairing', error: null });
      return;
    }
    let cancelled = false;
    Promise.all([fetchDeviceProfile(stored), fetchDepartments(stored)]).then(
      ([device, departments]) => {
        if (cancelled) return;
        setServerBusy(false);
        dispatch({ type: 'paired', device, departments, firstTime: false });
      },
      (error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.unauthorized) return unpair('revoked');
        // Unreachable or busy: keep the token; the starting screen retries.
        setServerBusy(error instanceof ApiError && error.unavailable);
        dispatch({ type: 'bootFailed' });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [bootAttempt, dispatch, unpair]);

  const retryBoot = useCallback(() => {
    dispatch({ type: 'bootRetried' });
    setBootAttempt((n) => n + 1);
  }, [dispatch]);

  /** Pair with what the clerk entered: an 8-digit code from the admin, or the device token itself. */
  const pair = useCallback(
    (input: string) => {
      const candidate = input.trim();
      if (stateRef.current.phase.name !== 'pairing' || (stateRef.current.phase.checking)) return;
      if (!candidate) {
        dispatch({ type: 'pairingFailed', error: 'empty' });
        return;
      }
      // Over plain http the browser gives no camera nor microphone: a call could not work.
      if (!window.isSecureContext) {
        dispatch({ type: 'pairingFailed', error: 'insecure' });
        return;
      }
      dispatch({ type: 'pairingSubmitted' });
      const code = pairingCodeIn(candidate);
      const tokenOf = code ? redeemPairingCode(code) : Promise.resolve(extractToken(candidate));
      tokenOf
        .then(async (token) => {
          const [device, departments] = await Promise.all([fetchDeviceProfile(token), fetchDepartments(token)]);
          saveDeviceToken(token);
          setToken(token);
          dispatch({ type: 'paired', device, departments, firstTime: true });
        })
        .catch((error: unknown) => {
          const refused = error instanceof ApiError && error.status !== 0 && !error.unavailable;
          const reason: PairingError = !refused ? 'network' : error.status === 429 ? 'tooManyAttempts' : code ? 'invalidCode' : 'invalid';
          dispatch({ type: 'pairingFailed', error: reason });
        });
    },
    [dispatch],
  );

  // Ask the server to end a consultation this tablet is not (or no longer) part of.
  const endQuietly = useCallback((consultationId: string) => {
    finished.current.add(consultationId);
    clientRef.current?.request('consultation:end', { consultationId }).catch(() => {});
  }, []);

  // The signaling connection, while paired.
  const paired = state.device !== null;
  useEffect(() => {
    if (!token || !paired) return;
    const protocol = ProtocolClient.connect(token);
    const { socket } = protocol;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let retryMs = RECONNECT_FIRST_MS;
    const reconnectLater = () => {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => socket.connect(), retryMs);
      retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
    };

    const reloadDepartments = () =>
      fetchDepartments(token).then(
        (departments) => dispatch({ type: 'departmentsLoaded', departments }),
        () => {},
      );
    socket.on('connect', () => {
      retryMs = RECONNECT_FIRST_MS;
      setServerBusy(false);
      dispatch({ type: 'socketChanged', online: true });
      reloadDepartments(); // they may have changed while we were away
    });
    socket.on('disconnect', (reason) => {
      dispatch({ type: 'socketChanged', online: false });
      if (reason === 'io server disconnect') reconnectLater(); // socket.io does not retry this one itself
    });
    socket.on('connect_error', (error) => {
      dispatch({ type: 'socketChanged', online: false });
      // Only a verdict on the token forgets it; UNAVAILABLE (the server's database is busy) is retried.
      if (error.message === 'UNAUTHORIZED') return unpair('revoked');
      setServerBusy(error.message === 'UNAVAILABLE');
      if (!socket.active) reconnectLater();
    });

    const unsubscribe = [
      protocol.on('departments:changed', reloadDepartments),
      protocol.on('consultation:status', (status) => {
        if (finished.current.has(status.consultationId)) return;
        if (status.status === 'ended') finished.current.add(status.consultationId);
        dispatch({ type: 'statusChanged', status });
      }),
      protocol.on('call:joined', (call) => {
        if (!finished.current.has(call.consultationId) && acceptsCall(stateRef.current, call)) {
          dispatch({ type: 'callJoined', call });
        } else if (call.role === 'resident' && call.answered) {
          endQuietly(call.consultationId); // cancelled meanwhile, or unknown: nobody is at the tablet for it
        }
      }),
      protocol.on('call:answered', (answered) => {
        const { phase } = stateRef.current;
        const prepared = phase.name === 'waiting' && phase.preparedCall?.consultationId === answered.consultationId;
        if (prepared) dispatch({ type: 'callAnswered', answered });
        // Answered while this page had no media in the room (reloaded as it rang): enter it afresh.
        else if (phase.name === 'waiting' && phase.consultationId === answered.consultationId && !phase.cancelling) {
          protocol.request('call:rejoin', { consultationId: answered.consultationId }).catch((error: unknown) => console.warn('[kiosk] rejoin refused:', error));
        }
      }),
      protocol.on('call:released', ({ consultationId }) => dispatch({ type: 'callReleased', consultationId })),
      protocol.on('consultation:refused', (refused) => dispatch({ type: 'refused', refused })),
      protocol.on('departments:availability', (availability) => dispatch({ type: 'availabilityChanged', availability })),
      protocol.on('call:participants', (participants) => dispatch({ type: 'participantsChanged', participants })),
      protocol.on('call:supervisionNotice', (notice) => dispatch({ type: 'supervisionNotice', notice })),
      protocol.on('consultation:current', ({ consultationId }) => {
        dispatch({ type: 'currentConsultation', consultationId });
      }),
      // Back in a call the server held for this tablet: a page without it on screen (a reload) rejoins
      // the room; the call on screen repairs its own media.
      protocol.on('call:resumable', ({ consultationId }) => {
        const { phase } = stateRef.current;
        const onScreen = phase.name === 'call' && phase.call.consultationId === consultationId;
        // Ended here while the link was down (終了する could not reach the server): end it now.
        if (finished.current.has(consultationId)) endQuietly(consultationId);
        else if (!onScreen) {
          protocol.request('call:rejoin', { consultationId }).catch((error: unknown) => console.warn('[kiosk] rejoin refused:', error));
        }
      }),
      protocol.on('help:acknowledged', () => dispatch({ type: 'helpAcknowledged' })),
      protocol.on('call:ended', (ended) => {
        finished.current.add(ended.consultationId);
        dispatch({ type: 'callEnded', ...ended });
      }),
    ];

    clientRef.current = protocol;
    setClient(protocol);
    return () => {
      clearTimeout(retryTimer);
      for (const off of unsubscribe) off();
      protocol.close();
      clientRef.current = null;
      setClient(null);
      dispatch({ type: 'socketChanged', online: false });
    };
  }, [token, paired, dispatch, unpair, endQuietly]);

  const openSettings = useCallback(() => {
    const protocol = clientRef.current;
    if (stateRef.current.phase.name !== 'home') return;
    dispatch({ type: 'clerkPinOpened' });
    if (!protocol) return dispatch({ type: 'clerkPinUnreachable' });
    protocol.request('clerk:status', {}).then(
      ({ pinSet, retryAfterSeconds }) => dispatch(pinSet ? { type: 'clerkPinAsked', lockedUntil: lockEnd(retryAfterSeconds) } : { type: 'settingsOpened' }),
      () => dispatch({ type: 'clerkPinUnreachable' }),
    );
  }, [dispatch]);
  const submitClerkPin = useCallback(
    (pin: string) => {
      const protocol = clientRef.current;
      const { phase } = stateRef.current;
      if (phase.name !== 'clerkPin' || phase.checking) return;
      dispatch({ type: 'clerkPinSubmitted' });
      if (!protocol) return dispatch({ type: 'clerkPinUnreachable' });
      protocol.request('clerk:unlock', { pin }).then(
        ({ unlocked, attemptsLeft, retryAfterSeconds }) => {
          if (unlocked) clerkPinRef.current = pin;
          dispatch(unlocked ? { type: 'settingsOpened' } : { type: 'clerkPinRefused', attemptsLeft, lockedUntil: lockEnd(retryAfterSeconds) });
        },
        () => dispatch({ type: 'clerkPinUnreachable' }),
      );
    },
    [dispatch],
  );
  const callForHelp = useCallback(() => {
    const protocol = clientRef.current;
    dispatch({ type: 'helpRequested' });
    if (!protocol) return dispatch({ type: 'helpFailed' });
    protocol.request('help:request', {}).then(
      () => dispatch({ type: 'helpSent' }),
      (error: unknown) => {
        console.warn('[kiosk] call for help not sent:', error);
        dispatch({ type: 'helpFailed' });
      },
    );
  }, [dispatch]);
  const dismissHelp = useCallback(() => dispatch({ type: 'helpDismissed' }), [dispatch]);
  const closeSettings = useCallback(() => {
    clerkPinRef.current = null;
    dispatch({ type: 'settingsClosed' });
  }, [dispatch]);
  const openBooking = useCallback(() => dispatch({ type: 'bookingOpened' }), [dispatch]);
  const closeBooking = useCallback(() => dispatch({ type: 'bookingClosed' }), [dispatch]);
  const openReservationCode = useCallback(() => dispatch({ type: 'reservationCodeOpened' }), [dispatch]);
  const closeReservationCode = useCallback(() => dispatch({ type: 'reservationCodeClosed' }), [dispatch]);
  const openPrecheck = useCallback(() => dispatch({ type: 'precheckOpened' }), [dispatch]);
  const closePrecheck = useCallback(() => dispatch({ type: 'precheckClosed' }), [dispatch]);
  /**
   * Send the rating on screen, if a face was chosen: the tap is the answer, even if the resident
   * walks away before pressing 送る. A failure is only logged: the resident is thanked either way.
   */
  const submitRating = useCallback(
    (comment: string) => {
      const phase = stateRef.current.phase;
      if (phase.name !== 'rating' || phase.stage !== 'choose' || phase.score === null) return;
      dispatch({ type: 'ratingSubmitted' });
      const trimmed = comment.trim();
      return clientRef.current
        ?.request('consultation:rate', {
          consultationId: phase.consultationId,
          score: phase.score,
          ...(trimmed ? { comment: trimmed.slice(0, 500) } : {}),
        })
        .catch((error: unknown) => console.warn('[kiosk] rating not recorded:', error));
    },
    [dispatch],
  );

  const sendRating = useCallback(
    (comment: string) => {
      void Promise.resolve(submitRating(comment)).then(() => {
        dispatch({ type: 'ratingSent' });
        clearTimeout(thanksTimer.current);
        thanksTimer.current = setTimeout(() => dispatch({ type: 'ratingFinished' }), THANKS_SECONDS * 1000);
      });
    },
    [dispatch, submitRating],
  );
  const chooseRating = useCallback((score: SatisfactionScore) => dispatch({ type: 'ratingChosen', score }), [dispatch]);
  const skipRating = useCallback(() => dispatch({ type: 'ratingFinished' }), [dispatch]);

  const idleTimeout = useCallback(() => {
    void submitRating('');
    clearTimeout(thanksTimer.current);
    dispatch({ type: 'idleTimeout' });
  }, [dispatch, submitRating]);
  const dismissNotice = useCallback(() => dispatch({ type: 'noticeDismissed' }), [dispatch]);

  const requestCallback = useCallback(async (name: string, phone: string) => {
    const { phase } = stateRef.current;
    const client = clientRef.current;
    if (phase.name !== 'waiting' || !phase.consultationId || !client) throw new Error('no consultation to call back');
    // The server ends the consultation (callback_requested); call:ended brings the tablet home.
    await client.request('consultation:callback', { consultationId: phase.consultationId, name, phone });
  }, []);

  /** Withdraw a waiting consultation; if it was answered in the meantime, end it. Then go home. */
  const withdraw = useCallback(
    async (consultationId: string) => {
      finished.current.add(consultationId);
      const protocol = clientRef.current;
      try {
        await protocol?.request('consultation:cancel', { consultationId });
      } catch (error) {
        if (error instanceof ProtocolError && error.code === 'CONFLICT') {
          await protocol?.request('consultation:end', { consultationId }).catch(() => {});
        }
      }
      dispatch({ type: 'cancelled' });
    },
    [dispatch],
  );

  /** The server took the request (a department pressed, or a booking checked in): waiting, or withdrawn if cancelled meanwhile. */
  const requestAcknowledged = useCallback(
    (ack: ClientAck<'consultation:request'>) => {
      const phase = stateRef.current.phase;
      if (phase.name === 'waiting' && phase.cancelling) {
        void withdraw(ack.consultationId);
      } else if (ack.status === 'ended') {
        finished.current.add(ack.consultationId);
        dispatch({ type: 'requestFailed', notice: 'noOperator' });
      } else {
        dispatch({ type: 'requestAcknowledged', ack });
      }
    },
    [dispatch, withdraw],
  );
  const requestRefused = useCallback(
    (error: unknown) => {
      const code = error instanceof ProtocolError ? error.code : null;
      const phase = stateRef.current.phase;
      if (code === 'UNAUTHORIZED') unpair('revoked');
      else if (phase.name === 'waiting' && phase.cancelling) dispatch({ type: 'cancelled' });
      else dispatch({ type: 'requestFailed', notice: code === 'NO_OPERATOR' ? 'noOperator' : 'requestFailed' });
    },
    [dispatch, unpair],
  );

  const startConsultation = useCallback(
    (department: DepartmentSummary) => {
      const protocol = clientRef.current;
      if (!protocol || stateRef.current.phase.name !== 'home' || !stateRef.current.online) return;
      dispatch({ type: 'requestStarted', department });
      protocol.request('consultation:request', { departmentId: department.id }).then(requestAcknowledged, requestRefused);
    },
    [dispatch, requestAcknowledged, requestRefused],
  );

  /** 予約の方: the code names the department; the resident then waits as any other, ahead of walk-ins. */
  const checkInReservation = useCallback(
    (code: string) => {
      const protocol = clientRef.current;
      const { phase } = stateRef.current;
      if (!protocol || phase.name !== 'reservationCode' || phase.checking) return;
      dispatch({ type: 'reservationCodeSubmitted' });
      protocol.request('reservation:checkIn', { code }).then(
        (ack) => {
          dispatch({ type: 'requestStarted', department: ack.department });
          requestAcknowledged(ack);
        },
        (error: unknown) => {
          const code = error instanceof ProtocolError ? error.code : null;
          if (code === 'NOT_FOUND' || code === 'BAD_REQUEST') dispatch({ type: 'reservationCodeRefused' });
          else requestRefused(error);
        },
      );
    },
    [dispatch, requestAcknowledged, requestRefused],
  );

  const todayBookings = useCallback(async () => {
    const protocol = clientRef.current;
    const pin = clerkPinRef.current;
    if (!protocol) throw new Error('not connected');
    return pin === null ? null : (await protocol.request('reservation:today', { pin })).reservations;
  }, []);
  /** 受付する on the clerk's screen: as checkInReservation, found by the clerk instead of typed. */
  const checkInBooking = useCallback(
    async (reservationId: string) => {
      const protocol = clientRef.current;
      const pin = clerkPinRef.current;
      if (!protocol || pin === null) throw new Error('clerk screen not unlocked');
      const ack = await protocol.request('reservation:checkInById', { pin, reservationId });
      clerkPinRef.current = null;
      dispatch({ type: 'requestStarted', department: ack.department });
      requestAcknowledged(ack);
    },
    [dispatch, requestAcknowledged],
  );

  const cancelConsultation = useCallback(() => {
    const phase = stateRef.current.phase;
    if (phase.name !== 'waiting' || phase.cancelling) return;
    dispatch({ type: 'cancelRequested' });
    // Without an id yet, startConsultation withdraws it as soon as the server acknowledges.
    if (phase.consultationId) void withdraw(phase.consultationId);
  }, [dispatch, withdraw]);

  const endCall = useCallback(() => {
    const phase = stateRef.current.phase;
    if (phase.name !== 'call' || phase.ending) return;
    const { consultationId } = phase.call;
    dispatch({ type: 'endRequested' });
    finished.current.add(consultationId);
    const request = clientRef.current?.request('consultation:end', { consultationId }).catch((error: unknown) => {
      console.warn('[kiosk] consultation:end failed:', error);
    });
    // Leave the call screen when the server confirms, or after a short wait whatever happens.
    void Promise.race([request, sleep(END_WAIT_MS)]).then(() => {
      dispatch({ type: 'callEnded', consultationId, outcome: 'completed', endedBy: 'resident' });
    });
  }, [dispatch]);

  return {
    state,
    client,
    serverBusy,
    retryBoot,
    pair,
    openSettings,
    submitClerkPin,
    closeSettings,
    openPrecheck,
    closePrecheck,
    openBooking,
    closeBooking,
    openReservationCode,
    closeReservationCode,
    checkInReservation,
    todayBookings,
    checkInBooking,
    idleTimeout,
    requestCallback,
    startConsultation,
    cancelConsultation,
    endCall,
    chooseRating,
    sendRating,
    skipRating,
    dismissNotice,
    callForHelp,
    dismissHelp,
    uploadStill: useCallback(
      (consultationId: string, requestId: string, image: Blob) => {
        if (!token) return Promise.reject(new Error('the tablet is not paired'));
        return uploadStill(token, consultationId, requestId, image);
      },
      [token],
    ),
    reservationOptions: useCallback(
      (departmentId: string, date: string) => {
        if (!token) return Promise.reject(new Error('the tablet is not paired'));
        return fetchReservationOptions(token, departmentId, date);
      },
      [token],
    ),
    book: useCallback(
      (request: BookingRequest) => {
        if (!token) return Promise.reject(new Error('the tablet is not paired'));
        return bookReservation(token, request);
      },
      [token],
    ),
  };
}

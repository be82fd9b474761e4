import { DepartmentsResponse, type CallGuest, type DepartmentSummary } from '@madoguchi/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { request } from './api.ts';
import type { SessionProblem, StaffSession } from './auth.ts';
import { canChangePresence, consolePhase, isCapturing } from './consoleState.ts';
import { Header } from './components/Header.tsx';
import { NoticeBar } from './components/NoticeBar.tsx';
import { useI18n } from './i18n/index.ts';
import { askForNotifications, useOfferNotification } from './media/offerNotification.ts';
import { useRinger } from './media/ringer.ts';
import { CallbackList } from './routing/CallbackList.tsx';
import { ReservationList } from './routing/ReservationList.tsx';
import { NotesForm } from './routing/NotesForm.tsx';
import { CallScreen } from './screens/CallScreen.tsx';
import { IdleScreen } from './screens/IdleScreen.tsx';
import { useConsole } from './useConsole.ts';
import { useShortcuts } from './useShortcuts.ts';

const NO_GUESTS: readonly CallGuest[] = [];

interface OperatorConsoleProps {
  session: StaffSession;
  onLogout(): void;
  onSessionEnded(reason: SessionProblem): void;
}

/** The console of staff who take calls: presence, ringing offers, the call screen. */
export function OperatorConsole({ session, onLogout, onSessionEnded }: OperatorConsoleProps) {
  const { t } = useI18n();
  // Every department, for transfers and one-stop calls; fetched again when an admin changes them.
  const [departments, setDepartments] = useState<DepartmentSummary[]>([]);
  const [departmentsRevision, setDepartmentsRevision] = useState(0);
  const sessionEvents = useMemo(
    () => ({ onSessionEnded, onDepartmentsChanged: () => setDepartmentsRevision((revision) => revision + 1) }),
    [onSessionEnded],
  );
  const { state, actions, marks, client, guests } = useConsole(session.token, sessionEvents);
  /** 書き込みを含める: stills (the button and Alt+C alike) keep the marks on the document. */
  const [stillWithMarks, setStillWithMarks] = useState(false);
  const captureStill = useCallback(() => actions.captureStill(stillWithMarks), [actions, stillWithMarks]);
  const phase = consolePhase(state);
  const ringing = phase === 'offered';

  useEffect(() => {
    let active = true;
    request(session.token, '/departments', DepartmentsResponse).then(
      (body) => active && setDepartments(body.departments),
      (error: unknown) => console.warn('[console] departments unavailable', error),
    );
    return () => {
      active = false;
    };
  }, [session.token, departmentsRevision]);

  const ringer = useRinger();
  useEffect(() => {
    if (ringing) ringer.current?.start();
    else ringer.current?.stop();
  }, [ringing]);

  const firstOffer = state.offers[0];
  useOfferNotification(ringing ? firstOffer : undefined);
  const call = state.call;
  useShortcuts({
    accept: ringing && firstOffer && !state.accepting ? () => actions.accept(firstOffer.consultationId) : undefined,
    mute: call && !call.localMissing.includes('audio') ? actions.toggleMute : undefined,
    end: call && !call.ending ? actions.endCall : undefined,
    stopSharing: call?.sharing ? actions.stopSharing : undefined,
    capture: call && !call.ending && !isCapturing(call) ? captureStill : undefined,
  });

  useEffect(() => {
    const base = `${t.appName} ${t.consoleName}`;
    document.title = ringing ? t.offer.ringingTitle(base) : state.call ? `${t.presence.label.in_call} — ${base}` : base;
  }, [t, ringing, state.call]);

  return (
    <div className="app">
      <Header staff={session.staff} connection={state.connection} canLogout={!state.call} onLogout={onLogout} />
      <NoticeBar notice={state.notice} onDismiss={actions.dismissNotice} />
      {state.connection === 'superseded' ? (
        <main className="superseded" data-testid="console-superseded">
          <h1>{t.superseded.title}</h1>
          <p>{t.superseded.body}</p>
          {/* A fresh page connects as the newest console: the calls come back here, as after a reload. */}
          <button type="button" className="button button-accept" onClick={() => window.location.reload()} data-testid="console-take-over">
            {t.superseded.takeOver}
          </button>
        </main>
      ) : state.call ? (
        <CallScreen
          call={state.call}
          onToggleMute={actions.toggleMute}
          onStartSharing={actions.startSharing}
          onStopSharing={actions.stopSharing}
          onSendChat={actions.sendChat}
          onCaptureStill={captureStill}
          stillWithMarks={stillWithMarks}
          onStillWithMarks={setStillWithMarks}
          marks={marks}
          token={session.token}
          client={client}
          ownDepartments={session.staff.departments}
          onEnd={actions.endCall}
          departments={departments}
          onTransfer={actions.transfer}
          onInvite={actions.invite}
          onCancelInvite={actions.cancelInvite}
          onLeave={actions.leaveCall}
          guests={guests?.consultationId === state.call.consultationId ? guests.guests : NO_GUESTS}
        />
      ) : (
        <IdleScreen
          presence={{
            presence: state.presence,
            awayReason: state.awayReason,
            pending: state.presenceRequest,
            enabled: canChangePresence(state),
            onChange: (presence) => {
              if (presence === 'available') askForNotifications();
              actions.setPresence(presence);
            },
          }}
          offers={{
            offers: state.offers,
            accepting: state.accepting,
            onAccept: actions.accept,
            onDecline: actions.decline,
          }}
          queues={state.queues}
          notes={state.lastCall ? <NotesForm key={state.lastCall.consultationId} token={session.token} call={state.lastCall} onDone={actions.notesDone} /> : null}
          callbacks={<CallbackList token={session.token} />}
          reservations={<ReservationList token={session.token} departments={session.staff.departments} />}
        />
      )}
    </div>
  );
}

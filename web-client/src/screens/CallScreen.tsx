import { SharedSource, type DepartmentSummary, type MediaSource, type SupervisionNotice } from '@madoguchi/protocol';
import { withChatMessage, type ChatMessage, type ProtocolClient, type RemoteTrack } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSecondsSince } from '../useSecondsSince.ts';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { SharedPicture } from '../components/SharedPicture.tsx';
import { MarkOverlay } from '../components/MarkOverlay.tsx';
import { VideoView } from '../components/VideoView.tsx';
import { SentDocumentViewer } from '../documents/SentDocumentViewer.tsx';
import { FormSigning } from '../documents/FormSigning.tsx';
import { BoothPrint } from '../documents/BoothPrint.tsx';
import { departmentName, useI18n } from '../i18n.ts';
import type { CallJoined, Serving } from '../kioskState.ts';
import { useCallGuests } from '../media/useCallGuests.ts';
import { useCallMarks } from '../media/useCallMarks.ts';
import type { CallMediaState } from '../media/useCallSession.ts';
import { useShareDisplayReport } from '../media/useShareDisplayReport.ts';
import { useStillRequests, type StillUploader } from '../media/useStillRequests.ts';

interface CallScreenProps {
  client: ProtocolClient;
  call: CallJoined;
  /** Who serves the resident now, each with their department. */
  serving: Serving[];
  ending: boolean;
  /** Transferred: waiting, still connected, for another department. */
  transfer: { department: DepartmentSummary; queuePosition: number | null } | null;
  /** A supervisor listens or joined, when the city tells residents; null: nothing to say. */
  supervision: SupervisionNotice | null;
  onEnd(): void;
  uploadStill: StillUploader;
  /** The call's media (useCallSession), set up since the tablet entered the room while the operator's console rang. */
  media: CallMediaState;
}

/** The newest remote video track of each source (layout goes by source, never by arrival order). */
function videoBySource(remote: ReadonlyMap<string, RemoteTrack>): Partial<Record<MediaSource, MediaStreamTrack>> {
  const bySource: Partial<Record<MediaSource, MediaStreamTrack>> = {};
  for (const track of remote.values()) if (track.kind === 'video') bySource[track.source] = track.track;
  return bySource;
}

/**
 * The consultation: the operator's camera large — or, while the operator shows their document
 * camera or screen, that picture as large as the controls allow and their face small — with the
 * resident's own face small, their document camera, the chat, mute and end.
 */
export function CallScreen({ client, call, serving, ending, transfer, supervision, onEnd, uploadStill, media }: CallScreenProps) {
  const { t, language } = useI18n();
  const stillTaken = useStillRequests(client, call.consultationId, media.devicesOpened ? media.local.document : undefined, uploadStill);
  const chat = useCallChat(client, call.consultationId);
  const { marks, board } = useCallMarks(client, call.consultationId);
  const [documentFrame, setDocumentFrame] = useState({ width: 0, height: 0 });
  const onDocumentFrame = useCallback((width: number, height: number) => setDocumentFrame({ width, height }), []);
  const operatorLost = useOperatorConnectionLost(client, call.consultationId);
  const remoteVideo = useMemo(() => videoBySource(media.remote), [media.remote]);
  const remoteAudio = useMemo(
    () => [...media.remote.values()].filter((track) => track.kind === 'audio').map((track) => track.track),
    [media.remote],
  );
  // One camera per operator: two in a one-stop call (the colleague's beside the first).
  const operatorCams = useMemo(
    () => [...media.remote.values()].filter((track) => track.kind === 'video' && track.source === 'operator-cam').map((track) => track.track),
    [media.remote],
  );
  const [operatorCam, ...colleagueCams] = operatorCams;
  // Guests by link: their cameras, each named by kind; a sign-language interpreter's large beside the staff (a layout option).
  const { guests, notice: guestNotice } = useCallGuests(client, call.consultationId);
  const [signLarge, setSignLarge] = useState(true);
  const guestCams = [...media.remote.values()].filter((track) => track.kind === 'video' && track.source === 'guest-cam');
  const guestOf = (guestId: string | undefined) => guests.find((guest) => guest.guestId === guestId);
  const signCam = guestCams.find((track) => guestOf(track.guestId)?.kind === 'sign_interpreter');
  const bigSign = signLarge && signCam !== undefined;
  const smallGuestCams = guestCams.filter((track) => !(bigSign && track === signCam));
  const guestLabel = (guestId: string | undefined) => t.guestKind[guestOf(guestId)?.kind ?? ''] ?? t.guestKind.interpreter!;
  const shared = SharedSource.options.filter((source) => remoteVideo[source]);
  const reportShareDisplay = useShareDisplayReport(client, call.consultationId);
  const sharedLabel = { 'operator-document': t.operatorDocument, screen: t.sharedScreen };
  // Named in the resident's language: 「税務課、子育て支援課」, "Taxes and Child Support".
  const list = useMemo(() => new Intl.ListFormat(language, { type: 'conjunction' }), [language]);
  const servingDepartments = serving.length > 0 ? serving.map((staff) => staff.department) : transfer ? [transfer.department] : [];
  const departmentNames = [...new Set(servingDepartments.map((department) => departmentName(t, department)))];
  const staffNames = list.format(serving.map((staff) => staff.name));
  const connectionOk = media.connection === 'connected';
  const qualityText = { good: t.qualityGood, fair: t.qualityFair, poor: t.qualityPoor };
  // One chip for both: the transport's state until connected, then the measured quality.
  const connectionLevel = connectionOk
    ? (media.quality ?? 'good')
    : media.connection === 'new' || media.connection === 'connecting'
      ? 'pending'
      : 'poor';

  return (
    <div className="call" data-testid="call-screen" data-consultation-id={call.consultationId}>
      <header className="call__bar">
        <div className="call__who">
          {/* The screen's heading: whom the resident is consulting. */}
          <h1 className="call__department" data-testid="call-department">
            {list.format(departmentNames)}
          </h1>
          <span className="call__operator" data-testid="call-operators">
            {staffNames}
          </span>
        </div>
        <p
          className={`connection connection--${connectionLevel}`}
          role="status"
          data-testid="connection-state"
          data-state={media.connection}
          data-quality={media.quality ?? ''}
        >
          <span className="connection__bars" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {connectionOk && media.quality ? qualityText[media.quality] : t.connectionState[media.connection]}
        </p>
        <LanguageSwitch />
      </header>
      {media.lostSince !== null ? (
        <Reconnecting since={media.lostSince} />
      ) : operatorLost ? (
        <p className="banner banner--warning call__reconnecting" role="status" data-testid="operator-connection-lost">
          {t.operatorConnectionLost}
        </p>
      ) : null}
      {transfer ? (
        <p className="banner banner--info call__transfer" role="status" data-testid="transfer-banner">
          {t.transferring(departmentName(t, transfer.department))}
          {transfer.queuePosition !== null ? ` ${t.queuePosition(transfer.queuePosition)}` : ''}
        </p>
      ) : null}

      {guestNotice ? (
        <p className="banner banner--info call__guest-notice" role="status" data-testid="guest-notice" data-change={guestNotice.change}>
          {(guestNotice.change === 'joined' ? t.guestJoined : t.guestLeft)(t.guestKind[guestNotice.kind] ?? '')}
        </p>
      ) : null}
      {guests.length > 0 ? (
        <div className="call__guests" data-testid="call-guests">
          <span className="call__guests-label">{t.guestsInCall}</span>
          <ul className="call__guests-list">
            {guests.map((guest) => (
              <li key={guest.guestId} className="call__guest" data-kind={guest.kind}>
                {t.guestKind[guest.kind]}
              </li>
            ))}
          </ul>
          {signCam ? (
            <button
              type="button"
              className="button button--small call__sign-toggle"
              aria-pressed={signLarge}
              data-testid="sign-layout"
              onClick={() => setSignLarge((large) => !large)}
            >
              {signLarge ? t.signSmall : t.signLarge}
            </button>
          ) : null}
        </div>
      ) : null}

      {supervision ? (
        <p className="banner banner--info call__supervision" role="status" data-testid="supervision-notice" data-notice={supervision}>
          {t.supervision[supervision]}
        </p>
      ) : null}

      <main className="call__stage" data-sharing={shared.length > 0 || undefined} data-sign-large={bigSign || undefined}>
        {bigSign ? (
          <div className="tile tile--sign" data-testid="sign-tile">
            <VideoView track={signCam.track} testId="remote-video-sign" className="video--contain" label={guestLabel(signCam.guestId)} />
            <span className="tile__caption">{guestLabel(signCam.guestId)}</span>
          </div>
        ) : null}
        <section className="call__main" data-tiles={1 + colleagueCams.length + shared.length + smallGuestCams.length}>
          {/* A document the operator sent: large, over the pictures, until put aside or taken back. */}
          <SentDocumentViewer client={client} consultationId={call.consultationId} marks={marks} board={board} />
          {/* A form staff filled, to check and sign. */}
          <FormSigning client={client} consultationId={call.consultationId} />
          {/* 印刷: the booth's printer, through the browser. */}
          <BoothPrint client={client} consultationId={call.consultationId} />
          <div className="tile tile--operator">
            {operatorCam ? (
              <VideoView
                track={operatorCam}
                testId="remote-video-operator-cam"
                className="video--contain"
                label={staffNames}
              />
            ) : (
              <p className="tile__empty">{t.operatorVideoWaiting}</p>
            )}
          </div>
          {colleagueCams.map((track, index) => (
            <div className="tile tile--operator" key={track.id}>
              <VideoView track={track} testId={`remote-video-colleague-${index + 1}`} className="video--contain" label={t.colleagueVideo} />
              <span className="tile__caption">{t.colleagueVideo}</span>
            </div>
          ))}
          {smallGuestCams.map((track) => (
            <div className="tile tile--operator tile--guest" key={track.consumerId} data-kind={guestOf(track.guestId)?.kind}>
              <VideoView track={track.track} testId="remote-video-guest" className="video--contain" label={guestLabel(track.guestId)} />
              <span className="tile__caption">{guestLabel(track.guestId)}</span>
            </div>
          ))}
          {shared.map((source) => {
            const track = remoteVideo[source]!;
            // A new picture is a new element: its size is told afresh.
            return (
              <SharedPicture
                key={track.id}
                track={track}
                source={source}
                label={sharedLabel[source]}
                onDisplay={reportShareDisplay}
                marks={marks.filter((mark) => mark.source === source)}
                board={board}
              />
            );
          })}
        </section>

        <aside className="call__side">
          {media.mediaError && (
            <p className="banner banner--warning call__error" role="alert" data-testid="media-error">
              {media.mediaError === 'session' ? t.noticeCallFailed : t.mediaError}
            </p>
          )}
          <div className="tile tile--self" data-face-off={media.faceOff}>
            {media.faceOff ? (
              <p className="tile__empty tile__empty--strong" data-testid="face-off">
                {t.cameraIsOff}
              </p>
            ) : media.local.face ? (
              <VideoView track={media.local.face} testId="local-video-face" mirror label={t.yourFace} />
            ) : null}
            <span className="tile__caption">{t.yourFace}</span>
          </div>
          <div className="tile tile--document">
            {media.local.document ? (
              <>
                <VideoView
                  track={media.local.document}
                  testId="local-video-document"
                  className="video--contain"
                  label={t.yourDocument}
                  onFrameSize={onDocumentFrame}
                />
                {/* The operator's marks on the paper, over the tablet's own preview of it. */}
                <MarkOverlay
                  marks={marks.filter((mark) => mark.source === 'document')}
                  frame={documentFrame}
                  label={t.marksOnDocument}
                  testId="document-marks"
                />
              </>
            ) : (
              <p className="tile__empty">{t.noDocumentCamera}</p>
            )}
            <span className="tile__caption">{media.local.document ? t.documentHint : t.yourDocument}</span>
          </div>
          {stillTaken && (
            <p className="banner banner--info call__still" role="status" data-testid="still-taken">
              {t.stillTaken}
            </p>
          )}
          <ChatPanel messages={chat.messages} onSend={chat.send} />
          <div className="call__controls">
            <button
              type="button"
              className={`button button--large ${media.muted ? 'button--warning' : 'button--secondary'}`}
              data-testid="mute-button"
              aria-pressed={media.muted}
              onClick={media.toggleMute}
              disabled={!media.local.mic}
            >
              {media.muted ? t.unmute : t.mute}
            </button>
            <button
              type="button"
              className={`button button--large ${media.faceOff ? 'button--warning' : 'button--secondary'}`}
              data-testid="camera-button"
              aria-pressed={media.faceOff}
              onClick={media.toggleFace}
              disabled={!media.local.face}
            >
              {media.faceOff ? t.cameraOn : t.cameraOff}
            </button>
            {media.muted && <p className="call__muted">{t.muted}</p>}
            <button
              type="button"
              className="button button--large button--danger"
              data-testid="end-button"
              onClick={onEnd}
              disabled={ending}
            >
              {ending ? t.ending : t.endCall}
            </button>
          </div>
        </aside>
      </main>
      <RemoteAudio tracks={remoteAudio} />
    </div>
  );
}

/** The call's chat: the server's messages for this consultation, kept only while the screen is up. */
function useCallChat(client: ProtocolClient, consultationId: string) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  useEffect(
    () =>
      client.on('chat:message', (message) => {
        if (message.consultationId === consultationId) setMessages((previous) => withChatMessage(previous, message));
      }),
    [client, consultationId],
  );
  const send = useCallback(
    async (text: string) => {
      await client.request('chat:send', { consultationId, text });
    },
    [client, consultationId],
  );
  return { messages, send };
}

/** 「通信が 切れました。つなぎなおしています…」 with the seconds so far: the call screen stays up meanwhile. */
function Reconnecting({ since }: { since: number }) {
  const { t } = useI18n();
  const seconds = useSecondsSince(since);
  return (
    <p className="banner banner--warning call__reconnecting" role="status" data-testid="call-reconnecting">
      {t.callReconnecting(seconds)}
    </p>
  );
}

/** Whether an operator of this call has lost their connection (the server holds the call for them). */
function useOperatorConnectionLost(client: ProtocolClient, consultationId: string): boolean {
  const [lost, setLost] = useState<ReadonlySet<string>>(new Set());
  useEffect(
    () =>
      client.on('call:connection', ({ consultationId: id, party, state }) => {
        if (id !== consultationId || party.role !== 'operator' || !party.staffId) return;
        const staffId = party.staffId;
        setLost((previous) => {
          const next = new Set(previous);
          if (state === 'lost') next.add(staffId);
          else next.delete(staffId);
          return next;
        });
      }),
    [client, consultationId],
  );
  return lost.size > 0;
}

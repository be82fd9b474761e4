import { useCallback, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { CallGuest, DepartmentSummary, Mark } from '@madoguchi/protocol';
import type { CallMarks, ProtocolClient } from '@madoguchi/protocol/client';
import { GuestPanel } from '../components/GuestPanel.tsx';
import { colleagueMedia, isCapturing, remoteBySource, staffVoices, type ActiveCall, type SharedSource } from '../consoleState.ts';
import { RoutingControls } from '../routing/RoutingControls.tsx';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { ShareControls } from '../components/ShareControls.tsx';
import { SharePreview } from '../components/SharePreview.tsx';
import { SHORTCUTS } from '../useShortcuts.ts';
import { DocumentView } from '../components/DocumentView.tsx';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { StillGallery } from '../components/StillGallery.tsx';
import { DocumentSendPanel } from '../components/DocumentSendPanel.tsx';
import { FormFillPanel } from '../components/FormFillPanel.tsx';
import { SideSheet } from '../components/SideSheet.tsx';
import { TrackVideo } from '../components/TrackVideo.tsx';
import { useFramesMissing } from '../components/useFramesMissing.ts';
import { useI18n } from '../i18n/index.ts';
import { useNow } from '../useNow.ts';

const NO_MARKS: readonly Mark[] = [];

/** The tools that take the side column's place of chat and transfer while the operator uses them. */
type SideTool = 'documents' | 'form';
const SIDE_TOOLS: readonly { tool: SideTool; testId: string }[] = [
  { tool: 'documents', testId: 'open-document-send' },
  { tool: 'form', testId: 'open-form-fill' },
];
const nothingToWatch = () => () => undefined;

/** The resident's face showing no new frame this long, while this console is connected, is frozen. */
const FACE_FROZEN_AFTER_MS = 3_000;

interface CallScreenProps {
  call: ActiveCall;
  onToggleMute(): void;
  onStartSharing(source: SharedSource, cameraId?: string): void;
  onStopSharing(): void;
  onSendChat(text: string): Promise<void>;
  onCaptureStill(): void;
  /** Whether a still keeps the marks on the document (書き込みを含める). */
  stillWithMarks: boolean;
  onStillWithMarks(withMarks: boolean): void;
  /** The marks on the call's pictures (null until the call's media starts). */
  marks: CallMarks | null;
  /** The staff token, to fetch stills. */
  token: string;
  /** The socket, for the panels that speak for themselves: 書類を送る, 申請書の記入, guests (null before it connects). */
  client: ProtocolClient | null;
  /** The operator's own departments: whose libraries they may send from. */
  ownDepartments: DepartmentSummary[];
  onEnd(): void;
  departments: DepartmentSummary[];
  onTransfer(department: DepartmentSummary, note: string): void;
  onInvite(department: DepartmentSummary, note: string): void;
  onCancelInvite(): void;
  onLeave(): void;
  /** The call's guests (call:guests). */
  guests: readonly CallGuest[];
}

/**
 * A consultation in progress. Laid out by source, never by arrival order: the resident's
 * document camera large on the left, their face beside it, the operator's own camera small.
 * Everything fits a 1366×768 city PC without scrolling: the stills and what the operator shows
 * share the row under the document, the side column keeps the faces, chat, transfer and end.
 * 書類を送る and 申請書の記入 open in the side column in place of chat and transfer, so the
 * resident's paper stays large while the operator types what it says.
 */
export function CallScreen(props: CallScreenProps) {
  const { t } = useI18n();
  const { call, onToggleMute, onStartSharing, onStopSharing, onSendChat, onCaptureStill, token, onEnd, marks: board } = props;
  const marks = useSyncExternalStore(board?.subscribe ?? nothingToWatch, board?.snapshot ?? (() => NO_MARKS));
  const now = useNow(1000);
  const colleagues = colleagueMedia(call);
  const colleagueVideo = colleagues.find((media) => media.source === 'operator-cam');
  const colleagueName = call.operators.length > 1 ? t.format.list(call.operators.map((operator) => operator.name)) : null;
  const guestVideos = call.remote.filter((media) => media.participant === 'guest' && media.kind === 'video');
  const guestKind = (guestId: string | undefined) => {
    const guest = props.guests.find((candidate) => candidate.guestId === guestId);
    return guest ? (t.guests.kind[guest.kind] ?? guest.kind) : '';
  };
  const document = remoteBySource(call, 'document');
  const face = remoteBySource(call, 'face');
  const mic = remoteBySource(call, 'mic');
  const connection = call.connectionState ?? 'new';
  const faceRef = useRef<HTMLVideoElement | null>(null);
  const keepFace = useCallback((video: HTMLVideoElement | null) => {
    faceRef.current = video;
  }, []);
  // A frozen face while this console's own link is fine: the resident's uplink is cut or too weak,
  // seconds before the server notices the tablet is gone (call:connection).
  const faceFrozen = useFramesMissing(faceRef, face?.track ?? null, connection === 'connected', { afterMs: FACE_FROZEN_AFTER_MS, onceFlowing: true });
  // The SFU holds the face back because this console's own link cannot carry it (media:starved):
  // said as such, so that the resident is not blamed for it.
  const faceStarved = face?.starved === true;
  const residentLost = call.partiesLost.find((party) => party.role === 'resident');
  // What the resident's tablet measures of its own connection (a capped uplink: the face barely gets out).
  const residentWeak = call.residentQuality === 'poor';
  const unhealthy =
    call.media === 'failed' || connection === 'failed' || connection === 'disconnected' || residentLost !== undefined || faceStarved || faceFrozen || residentWeak;
  const [sideTool, setSideTool] = useState<SideTool | null>(null);
  const capturing = isCapturing(call);
  const sharing = call.sharing;
  const captureFailure = call.capture && 'failed' in call.capture ? call.capture.failed : null;
  // The libraries and forms the operator may use: their own departments, the call's first.
  const libraries = useMemo(
    () => [...props.ownDepartments].sort((a, b) => Number(b.id === call.department.id) - Number(a.id === call.department.id)),
    [props.ownDepartments, call.department.id],
  );

  return (
    <main className="call-screen" data-testid="call-screen" data-consultation-id={call.consultationId}>
      <h1 className="visually-hidden">{t.presence.label.in_call}</h1>
      <div className="call-bar">
        <div className="call-fact">
          <span className="call-fact-label">{t.call.site}</span>
          <span className="call-fact-value" data-testid="call-site">
            {call.site.name}
          </span>
        </div>
        <div className="call-fact">
          <span className="call-fact-label">{t.call.department}</span>
          <span className="call-fact-value" data-testid="call-department">
            {call.department.name}
          </span>
        </div>
        <div className="call-fact">
          <span className="call-fact-label">{t.call.handling}</span>
          <span className="call-fact-value call-timer" data-testid="call-timer">
            {t.format.clock(now - call.startedAt)}
          </span>
        </div>
        <div className={`call-connection ${unhealthy ? 'call-connection-bad' : ''}`} role="status" data-testid="call-connection">
          {call.media === 'failed'
            ? t.call.mediaFailed
            : call.media === 'connecting'
              ? t.call.setup
              : connection !== 'connected'
                ? t.call.connection[connection]
                : residentLost
                  ? t.call.residentRestoring(Math.max(0, Math.floor((now - residentLost.lostAt) / 1000)))
                  : faceStarved
                    ? t.call.ownLinkThin
                    : faceFrozen
                      ? t.call.residentUnstable.stopped
                      : residentWeak
                        ? t.call.residentUnstable.weak
                        : t.call.connection.connected}
        </div>
      </div>

      {call.lostSince !== null ? (
        <div className="notice notice-error" role="status" data-testid="call-reconnecting">
          {t.call.reconnecting(Math.max(0, Math.floor((now - call.lostSince) / 1000)))}
        </div>
      ) : null}
      {call.partiesLost.map((party) => (
        <div className="notice notice-error" role="status" data-testid={`party-lost-${party.role}`} key={`${party.role}:${party.staffId ?? ''}`}>
          {t.call.partyLost(party.role === 'resident' ? t.call.resident : party.name, Math.max(0, Math.floor((now - party.lostAt) / 1000)))}
        </div>
      ))}
      {call.supervisors.length > 0 ? (
        <div className="notice notice-supervision" role="status" data-testid="supervision-banner">
          {call.supervisors.map((supervisor) => (
            <p key={supervisor.staffId} data-mode={supervisor.mode}>
              {t.call.supervised[supervisor.mode](supervisor.name)}
            </p>
          ))}
        </div>
      ) : null}
      {call.handoverNotes.length > 0 ? (
        <section className="handover-notes" aria-label={t.call.handoverNote} data-testid="handover-notes">
          {call.handoverNotes.map((note) => (
            <p className="handover-note" key={`${note.from.staffId}:${note.at}`}>
              <strong>{t.call.handoverFrom(note.from.name, note.from.department.name, note.purpose)}</strong>
              <span className="handover-note-text">{note.note}</span>
            </p>
          ))}
        </section>
      ) : null}
      {call.localMissing.length > 0 ? (
        <div className="notice notice-error" role="alert">
          {call.localMissing.map((kind) => t.call.localMissing[kind]).join(' ')}
        </div>
      ) : null}

      <div className="call-body">
        <div className="document-column">
          <DocumentView
            track={document?.track ?? null}
            connected={connection === 'connected'}
            marks={marks.filter((mark) => mark.source === 'document')}
            board={board}
          >
            <button
              type="button"
              className="button"
              data-testid="capture-button"
              aria-keyshortcuts={SHORTCUTS.capture}
              title={SHORTCUTS.capture}
              onClick={onCaptureStill}
              disabled={capturing || call.ending}
            >
              {capturing ? t.stills.capturing : `${t.stills.capture}${t.format.parenthetical(SHORTCUTS.capture)}`}
            </button>
            <label className="still-with-marks">
              <input
                type="checkbox"
                data-testid="still-with-marks"
                checked={props.stillWithMarks}
                onChange={(event) => props.onStillWithMarks(event.target.checked)}
              />
              {t.marks.stillWithMarks}
            </label>
            {captureFailure ? (
              <p className="still-error" role="alert" data-testid="capture-error">
                {t.stills.failed[captureFailure] ?? t.stills.failedOther}
              </p>
            ) : null}
          </DocumentView>
          <div className="document-footer">
            <StillGallery stills={call.stills} token={token} />
            <nav className="call-tools" aria-label={t.call.tools}>
              {SIDE_TOOLS.map(({ tool, testId }) => (
                <button
                  key={tool}
                  type="button"
                  className="button"
                  data-testid={testId}
                  aria-expanded={sideTool === tool}
                  aria-controls={`side-tool-${tool}`}
                  onClick={() => setSideTool((open) => (open === tool ? null : tool))}
                >
                  {tool === 'documents' ? t.documents.title : t.forms.title}
                </button>
              ))}
            </nav>
            {sharing ? (
              <SharePreview
                shared={sharing}
                onTablet={call.shareOnTablet}
                marks={marks.filter((mark) => mark.source === sharing.source)}
                onClearMarks={() => void board?.clear(sharing.source).catch(() => undefined)}
              />
            ) : null}
            <ShareControls sharing={call.sharing?.source ?? null} onStart={onStartSharing} onStop={onStopSharing} />
          </div>
        </div>

        <aside className="call-side">
          <div className="side-videos">
            <section className="side-video" aria-label={t.call.face}>
              <TrackVideo
                track={face?.track ?? null}
                testId="remote-video-face"
                label={t.call.face}
                className="face-video"
                placeholder={t.call.waitingFace}
                videoRef={keepFace}
              />
              {faceFrozen ? (
                <div className="video-stopped" data-testid="face-stopped">
                  {t.call.videoStopped}
                </div>
              ) : null}
              <div className="video-caption">{t.call.face}</div>
            </section>

            {colleagueVideo || colleagueName ? (
              <section className="side-video" aria-label={t.call.colleague}>
                <TrackVideo
                  track={colleagueVideo?.track ?? null}
                  testId="remote-video-colleague"
                  label={t.call.colleague}
                  className="face-video"
                  placeholder={t.call.colleague}
                />
                <div className="video-caption" data-testid="call-operators">
                  {colleagueName ? t.format.labelled(t.call.colleague, colleagueName) : t.call.colleague}
                </div>
              </section>
            ) : null}

            {guestVideos.map((media) => (
              <section className="side-video" aria-label={t.guests.guestVideo(guestKind(media.guestId))} key={media.consumerId}>
                <TrackVideo track={media.track} testId="remote-video-guest" label={t.guests.guestVideo(guestKind(media.guestId))} className="face-video" placeholder={null} />
                <div className="video-caption">{t.guests.guestVideo(guestKind(media.guestId))}</div>
              </section>
            ))}

            <section className="side-video self-view" aria-label={t.call.self}>
              <TrackVideo
                track={call.localVideo}
                testId="local-video-operator-cam"
                label={t.call.self}
                className="self-video"
                mirrored
                placeholder={call.localMissing.includes('video') ? t.call.noCamera : null}
              />
              <div className="video-caption">
                {t.call.self}
                {call.muted ? <span className="muted-badge">{t.call.muted}</span> : null}
              </div>
            </section>
          </div>

          {/* Hidden, never unmounted: a draft chat message, a sent document's state and a half-filled form survive switching. */}
          <div className="side-main" hidden={sideTool !== null}>
            <ChatPanel messages={call.chat} beforeJoiningUntil={call.chatBeforeJoiningUntil} onSend={onSendChat} />

            <RoutingControls
              call={call}
              departments={props.departments}
              onTransfer={props.onTransfer}
              onInvite={props.onInvite}
              onCancelInvite={props.onCancelInvite}
              onLeave={props.onLeave}
            />

            <GuestPanel client={props.client} consultationId={call.consultationId} guests={props.guests} />
          </div>
          <SideSheet id="side-tool-documents" open={sideTool === 'documents'} onClose={() => setSideTool(null)}>
            <DocumentSendPanel client={props.client} token={token} consultationId={call.consultationId} departments={libraries} marks={marks} board={board} />
          </SideSheet>
          <SideSheet id="side-tool-form" open={sideTool === 'form'} onClose={() => setSideTool(null)}>
            <FormFillPanel client={props.client} token={token} consultationId={call.consultationId} departments={libraries} />
          </SideSheet>

          <div className="call-controls">
            <button
              type="button"
              className={`button button-large ${call.muted ? 'button-warning' : ''}`}
              data-testid="mute-button"
              aria-pressed={call.muted}
              aria-keyshortcuts={SHORTCUTS.mute}
              title={SHORTCUTS.mute}
              onClick={onToggleMute}
              disabled={call.localMissing.includes('audio')}
            >
              {call.muted ? t.call.unmute : t.call.mute}
            </button>
            <button
              type="button"
              className="button button-end button-large"
              data-testid="end-button"
              aria-keyshortcuts={SHORTCUTS.end}
              title={SHORTCUTS.end}
              onClick={onEnd}
              disabled={call.ending}
            >
              {call.ending ? t.call.ending : t.call.end}
            </button>
          </div>
        </aside>
      </div>

      <RemoteAudio track={mic?.track ?? null} />
      {staffVoices(call).map((media) => (
        <RemoteAudio key={media.consumerId} track={media.track} />
      ))}
    </main>
  );
}

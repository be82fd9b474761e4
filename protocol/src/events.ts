import { z } from 'zod';
import {
  AwayReason,
  CallbackName,
  ConnectionQuality,
  ConsultationOutcome,
  DepartmentAvailability,
  ChatText,
  ConsultationStatus,
  DepartmentQueueSummary,
  DepartmentSummary,
  HandoverNote,
  HandoverNoteText,
  Id,
  MediaSource,
  OfferWithdrawnReason,
  PhoneNumber,
  RefusalReason,
  ParticipantRole,
  Presence,
  SatisfactionScore,
  SelectablePresence,
  SessionEndReason,
  ShareDisplay,
  SiteSummary,
  StillFailure,
  StillInfo,
  SupervisionMode,
  SupervisionNotice,
  CallSupervisor,
} from './domain.ts';
import { AnnotatedSource, Mark, MarkDrawing } from './annotation.ts';
import { ClerkLock, ClerkPin, ClerkUnlockResult, HelpCall } from './clerk.ts';
import { BoothReservation, ReservationCode } from './reservations.ts';
import { CallGuest, GuestEnd, GuestKind, GuestName, GuestState } from './guests.ts';
import { SentDocument } from './documents.ts';
import { ConsultationForm } from './forms.ts';
import { ErrorCode, type Ack } from './errors.ts';
import { DtlsParameters, IceParameters, MediaPath, ProbeOptions, RtpCapabilities, RtpParameters, SctpStreamParameters, TransportOptions } from './media.ts';

/**
 * Who may send an event: a kiosk device, an operator, a supervisor (supervisors and admins), or a
 * guest invited by link (on its own namespace, which dispatches only the events that name `guest`).
 */
export type Sender = 'device' | 'operator' | 'supervisor' | 'guest';

interface ClientEventSpec {
  readonly from: readonly Sender[];
  readonly payload: z.ZodType;
  readonly ack: z.ZodType;
}

const consultationRef = z.object({ consultationId: Id });
/**
 * The entry into the room a set-up request belongs to (call:joined's joinId): one sent for an
 * earlier entry, still in flight when the party entered again, is refused (CONFLICT) instead of
 * setting up the new one. Optional for a client that sets up only once.
 */
const JoinId = Id.optional();

/** One chat message of a call, as everyone in it receives it. */
const ChatMessage = z.object({
  consultationId: Id,
  messageId: Id,
  from: ParticipantRole,
  text: ChatText,
  at: z.iso.datetime(),
});
const empty = z.object({});

/** With the resident's place at once (as consultation:status has it), not with the department's next queue push. */
const ConsultationRequested = z.object({
  consultationId: Id,
  status: ConsultationStatus,
  queuePosition: z.number().int().min(1).nullable(),
  estimatedWaitSeconds: z.number().int().min(0).nullable(),
  /** Nobody of the department is 受付可 now: the wait has no estimate (as in consultation:status). */
  allOperatorsAway: z.boolean(),
});

/** Every event a browser may send, who may send it, its payload and its acknowledgement. */
export const clientEvents = {
  'consultation:request': {
    from: ['device'],
    payload: z.object({ departmentId: Id }),
    ack: ConsultationRequested,
  },
  /**
   * 予約の方: the resident types their booking's code at a booth of the booked site, on the booked day.
   * The consultation is requested for the booked department, ahead of walk-ins, and offered first to
   * the operator named on the booking. A code that does not fit is NOT_FOUND.
   */
  'reservation:checkIn': {
    from: ['device'],
    payload: z.object({ code: ReservationCode }),
    ack: ConsultationRequested.extend({ department: DepartmentSummary }),
  },
  /**
   * The clerk's screen: today's bookings of this tablet's site not yet kept. Residents' names, so the
   * clerk's PIN comes with each request and is checked on the server (a wrong one counts towards the
   * site's lockout): FORBIDDEN without it.
   */
  'reservation:today': {
    from: ['device'],
    payload: z.object({ pin: ClerkPin }),
    ack: z.object({ reservations: z.array(BoothReservation) }),
  },
  /** The clerk's 受付する on one of those bookings: checked in exactly as its code would be. */
  'reservation:checkInById': {
    from: ['device'],
    payload: z.object({ pin: ClerkPin, reservationId: Id }),
    ack: ConsultationRequested.extend({ department: DepartmentSummary }),
  },
  'consultation:cancel': { from: ['device'], payload: consultationRef, ack: empty },
  /**
   * Instead of waiting (or after a refusal: outside hours, nobody on duty), the resident leaves a
   * name and a phone number and the department calls back (折り返し電話).
   */
  'consultation:callback': {
    from: ['device'],
    payload: consultationRef.extend({ name: CallbackName, phone: PhoneNumber }),
    ack: empty,
  },
  'consultation:end': { from: ['device', 'operator'], payload: consultationRef, ack: empty },
  /** The resident's 1-tap rating after the call (ご満足いただけましたか？), with an optional comment. */
  'consultation:rate': {
    from: ['device'],
    payload: consultationRef.extend({
      score: SatisfactionScore,
      comment: z.string().trim().max(500).optional(),
    }),
    ack: empty,
  },
  /** A typed message during the call (hearing-impaired residents, noisy rooms). */
  'chat:send': {
    from: ['device', 'operator'],
    payload: consultationRef.extend({ text: ChatText }),
    ack: z.object({ messageId: Id, at: z.iso.datetime() }),
  },
  'presence:set': {
    from: ['operator'],
    payload: z.object({ presence: SelectablePresence }),
    ack: z.object({ presence: Presence }),
  },
  'offer:accept': { from: ['operator'], payload: consultationRef, ack: empty },
  /**
   * Blind transfer (転送): the resident waits, ahead of normal arrivals, in another department's queue.
   * `note`: a handover note (引き継ぎメモ) for whoever answers there.
   */
  'consultation:transfer': {
    from: ['operator'],
    payload: consultationRef.extend({ departmentId: Id, note: HandoverNoteText.optional() }),
    ack: empty,
  },
  /**
   * One-stop (他の課を呼ぶ): a specialist of another department joins this call; the caller stays.
   * `note`: a handover note (引き継ぎメモ) for the specialist.
   */
  'consultation:invite': {
    from: ['operator'],
    payload: consultationRef.extend({ departmentId: Id, note: HandoverNoteText.optional() }),
    ack: z.object({ status: z.enum(['waiting', 'offered']) }),
  },
  /** Withdraw an invitation nobody has answered yet. */
  'consultation:cancelInvite': { from: ['operator'], payload: consultationRef, ack: empty },
  /** Leave a three-party call; the other operator carries on with the resident. */
  'consultation:leave': { from: ['operator'], payload: consultationRef, ack: empty },
  'offer:decline': { from: ['operator'], payload: consultationRef, ack: empty },
  /** Sent once the browser has loaded the router's capabilities: the server may now send consumers. */
  'call:ready': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ rtpCapabilities: RtpCapabilities, joinId: JoinId }),
    ack: empty,
  },
  'media:createTransport': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ direction: z.enum(['send', 'recv']), joinId: JoinId }),
    ack: TransportOptions,
  },
  'media:connectTransport': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ transportId: Id, dtlsParameters: DtlsParameters }),
    ack: empty,
  },
  'media:produce': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({
      transportId: Id,
      kind: z.enum(['audio', 'video']),
      rtpParameters: RtpParameters,
      source: MediaSource,
    }),
    ack: z.object({ producerId: Id }),
  },
  'media:closeProducer': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ producerId: Id }),
    ack: empty,
  },
  'media:setProducerPaused': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ producerId: Id, paused: z.boolean() }),
    ack: empty,
  },
  'media:resumeConsumer': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({ consumerId: Id }),
    ack: empty,
  },
  /**
   * A transport lost its connection (Wi-Fi roam, LTE tunnel): new ICE credentials for it, so the
   * browser can restart ICE on the same transport and keep its producers and consumers.
   */
  'media:restartIce': {
    from: ['device', 'operator', 'supervisor', 'guest'],
    payload: consultationRef.extend({
      transportId: Id,
      /** How long the browser has been without this transport's connection (for the record). */
      disconnectedForMs: z.number().int().min(0).max(3_600_000),
    }),
    ack: z.object({ iceParameters: IceParameters }),
  },
  /**
   * An ICE restart did not bring media back (or the transports are gone): the server puts the
   * sender back into the call's room afresh and answers with a new call:joined.
   */
  'call:rejoin': { from: ['device', 'operator', 'supervisor', 'guest'], payload: consultationRef, ack: empty },
  /**
   * The browser's media is connected again (after an outage, a rejoin, a reload): the record gets
   * `reconnected`. `lostForMs`: how long the browser itself saw its media stalled, for an outage the
   * server could not see (the socket held).
   */
  'media:recovered': {
    from: ['device', 'operator', 'guest'],
    payload: consultationRef.extend({ lostForMs: z.number().int().min(0).max(3_600_000).optional() }),
    ack: empty,
  },
  /**
   * The path the browser's media takes (direct UDP or TCP, or through TURN and how), sent when its
   * send transport connects or moves: the wallboard shows it and the record keeps it.
   */
  'media:path': {
    from: ['device', 'operator', 'guest'],
    payload: consultationRef.extend({ path: MediaPath }),
    ack: empty,
  },
  /**
   * The tablet's connection quality as it measures it, sent when it changes: a weak uplink (the
   * face's frames not getting out) is seen first by the sender, and the operator is told in words.
   */
  'media:quality': {
    from: ['device'],
    payload: consultationRef.extend({ quality: ConnectionQuality }),
    ack: empty,
  },
  /**
   * How the tablet draws what the operator shows (on each change of size, zoom or full screen, a
   * few times a second at most): the operator's console shows it beside their preview.
   */
  'share:displayed': {
    from: ['device'],
    payload: consultationRef.extend({ display: ShareDisplay }),
    ack: empty,
  },
  /**
   * The operator asks the tablet for a full-resolution photo of the document camera (Alt+C);
   * `withMarks`: the marks on the document now are drawn into the stored image.
   */
  'still:capture': { from: ['operator'], payload: consultationRef.extend({ withMarks: z.boolean().optional() }), ack: z.object({ requestId: Id }) },
  /** The tablet could not take or upload the still it was asked for; the operator is told why. */
  'still:captureFailed': {
    from: ['device'],
    payload: consultationRef.extend({ requestId: Id, reason: StillFailure.exclude(['timeout']) }),
    ack: empty,
  },
  /** What the call shows now (asked on every call:joined, so a reloaded page shows it again); null: nothing. */
  'document:current': { from: ['device', 'operator'], payload: consultationRef, ack: z.object({ document: SentDocument.nullable() }) },
  /** The form the tablet is to have signed now, if any (asked on mount, so a reloaded tablet shows it again). */
  'form:current': { from: ['device', 'operator'], payload: consultationRef, ack: z.object({ form: ConsultationForm.nullable() }) },
  /** 印刷: the operator has the booth's printer print a document sent in the call or a signed form of it. */
  'print:request': {
    from: ['operator'],
    payload: consultationRef.extend({ kind: z.enum(['document', 'form']), id: Id }),
    ack: z.object({ printId: Id }),
  },
  /** The tablet says how the print went: `printed` once the browser's print returned, `failed` when it could not. */
  'print:result': { from: ['device'], payload: consultationRef.extend({ printId: Id, state: z.enum(['printed', 'failed']) }), ack: empty },
  /** The operator takes the sent document off the tablet's screen (it stays in the record). */
  'document:close': { from: ['operator'], payload: consultationRef.extend({ documentId: Id }), ack: empty },
  /**
   * The tablet tells how showing the document went: `shown` once it is drawn, `failed` when it could
   * not be fetched or drawn. The operators see it.
   */
  'document:displayed': {
    from: ['device'],
    // Again on every page turn: `page` is the page the resident sees, for the console to show and mark.
    payload: consultationRef.extend({
      documentId: Id,
      state: z.enum(['shown', 'failed']),
      pages: z.number().int().min(1).max(1000).optional(),
      page: z.number().int().min(1).max(1000).optional(),
    }),
    ack: empty,
  },
  /** A mark on a picture of the call (see annotation.ts): the server keeps it and passes it to every party (annotation:added). */
  'annotation:add': {
    from: ['device', 'operator'],
    payload: consultationRef.extend({ source: AnnotatedSource, mark: MarkDrawing }),
    ack: z.object({ markId: Id }),
  },
  /** Take back the sender's own latest mark on a picture. */
  'annotation:undo': { from: ['device', 'operator'], payload: consultationRef.extend({ source: AnnotatedSource }), ack: empty },
  /** Remove every mark on a picture, whoever drew it. */
  'annotation:clear': { from: ['device', 'operator'], payload: consultationRef.extend({ source: AnnotatedSource }), ack: empty },
  /** The call's marks as the server keeps them: asked on every call:joined, so a reloaded page gets them back. */
  'annotation:list': { from: ['device', 'operator'], payload: consultationRef, ack: z.object({ marks: z.array(Mark) }) },
  /** Before the PIN pad: whether this tablet's site has a clerk PIN, and whether wrong PINs locked it. */
  'clerk:status': { from: ['device'], payload: empty, ack: ClerkLock },
  /** The clerk's PIN, checked on the server: the camera settings and pre-call check open with it. */
  'clerk:unlock': { from: ['device'], payload: z.object({ pin: ClerkPin }), ack: ClerkUnlockResult },
  /**
   * Live supervision of a call in progress (from the wallboard): the supervisor enters the call's
   * room in `mode` and is answered with call:joined (role supervisor) like any party; the operators
   * see who supervises (call:supervision), the tablet is told when the city tells residents.
   */
  'supervision:start': { from: ['supervisor'], payload: consultationRef.extend({ mode: SupervisionMode }), ack: empty },
  /** Move between monitor, whisper and barge in the same call (to monitor: the supervisor's microphone is closed). */
  'supervision:mode': { from: ['supervisor'], payload: consultationRef.extend({ mode: SupervisionMode }), ack: empty },
  /** Stop supervising: the supervisor's transports, producers and consumers are closed. */
  'supervision:stop': { from: ['supervisor'], payload: consultationRef, ack: empty },
  /** 職員を呼ぶ: alert the supervisors' consoles. Presses before an acknowledgement are the same call. */
  'help:request': { from: ['device'], payload: empty, ack: z.object({ helpCallId: Id }) },
  /** 対応します: a supervisor takes the help call; every console's alert clears and the tablet is told. */
  'help:acknowledge': { from: ['supervisor'], payload: z.object({ helpCallId: Id }), ack: empty },
  /**
   * Guests by link (guests.ts): the operator invites a guest of a kind into their call and is given
   * the link's token (signed, scoped to this consultation and kind, short-lived, revocable).
   */
  'guest:invite': {
    from: ['operator'],
    payload: consultationRef.extend({ kind: GuestKind }),
    ack: z.object({ guestId: Id, token: z.string(), expiresAt: z.iso.datetime() }),
  },
  /** 参加を許可: the guest waiting in the lobby enters the call. */
  'guest:admit': { from: ['operator'], payload: consultationRef.extend({ guestId: Id }), ack: empty },
  /** 断る: the guest waiting in the lobby is turned away; their link stops working. */
  'guest:refuse': { from: ['operator'], payload: consultationRef.extend({ guestId: Id }), ack: empty },
  /** 退出させる / 取り消す: the guest leaves the call (or the link is withdrawn before use); their link stops working. */
  'guest:remove': { from: ['operator'], payload: consultationRef.extend({ guestId: Id }), ack: empty },
  /** Whether the guest may see the document camera and what staff show (off by default; enforced by the server). */
  'guest:documents': { from: ['operator'], payload: consultationRef.extend({ guestId: Id, allowed: z.boolean() }), ack: empty },
  /** The guest has checked camera and microphone and asks to join: they wait in the lobby. */
  'guest:knock': { from: ['guest'], payload: z.object({ name: GuestName.optional() }), ack: z.object({ state: GuestState }) },
  /** The guest leaves the call (or the lobby); their link stops working. */
  'guest:leave': { from: ['guest'], payload: empty, ack: empty },
  /**
   * The network check (the kiosk's pre-call check, the console's ネットワーク診断): a short-lived
   * transport to the SFU with TURN servers, one per path tried. It closes on probe:close, after a
   * few seconds, and with the socket; only a few may be open per connection.
   */
  'probe:open': { from: ['device', 'operator', 'supervisor'], payload: empty, ack: ProbeOptions },
  'probe:connect': { from: ['device', 'operator', 'supervisor'], payload: z.object({ probeId: Id, dtlsParameters: DtlsParameters }), ack: empty },
  /** The probe's data channel: it proves SCTP over DTLS over ICE, and carries the bandwidth probe. */
  'probe:produceData': {
    from: ['device', 'operator', 'supervisor'],
    payload: z.object({ probeId: Id, sctpStreamParameters: SctpStreamParameters, label: z.string().max(64) }),
    ack: z.object({ dataProducerId: z.string() }),
  },
  'probe:close': { from: ['device', 'operator', 'supervisor'], payload: z.object({ probeId: Id }), ack: empty },
} as const satisfies Record<string, ClientEventSpec>;

export type ClientEventName = keyof typeof clientEvents;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof clientEvents)[E]['payload']>;
export type ClientAck<E extends ClientEventName> = z.infer<(typeof clientEvents)[E]['ack']>;

type SendersOf<E extends ClientEventName> = (typeof clientEvents)[E]['from'][number];
/** The events a sender of kind S may send (for S a union: any of them). */
export type ClientEventNameFrom<S extends Sender> = { [E in ClientEventName]: S extends SendersOf<E> ? E : never }[ClientEventName];
/** What the guest namespace dispatches: every other event is unknown there. */
export type GuestEventName = ClientEventNameFrom<'guest'>;

/** Whether a sender of this kind may send the event at all. */
export function mayBeSentBy(event: ClientEventName, sender: Sender): boolean {
  return (clientEvents[event].from as readonly Sender[]).includes(sender);
}

export function isClientEventName(name: string): name is ClientEventName {
  return Object.hasOwn(clientEvents, name);
}

/** Every event the server pushes. */
export const serverEvents = {
  /** To the tablet: where its consultation stands. */
  'consultation:status': z.object({
    consultationId: Id,
    status: ConsultationStatus,
    department: DepartmentSummary,
    queuePosition: z.number().int().min(1).nullable(),
    /** From recent handling times and the operators serving the department; null when nobody does. */
    estimatedWaitSeconds: z.number().int().min(0).nullable(),
    /**
     * Waiting, and every operator who could answer is away (離席中) or logged out: the resident is
     * told, and may keep waiting or ask for a callback. Pushed again when that changes.
     */
    allOperatorsAway: z.boolean(),
  }),
  /**
   * To every tablet, on connection and whenever it changes: each department's availability, so the
   * home screen shows closed, unstaffed and busy departments before a press.
   */
  'departments:availability': z.object({ departments: z.array(DepartmentAvailability) }),
  /**
   * To the tablet: the department cannot take the request now. The resident may leave a callback
   * request (consultation:callback) or cancel.
   */
  'consultation:refused': z.object({
    consultationId: Id,
    department: DepartmentSummary,
    reason: RefusalReason,
    /** When the department opens next (outside_hours), if known. */
    nextOpeningAt: z.iso.datetime().nullable(),
  }),
  /**
   * To a tablet on every (re)connection: the consultation the server holds for it, if any. A tablet
   * that was offline past the grace period learns here that its consultation has ended.
   */
  'consultation:current': z.object({ consultationId: Id.nullable() }),
  /** To an operator: a call is ringing for them. */
  'offer:incoming': z.object({
    consultationId: Id,
    /** A resident's request, or a colleague asking for a specialist to join their call. */
    kind: z.enum(['resident', 'specialist']),
    site: SiteSummary,
    department: DepartmentSummary,
    /** When the resident first asked (kept across transfers): the console shows the wait so far. */
    requestedAt: z.iso.datetime(),
    /** The server's clock when the offer was made, so the console's wait is not skewed by its own clock. */
    offeredAt: z.iso.datetime(),
    ringTimeoutSeconds: z.number().int().min(1),
    /** The resident was transferred here from another department. */
    transferred: z.boolean(),
    /** For a specialist request: who is asking. */
    invitedBy: z.string().nullable(),
  }),
  'offer:withdrawn': z.object({
    consultationId: Id,
    reason: OfferWithdrawnReason,
  }),
  'presence:changed': z.object({ presence: Presence, awayReason: AwayReason.nullable() }),
  /** To operators: the queues of the departments they serve (a department's entry whenever it changes). */
  'queues:changed': z.object({ queues: z.array(DepartmentQueueSummary) }),
  /**
   * To an operator whose part in a call is over while the consultation goes on: they transferred
   * the resident, or left a three-party call. Their console leaves the call (wrap-up follows).
   */
  'call:left': z.object({ consultationId: Id, reason: z.enum(['transferred', 'left']) }),
  /** To everyone in a call: who is in it (a specialist joined, an operator left). */
  'call:participants': z.object({
    consultationId: Id,
    operators: z.array(z.object({ staffId: Id, name: z.string(), department: DepartmentSummary })),
  }),
  /**
   * To a party entering the call's room: set up media against this router. The tablet enters it
   * already while an operator's console rings (`answered` false): its media is connected and flowing
   * into the SFU, unseen, so the operator sees the resident the moment they answer (call:answered).
   */
  'call:joined': z.object({
    consultationId: Id,
    /** This entry into the room; the set-up requests (call:ready, media:createTransport) carry it back. */
    joinId: Id,
    role: ParticipantRole,
    routerRtpCapabilities: RtpCapabilities,
    site: SiteSummary,
    department: DepartmentSummary,
    operatorName: z.string(),
    answered: z.boolean(),
  }),
  /** To the tablet, whose media entered the room while the operator's console rang: the operator answered. */
  'call:answered': z.object({ consultationId: Id, operatorName: z.string(), department: DepartmentSummary }),
  /** To the tablet: the room it entered for an offer is given up (declined, timed out): stop sending. */
  'call:released': z.object({ consultationId: Id }),
  'media:newConsumer': z.object({
    consultationId: Id,
    consumerId: Id,
    producerId: Id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: RtpParameters,
    source: MediaSource,
    participant: ParticipantRole,
    /** For a guest's stream: which guest sends it (call:guests says who they are; a sign-language interpreter is shown large). */
    guestId: Id.optional(),
  }),
  'media:consumerClosed': z.object({ consultationId: Id, consumerId: Id }),
  /**
   * To a party: the SFU has sent it no layer of this (simulcast) stream for seconds although the
   * sender's arrives — this party's own link is too thin for it (`starved`), or it flows again. Its
   * bandwidth as the SFU estimates it, when known.
   */
  'media:starved': z.object({ consultationId: Id, consumerId: Id, starved: z.boolean(), estimateKbps: z.number().int().min(0).optional() }),
  /**
   * To a party whose socket came back during its call: the call goes on with the media it has
   * (repair it if it is not flowing: ICE restart, or call:rejoin — a page without the call rejoins
   * at once). Its consumers are announced again; any other it still holds is gone.
   */
  'call:resumable': z.object({ consultationId: Id, consumerIds: z.array(Id) }),
  /** To both sides of a call: a chat message (the sender gets its own back too, in order). */
  'chat:message': ChatMessage,
  /**
   * To an operator who joins a consultation already under way (a transfer answered, a specialist
   * called in), right after their call:joined: what happened before they came — the chat so far
   * (oldest first), the stills taken (fetch them from GET /api/stills/:id), the handover notes.
   */
  'call:history': z.object({
    consultationId: Id,
    chat: z.array(ChatMessage),
    stills: z.array(StillInfo),
    handoverNotes: z.array(HandoverNote),
  }),
  /** To the tablet: take a still of the document camera and upload it (POST /api/stills), with these marks drawn in. */
  'still:requested': z.object({ consultationId: Id, requestId: Id, marks: z.array(Mark) }),
  /** To the tablet and the operators of a call: a mark was added (the sender gets its own back too, in order). */
  'annotation:added': z.object({ consultationId: Id, mark: Mark }),
  /** To the tablet and the operators of a call: marks were taken back or cleared. */
  'annotation:removed': z.object({ consultationId: Id, markIds: z.array(Id) }),
  /** To the tablet and the operators of a call: a document was sent (the tablet fetches it from GET /api/documents/sent/:id and shows it). */
  'document:shown': z.object({ consultationId: Id, document: SentDocument }),
  /** To the tablet: print this (fetch it as for showing: GET /api/documents/sent/:id or GET /api/forms/:id/signed) and answer print:result. */
  'print:requested': z.object({ consultationId: Id, printId: Id, kind: z.enum(['document', 'form']), id: Id, title: z.string() }),
  /** To the operators of a call: how the booth's print went. */
  'print:reported': z.object({ consultationId: Id, printId: Id, state: z.enum(['printed', 'failed']) }),
  /** To the tablet and the operators of a call: a filled form waits for the resident's check and signature (fetch GET /api/forms/:id/filled). */
  'form:toSign': z.object({ consultationId: Id, form: ConsultationForm }),
  /** To the tablet and the operators of a call: the resident signed; the signed PDF is stored (its SHA-256 in the form). */
  'form:signed': z.object({ consultationId: Id, form: ConsultationForm }),
  /** To the tablet and the operators of a call: the document was taken off the tablet's screen. */
  'document:closed': z.object({ consultationId: Id, documentId: Id }),
  /** To the operators of a call: how the tablet showed the document (document:displayed). */
  'document:displayState': z.object({ consultationId: Id, documentId: Id, state: z.enum(['shown', 'failed']), pages: z.number().int().nullable(), page: z.number().int().nullable() }),
  /** To the operator: the still they asked for is stored (fetch it from GET /api/stills/:id). */
  'still:captured': z.object({ consultationId: Id, requestId: Id, still: StillInfo }),
  /** To the operator: the still they asked for could not be taken. */
  'still:failed': z.object({ consultationId: Id, requestId: Id, reason: StillFailure }),
  'call:ended': z.object({
    consultationId: Id,
    outcome: ConsultationOutcome,
    endedBy: z.enum(['resident', 'operator', 'system']),
    /** Why a system end happened (e.g. tablet_disconnected, operator_disconnected, server_restart); null otherwise. */
    reason: z.string().nullable(),
  }),
  /**
   * To everyone else in a call: a party's connection was lost (the consultation is held for them
   * for the resume window) or is back. Screens say so in words instead of showing a frozen picture.
   */
  'call:connection': z.object({
    consultationId: Id,
    party: z.object({ role: ParticipantRole, staffId: Id.nullable(), name: z.string() }),
    state: z.enum(['lost', 'restored']),
    /** When the connection was lost (server clock). */
    since: z.iso.datetime(),
  }),
  /** To the operators of a call: the resident's connection quality as the tablet measures it (on each change, and on joining). */
  'call:quality': z.object({ consultationId: Id, role: ParticipantRole, quality: ConnectionQuality }),
  /** To the operators of a call: how the tablet draws what an operator shows (share:displayed). */
  'call:shareDisplayed': z.object({ consultationId: Id, display: ShareDisplay }),
  /** To the operators and supervisors of a call, on every change and on joining: who supervises it, and how (the operators' banner). */
  'call:supervision': z.object({ consultationId: Id, supervisors: z.array(CallSupervisor) }),
  /** To the tablet, when the city tells residents of supervision (a setting, on by default): what to say now; null: nothing. */
  'call:supervisionNotice': z.object({ consultationId: Id, notice: SupervisionNotice.nullable() }),
  /** To a supervisor: their supervision of a call is over (the call ended or was transferred, or they stopped). */
  'supervision:ended': z.object({ consultationId: Id, reason: z.enum(['stopped', 'call_ended', 'transferred']) }),
  /** To every client: an admin changed the departments (added, renamed, reordered, disabled): fetch GET /api/departments again. */
  'departments:changed': z.object({}),
  /**
   * To the consoles of an ended session, just before the server closes their connections (a logout
   * in a copy of the tab, or an admin's change: see SessionEndReason). The console says why and goes
   * to the login.
   */
  'session:ended': z.object({ reason: SessionEndReason }),
  /**
   * To an operator's console, just before the server closes its connection: the same operator opened
   * the console in another window (a tab, a PC). Calls and offers go to the newest window only — a
   * live call goes on there, as after a reload; this one stops its media and says so.
   */
  'console:superseded': z.object({}),
  /** To supervisors' and admins' consoles, on connection and on every change: the help calls not yet acknowledged. */
  'help:calls': z.object({ calls: z.array(HelpCall) }),
  /** To the tablet that called: a staff member acknowledged (対応します). */
  'help:acknowledged': z.object({ helpCallId: Id }),
  /**
   * Guests of a call, on every change and to whoever joins: to its operators and supervisors every
   * guest invited, waiting or admitted; to the tablet only those admitted (「通訳の方が参加しました」).
   */
  'call:guests': z.object({ consultationId: Id, guests: z.array(CallGuest) }),
  /**
   * To a guest as their socket connects: who they are to the call and where it stands. `claim`:
   * kept by the page (sessionStorage) and given with the token on reconnecting; another browser
   * opening the same link without it is refused (in_use).
   */
  'guest:welcome': z.object({
    consultationId: Id,
    guestId: Id,
    kind: GuestKind,
    state: GuestState,
    claim: z.string(),
    department: DepartmentSummary,
  }),
  /** To a guest: their part is over (refused, removed, left, the call ended); the socket closes and the link no longer works. */
  'guest:closed': z.object({ reason: GuestEnd }),
  /** To every client: the server is stopping (update or restart); consultations are held and resumed when it is back. */
  'server:restarting': z.object({}),
} as const;

export type ServerEventName = keyof typeof serverEvents;
export type ServerPayload<E extends ServerEventName> = z.infer<(typeof serverEvents)[E]>;

/** socket.io typings derived from the registries above. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientPayload<E>, ack: (response: Ack<ClientAck<E>>) => void) => void;
};
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayload<E>) => void;
};

/**
 * The `data` of a refused socket connection (`connect_error`; its message is the code): UNAUTHORIZED
 * forgets the token, UNAVAILABLE retries; a staff session ended on purpose says why, as
 * `session:ended` would have to a connected console.
 */
export const ConnectRefusal = z.object({ code: ErrorCode, reason: SessionEndReason.optional() });
export type ConnectRefusal = z.infer<typeof ConnectRefusal>;

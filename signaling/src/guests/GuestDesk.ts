import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  ProtocolError,
  guestSources,
  type CallGuest,
  type GuestEnd,
  type GuestKind,
  type GuestState,
  type ServerEventName,
  type ServerPayload,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { ConsumerInfo, MediaParticipant } from '@madoguchi/sfu';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { CallView, ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import type { Actor, ConsultationEventType, ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { GuestTokenRefused, type GuestTokens } from './GuestTokens.ts';

const logger = createLogger('guests');

/** Guests a call may have at once (invited, waiting or admitted): an interpreter, a family member, an office or two. */
export const MAX_GUESTS_PER_CALL = 4;

/** A guest's connection as the guest namespace knows it, established from a verified link. */
export interface GuestPrincipal {
  guestId: string;
  consultationId: string;
}

/** How the desk reaches guests' browsers (their own namespace), without knowing about sockets. */
export interface GuestNotifier {
  toGuest<E extends ServerEventName>(guestId: string, event: E, payload: ServerPayload<E>): void;
  /** Close every connection of a guest (after telling them why). */
  disconnectGuest(guestId: string): void;
}

/** One invitation and, once its link is opened, the guest it lets in. */
interface GuestInvite {
  id: string;
  consultationId: string;
  kind: GuestKind;
  invitedBy: string;
  expiresAt: Date;
  state: GuestState;
  /** The hash of the secret given to the browser that opened the link first; null until opened. */
  claimHash: Buffer | null;
  name: string | null;
  documentsAllowed: boolean;
  /** Open sockets of the guest's browser. */
  connections: number;
  /** Unopened links lapse at their expiry. */
  expiryTimer?: TimerHandle;
  /** An admitted guest whose browser is gone is held this long (a reload, a blip), then has left. */
  graceTimer?: TimerHandle;
}

export interface GuestDeskOptions {
  consultations: ConsultationService;
  tokens: GuestTokens;
  recorder: ConsultationRecorder;
  notifier: Notifier;
  guests: GuestNotifier;
  clock: Clock;
  /** How long an invitation's link may be opened. */
  linkTtlMs: number;
  /** How long an admitted guest whose browser went is held before they have left. */
  resumeMs: number;
}

const participantId = (guestId: string) => `guest:${guestId}`;
const hashClaim = (claim: string) => createHash('sha256').update(claim).digest();

/** What each end of a guest's part is on record as. */
const END_EVENT: Record<GuestEnd, ConsultationEventType> = {
  refused: 'guest_refused',
  removed: 'guest_removed',
  left: 'guest_left',
  disconnected: 'guest_left',
  call_ended: 'guest_left',
};

/**
 * Guests by link (issue 14, item 2). The desk owns every invitation and the guest it lets in: it
 * issues the link (GuestTokens), lets only the first browser that opens it use it, keeps the guest
 * in the lobby until an operator of the call admits them, puts them into the call's room as a
 * participant of role `guest` that is never given the papers unless allowed (the SFU's receive
 * filter: no consumer is ever created for them), and ends their part — refused, removed, left,
 * gone, or with the call. An invitation that ends is forgotten, so its link stops working at once;
 * a restart forgets them all (links fail closed). Every step is on the consultation's record.
 *
 * It hangs on the consultation's lifecycle through ConsultationService's observer (ended,
 * participants, roomRebuilt) and its callView(), and changes nothing of it.
 */
export class GuestDesk {
  readonly #consultations: ConsultationService;
  readonly #tokens: GuestTokens;
  readonly #recorder: ConsultationRecorder;
  readonly #notifier: Notifier;
  readonly #guests: GuestNotifier;
  readonly #clock: Clock;
  readonly #linkTtlMs: number;
  readonly #resumeMs: number;
  readonly #invites = new Map<string, GuestInvite>();
  /** Invitation ids of each consultation. */
  readonly #byConsultation = new Map<string, Set<string>>();
  #closed = false;

  constructor(options: GuestDeskOptions) {
    this.#consultations = options.consultations;
    this.#tokens = options.tokens;
    this.#recorder = options.recorder;
    this.#notifier = options.notifier;
    this.#guests = options.guests;
    this.#clock = options.clock;
    this.#linkTtlMs = options.linkTtlMs;
    this.#resumeMs = options.resumeMs;
    const { observer } = options.consultations;
    observer.on('ended', this.#callEnded);
    observer.on('participants', this.#participantsChanged);
    observer.on('roomRebuilt', this.#roomRebuilt);
  }

  // ── Staff ──────────────────────────────────────────────────────────────────

  /** An operator in the call invites a guest of a kind: a new invitation and its link's token. */
  invite(staff: StaffPrincipal, consultationId: string, kind: GuestKind): { guestId: string; token: string; expiresAt: string } {
    this.#callOf(staff, consultationId);
    if (this.#closed) throw new ProtocolError('CONFLICT', 'the server is shutting down');
    if ((this.#byConsultation.get(consultationId)?.size ?? 0) >= MAX_GUESTS_PER_CALL) {
      throw new ProtocolError('CONFLICT', `a call may have ${MAX_GUESTS_PER_CALL} guests at most`);
    }
    const now = this.#clock.now();
    const invite: GuestInvite = {
      id: randomUUID(),
      consultationId,
      kind,
      invitedBy: staff.staffId,
      expiresAt: new Date(now.getTime() + this.#linkTtlMs),
      state: 'invited',
      claimHash: null,
      name: null,
      documentsAllowed: false,
      connections: 0,
    };
    invite.expiryTimer = this.#clock.setTimeout(() => this.#lapse(invite), this.#linkTtlMs);
    this.#invites.set(invite.id, invite);
    let ids = this.#byConsultation.get(consultationId);
    if (!ids) this.#byConsultation.set(consultationId, (ids = new Set()));
    ids.add(invite.id);
    const token = this.#tokens.issue({ guestId: invite.id, consultationId, kind, expiresAt: invite.expiresAt });
    this.#record(invite, 'guest_invited', { type: 'staff', id: staff.staffId }, { expiresAt: invite.expiresAt.toISOString() });
    this.#push(consultationId);
    return { guestId: invite.id, token, expiresAt: invite.expiresAt.toISOString() };
  }

  /** 参加を許可: the guest in the lobby enters the call's room. */
  admit(staff: StaffPrincipal, consultationId: string, guestId: string): void {
    const view = this.#callOf(staff, consultationId);
    const invite = this.#inviteOf(consultationId, guestId);
    if (invite.state !== 'waiting' || invite.connections === 0) throw new ProtocolError('CONFLICT', 'the guest is not waiting in the lobby');
    invite.state = 'admitted';
    this.#record(invite, 'guest_admitted', { type: 'staff', id: staff.staffId });
    this.#enterRoom(invite, view);
    this.#push(consultationId);
  }

  /** 断る: the guest in the lobby is turned away, and their link stops working. */
  refuse(staff: StaffPrincipal, consultationId: string, guestId: string): void {
    this.#callOf(staff, consultationId);
    const invite = this.#inviteOf(consultationId, guestId);
    if (invite.state === 'admitted') throw new ProtocolError('CONFLICT', 'the guest is in the call already: remove them instead');
    this.#end(invite, 'refused', { type: 'staff', id: staff.staffId });
  }

  /** 退出させる (or, before the link was used, 取り消す): the guest's part ends and the link stops working. */
  remove(staff: StaffPrincipal, consultationId: string, guestId: string): void {
    this.#callOf(staff, consultationId);
    this.#end(this.#inviteOf(consultationId, guestId), 'removed', { type: 'staff', id: staff.staffId });
  }

  /** Whether the guest may see the document camera and what staff show: consumers are created or closed at once. */
  async setDocuments(staff: StaffPrincipal, consultationId: string, guestId: string, allowed: boolean): Promise<void> {
    const view = this.#callOf(staff, consultationId);
    const invite = this.#inviteOf(consultationId, guestId);
    if (invite.documentsAllowed === allowed) return;
    invite.documentsAllowed = allowed;
    this.#record(invite, 'guest_documents', { type: 'staff', id: staff.staffId }, { allowed });
    if (invite.state === 'admitted' && view.room.participant(participantId(invite.id))) {
      await view.room.setReceives(participantId(invite.id), guestSources(invite.documentsAllowed));
    }
    this.#push(consultationId);
  }

  // ── Guests ─────────────────────────────────────────────────────────────────

  /**
   * A browser opens a link. A link not opened before may be opened until it expires, and the
   * browser that opens it gets a secret (`claim`) that it must show from then on; a link already
   * opened works only with that secret, expired or not, until the guest's part ends.
   */
  authenticate(token: unknown, claim: unknown): { guest: GuestPrincipal; claim: string } {
    const claims = this.#tokens.verify(token);
    const invite = this.#invites.get(claims.guestId);
    if (!invite || invite.consultationId !== claims.consultationId || invite.kind !== claims.guestKind) {
      throw new GuestTokenRefused(claims.expired ? 'expired' : 'closed');
    }
    const guest = { guestId: invite.id, consultationId: invite.consultationId };
    if (invite.claimHash) {
      const given = typeof claim === 'string' && claim.length > 0 && claim.length <= 128 ? hashClaim(claim) : null;
      if (!given || !timingSafeEqual(given, invite.claimHash)) throw new GuestTokenRefused('in_use');
      return { guest, claim: claim as string };
    }
    if (claims.expired) throw new GuestTokenRefused('expired');
    const secret = randomBytes(24).toString('base64url');
    invite.claimHash = hashClaim(secret);
    if (invite.expiryTimer) this.#clock.clearTimeout(invite.expiryTimer);
    invite.expiryTimer = undefined;
    return { guest, claim: secret };
  }

  /** A guest's socket is connected (joined to their room): they are told where they stand; an admitted guest enters the call again. */
  connected(guest: GuestPrincipal, claim: string): void {
    const invite = this.#invites.get(guest.guestId);
    const view = this.#consultations.callView(guest.consultationId);
    if (!invite) return;
    invite.connections += 1;
    if (invite.graceTimer) this.#clock.clearTimeout(invite.graceTimer);
    invite.graceTimer = undefined;
    this.#guests.toGuest(invite.id, 'guest:welcome', {
      consultationId: invite.consultationId,
      guestId: invite.id,
      kind: invite.kind,
      state: invite.state,
      claim,
      department: view?.department ?? { id: '-', code: '-', name: '' },
    });
    // A reloaded page (or a socket back after a blip) sets up its media afresh.
    if (invite.state === 'admitted' && view) this.#enterRoom(invite, view);
  }

  disconnected(guest: GuestPrincipal): void {
    const invite = this.#invites.get(guest.guestId);
    if (!invite || this.#closed) return;
    invite.connections = Math.max(0, invite.connections - 1);
    if (invite.connections > 0) return;
    if (invite.state === 'waiting') {
      // Out of the lobby: the operator no longer sees them waiting; their page knocks again when back.
      invite.state = 'invited';
      this.#push(invite.consultationId);
    } else if (invite.state === 'admitted') {
      invite.graceTimer = this.#clock.setTimeout(() => {
        invite.graceTimer = undefined;
        if (invite.connections === 0) this.#end(invite, 'disconnected', { type: 'system' });
      }, this.#resumeMs);
    }
  }

  /** The guest has checked their camera and microphone and asks to join: they wait in the lobby. */
  knock(guest: GuestPrincipal, name: string | undefined): { state: GuestState } {
    const invite = this.#own(guest);
    if (invite.state !== 'invited') return { state: invite.state };
    invite.state = 'waiting';
    if (name) invite.name = name;
    this.#record(invite, 'guest_waiting', { type: 'system' }, invite.name ? { name: invite.name } : {});
    this.#push(invite.consultationId);
    return { state: invite.state };
  }

  leave(guest: GuestPrincipal): void {
    this.#end(this.#own(guest), 'left', { type: 'system' });
  }

  /** The guest's media participant in the call; refuses a guest not admitted, or another consultation's id. */
  participant(guest: GuestPrincipal, consultationId: string): MediaParticipant {
    const invite = this.#own(guest);
    if (consultationId !== invite.consultationId) throw new ProtocolError('NOT_FOUND', 'no such consultation');
    const participant = invite.state === 'admitted' ? this.#consultations.callView(consultationId)?.room.participant(participantId(invite.id)) : undefined;
    if (!participant) throw new ProtocolError('CONFLICT', 'not in the call');
    return participant;
  }

  /** The guest's media did not come back by itself: they enter the room afresh (call:joined again). */
  rejoin(guest: GuestPrincipal, consultationId: string): void {
    this.participant(guest, consultationId);
    const view = this.#consultations.callView(consultationId);
    if (view) this.#enterRoom(this.#own(guest), view);
  }

  /** Guests of a consultation now, as staff see them (tests, dashboards). */
  guestsOf(consultationId: string): CallGuest[] {
    return [...(this.#byConsultation.get(consultationId) ?? [])].flatMap((id) => {
      const invite = this.#invites.get(id);
      return invite ? [this.#summary(invite)] : [];
    });
  }

  /** Stop: timers cleared; every invitation is forgotten with the process (links fail closed after a restart). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const { observer } = this.#consultations;
    observer.off('ended', this.#callEnded);
    observer.off('participants', this.#participantsChanged);
    observer.off('roomRebuilt', this.#roomRebuilt);
    for (const invite of this.#invites.values()) this.#clearTimers(invite);
  }

  // ── The consultation's lifecycle ───────────────────────────────────────────

  readonly #callEnded = (consultationId: string): void => {
    for (const id of [...(this.#byConsultation.get(consultationId) ?? [])]) {
      const invite = this.#invites.get(id);
      if (invite) this.#end(invite, 'call_ended', { type: 'system' });
    }
  };

  /** Whoever joined or came back (an operator answering a transfer, a reloaded tablet) learns who the guests are. */
  readonly #participantsChanged = (consultationId: string): void => {
    if (this.#byConsultation.has(consultationId)) this.#push(consultationId);
  };

  /** The call's room was made anew on another worker: admitted guests enter it too. */
  readonly #roomRebuilt = (consultationId: string): void => {
    const view = this.#consultations.callView(consultationId);
    if (!view) return;
    for (const id of this.#byConsultation.get(consultationId) ?? []) {
      const invite = this.#invites.get(id);
      if (invite?.state === 'admitted') this.#enterRoom(invite, view);
    }
  };

  // ── Helpers ────────────────────────────────────────────────────────────────

  /** The single end of an invitation: out of the room, forgotten (the link is dead), on record, the guest told, everyone shown. */
  #end(invite: GuestInvite, reason: GuestEnd, actor: Actor): void {
    if (!this.#invites.delete(invite.id)) return;
    const ids = this.#byConsultation.get(invite.consultationId);
    ids?.delete(invite.id);
    if (ids?.size === 0) this.#byConsultation.delete(invite.consultationId);
    this.#clearTimers(invite);
    const view = this.#consultations.callView(invite.consultationId);
    view?.room.participant(participantId(invite.id))?.close();
    // At the call's end only those who were in it leave on record; an unused link just lapses with it.
    if (reason !== 'call_ended' || invite.state === 'admitted') {
      this.#record(invite, END_EVENT[reason], actor, { from: invite.state, ...(END_EVENT[reason] === 'guest_left' ? { reason } : {}) });
    }
    this.#guests.toGuest(invite.id, 'guest:closed', { reason });
    this.#guests.disconnectGuest(invite.id);
    this.#push(invite.consultationId);
  }

  /** An unopened link's time is up: the invitation lapses. */
  #lapse(invite: GuestInvite): void {
    invite.expiryTimer = undefined;
    if (invite.claimHash || !this.#invites.has(invite.id)) return;
    this.#invites.delete(invite.id);
    this.#byConsultation.get(invite.consultationId)?.delete(invite.id);
    if (this.#byConsultation.get(invite.consultationId)?.size === 0) this.#byConsultation.delete(invite.consultationId);
    this.#record(invite, 'guest_expired', { type: 'system' });
    this.#push(invite.consultationId);
  }

  /**
   * Put the guest into the call's room (afresh: a participant of theirs from before is closed),
   * given only what they may receive, and tell their browser to set up media.
   */
  #enterRoom(invite: GuestInvite, view: CallView): void {
    const room = view.room;
    room.participant(participantId(invite.id))?.close();
    let participant: MediaParticipant;
    try {
      participant = room.join(participantId(invite.id), 'guest', null, guestSources(invite.documentsAllowed));
    } catch (error) {
      logger.warn(`guest ${invite.id} could not enter the room of ${invite.consultationId}:`, error);
      return;
    }
    participant.on('newConsumer', (consumer) => this.#guests.toGuest(invite.id, 'media:newConsumer', this.#consumerPayload(invite, consumer)));
    participant.on('consumerClosed', (consumerId) =>
      this.#guests.toGuest(invite.id, 'media:consumerClosed', { consultationId: invite.consultationId, consumerId }),
    );
    this.#guests.toGuest(invite.id, 'call:joined', {
      consultationId: invite.consultationId,
      joinId: participant.joinId,
      role: 'guest',
      routerRtpCapabilities: room.rtpCapabilities as ServerPayload<'call:joined'>['routerRtpCapabilities'],
      site: view.site,
      department: view.department,
      operatorName: view.operatorName,
      answered: true,
    });
  }

  #consumerPayload(invite: GuestInvite, consumer: ConsumerInfo): ServerPayload<'media:newConsumer'> {
    return {
      consultationId: invite.consultationId,
      consumerId: consumer.consumerId,
      producerId: consumer.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as ServerPayload<'media:newConsumer'>['rtpParameters'],
      source: consumer.source as ServerPayload<'media:newConsumer'>['source'],
      participant: consumer.producerRole as ServerPayload<'media:newConsumer'>['participant'],
      ...(consumer.producerRole === 'guest' ? { guestId: consumer.producerParticipantId.slice('guest:'.length) } : {}),
    };
  }

  /** Who the call's guests are: every one to its staff, those admitted to the tablet. */
  #push(consultationId: string): void {
    const view = this.#consultations.callView(consultationId);
    if (!view) return;
    const guests = this.guestsOf(consultationId);
    const payload = { consultationId, guests };
    for (const staffId of new Set([...view.operatorIds, ...view.supervisorIds])) this.#notifier.toStaff(staffId, 'call:guests', payload);
    this.#notifier.toDevice(view.deviceId, 'call:guests', { consultationId, guests: guests.filter((guest) => guest.state === 'admitted') });
  }

  #summary(invite: GuestInvite): CallGuest {
    return {
      guestId: invite.id,
      kind: invite.kind,
      name: invite.name,
      state: invite.state,
      documentsAllowed: invite.documentsAllowed,
      expiresAt: invite.expiresAt.toISOString(),
    };
  }

  #record(invite: GuestInvite, type: ConsultationEventType, actor: Actor, data: Record<string, unknown> = {}): void {
    void this.#recorder.record(invite.consultationId, type, this.#clock.now(), actor, { data: { guestId: invite.id, kind: invite.kind, ...data } });
  }

  /** The connected call the operator is in (NOT_FOUND or CONFLICT otherwise, as for every in-call request). */
  #callOf(staff: StaffPrincipal, consultationId: string): CallView {
    this.#consultations.connectedParties(staff, consultationId);
    const view = this.#consultations.callView(consultationId);
    if (!view) throw new ProtocolError('CONFLICT', 'the call is not connected');
    return view;
  }

  #inviteOf(consultationId: string, guestId: string): GuestInvite {
    const invite = this.#invites.get(guestId);
    if (!invite || invite.consultationId !== consultationId) throw new ProtocolError('NOT_FOUND', 'no such guest');
    return invite;
  }

  /** The guest's own invitation, while it lasts (an ended one is UNAUTHORIZED: the socket is being closed). */
  #own(guest: GuestPrincipal): GuestInvite {
    const invite = this.#invites.get(guest.guestId);
    if (!invite) throw new ProtocolError('UNAUTHORIZED', 'this link no longer works');
    return invite;
  }

  #clearTimers(invite: GuestInvite): void {
    if (invite.expiryTimer) this.#clock.clearTimeout(invite.expiryTimer);
    if (invite.graceTimer) this.#clock.clearTimeout(invite.graceTimer);
    invite.expiryTimer = undefined;
    invite.graceTimer = undefined;
  }
}

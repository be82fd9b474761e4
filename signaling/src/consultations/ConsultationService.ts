import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@madoguchi/db';
import {
  ProtocolError,
  type ConsultationOutcome,
  type ConsultationStatus,
  type DepartmentSummary,
  type ParticipantRole,
  type SelectablePresence,
  type ServerEventName,
  type ServerPayload,
  type SiteSummary,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Participant, Room, SfuNode } from '@madoguchi/sfu';
import { principalKey, type DevicePrincipal, type Principal, type StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Actor, ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { OperatorPool } from '../routing/OperatorPool.ts';

const logger = createLogger('consultations');

/** How the lifecycle reaches browsers, without knowing about sockets. */
export interface Notifier {
  toDevice<E extends ServerEventName>(deviceId: string, event: E, payload: ServerPayload<E>): void;
  toStaff<E extends ServerEventName>(staffId: string, event: E, payload: ServerPayload<E>): void;
}

interface LiveConsultation {
  id: string;
  deviceId: string;
  site: SiteSummary;
  department: DepartmentSummary;
  status: Exclude<ConsultationStatus, 'ended'>;
  requestedAt: Date;
  /** Operators who declined or let it ring out: offered again only when nobody else is available. */
  passedOver: Set<string>;
  offeredTo?: string;
  ringTimer?: TimerHandle;
  operatorId?: string;
  operatorName?: string;
  room?: Room;
}

export interface ConsultationServiceOptions {
  db: PrismaClient;
  sfu: SfuNode;
  recorder: ConsultationRecorder;
  notifier: Notifier;
  clock: Clock;
  ringTimeoutMs: number;
  disconnectGraceMs: number;
}

type EndedBy = 'resident' | 'operator' | 'system';

/**
 * The life of a consultation: requested → offered → in call → ended. Owns the live state, the
 * operators' presence and every timer; the SFU room of a call is created on answer and closed on end.
 */
export class ConsultationService {
  readonly #db: PrismaClient;
  readonly #sfu: SfuNode;
  readonly #recorder: ConsultationRecorder;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #ringTimeoutMs: number;
  readonly #disconnectGraceMs: number;
  readonly #operators = new OperatorPool();
  readonly #live = new Map<string, LiveConsultation>();
  readonly #byDevice = new Map<string, LiveConsultation>();
  readonly #requesting = new Set<string>();
  readonly #deviceConnections = new Map<string, number>();
  readonly #graceTimers = new Map<string, TimerHandle>();
  #closed = false;

  constructor(options: ConsultationServiceOptions) {
    this.#db = options.db;
    this.#sfu = options.sfu;
    this.#recorder = options.recorder;
    this.#notifier = options.notifier;
    this.#clock = options.clock;
    this.#ringTimeoutMs = options.ringTimeoutMs;
    this.#disconnectGraceMs = options.disconnectGraceMs;
  }

  get liveCount(): number {
    return this.#live.size;
  }

  // ── Connections ────────────────────────────────────────────────────────────

  connected(principal: Principal): void {
    const key = principalKey(principal);
    const timer = this.#graceTimers.get(key);
    if (timer) {
      this.#clock.clearTimeout(timer);
      this.#graceTimers.delete(key);
    }
    if (principal.kind === 'device') {
      const connections = (this.#deviceConnections.get(principal.deviceId) ?? 0) + 1;
      this.#deviceConnections.set(principal.deviceId, connections);
      const live = this.#byDevice.get(principal.deviceId);
      this.#notifier.toDevice(principal.deviceId, 'consultation:current', { consultationId: live?.id ?? null });
      if (connections === 1 && live) this.#resume(live, 'resident', principal.deviceId);
      return;
    }
    if (principal.role !== 'operator') return;
    const operator = this.#operators.connect(
      principal.staffId,
      principal.displayName,
      principal.departmentIds,
      this.#clock.now().getTime(),
    );
    this.#notifier.toStaff(principal.staffId, 'presence:changed', { presence: operator.presence });
    const live = operator.consultationId ? this.#live.get(operator.consultationId) : undefined;
    if (operator.connections === 1 && live) this.#resume(live, 'operator', principal.staffId);
  }

  /**
   * Someone whose connection dropped is back within the grace period (a mobile counter in a
   * tunnel, a reloaded console). Their old transports died with the old socket: they rejoin the
   * room afresh and set up media again; a waiting tablet is told where it stands.
   */
  #resume(live: LiveConsultation, role: ParticipantRole, principalId: string): void {
    if (live.status !== 'in_call' || !live.room) {
      if (role === 'resident') this.#pushQueue(live.department.id);
      return;
    }
    live.room.participant(`${role}:${principalId}`)?.close();
    this.#enterRoom(live, live.room, role, principalId);
    void this.#recorder.record(live.id, 'rejoined', this.#clock.now(), { type: role === 'resident' ? 'device' : 'staff', id: principalId });
  }

  disconnected(principal: Principal): void {
    if (principal.kind === 'device') {
      const left = (this.#deviceConnections.get(principal.deviceId) ?? 1) - 1;
      if (left > 0) {
        this.#deviceConnections.set(principal.deviceId, left);
        return;
      }
      this.#deviceConnections.delete(principal.deviceId);
      const live = this.#byDevice.get(principal.deviceId);
      if (live) this.#startGrace(principal, () => this.#finishFor(live, 'system', 'tablet_disconnected'));
      return;
    }
    if (principal.role !== 'operator' || !this.#operators.disconnect(principal.staffId)) return;
    const operator = this.#operators.get(principal.staffId);
    const live = operator?.consultationId ? this.#live.get(operator.consultationId) : undefined;
    if (live?.status === 'offered') {
      // Nobody is there to answer: ring someone else now.
      this.#withdrawOffer(live, 'offer_withdrawn', { type: 'system' }, 'cancelled');
      this.#operators.setPresence(principal.staffId, 'offline', this.#clock.now().getTime());
      this.#dispatch();
    } else if (live?.status === 'in_call') {
      this.#startGrace(principal, () => {
        this.#operators.setPresence(principal.staffId, 'offline', this.#clock.now().getTime());
        this.#finishFor(live, 'system', 'operator_disconnected');
      });
    } else {
      this.#operators.setPresence(principal.staffId, 'offline', this.#clock.now().getTime());
    }
  }

  // ── Tablet ─────────────────────────────────────────────────────────────────

  async request(device: DevicePrincipal, departmentId: string): Promise<{ consultationId: string; status: ConsultationStatus }> {
    if (this.#byDevice.has(device.deviceId) || this.#requesting.has(device.deviceId)) {
      throw new ProtocolError('CONFLICT', 'this tablet already has a consultation');
    }
    // Reserved across the awaits below: two requests from one tablet must not both pass.
    this.#requesting.add(device.deviceId);
    let id: string;
    let department: { id: string; code: string; name: string } | null;
    let site: { id: string; name: string } | null;
    const requestedAt = this.#clock.now();
    try {
      [department, site] = await Promise.all([
        this.#db.department.findUnique({ where: { id: departmentId } }),
        this.#db.site.findUnique({ where: { id: device.siteId } }),
      ]);
      if (!department) throw new ProtocolError('NOT_FOUND', 'no such department');
      if (!site) throw new ProtocolError('NOT_FOUND', 'the tablet’s site no longer exists');
      id = await this.#recorder.create(
        { siteId: site.id, deviceId: device.deviceId, departmentId: department.id, requestedAt },
        { type: 'device', id: device.deviceId },
      );
    } finally {
      this.#requesting.delete(device.deviceId);
    }
    const live: LiveConsultation = {
      id,
      deviceId: device.deviceId,
      site: { id: site.id, name: site.name },
      department: { id: department.id, code: department.code, name: department.name },
      status: 'waiting',
      requestedAt,
      passedOver: new Set(),
    };
    this.#live.set(id, live);
    this.#byDevice.set(device.deviceId, live);
    this.#dispatch();
    this.#pushQueue(live.department.id);
    return { consultationId: id, status: live.status };
  }

  cancel(device: DevicePrincipal, consultationId: string): void {
    const live = this.#own(device, consultationId);
    if (live.status === 'in_call') throw new ProtocolError('CONFLICT', 'the call is already connected; end it instead');
    this.#finish(live, 'abandoned', 'resident', { type: 'device', id: device.deviceId });
  }

  // ── Operator ───────────────────────────────────────────────────────────────

  setPresence(staff: StaffPrincipal, presence: SelectablePresence): void {
    const operator = this.#operators.get(staff.staffId);
    if (!operator) throw new ProtocolError('CONFLICT', 'not connected');
    if (operator.presence === 'offered' || operator.presence === 'in_call') {
      throw new ProtocolError('CONFLICT', 'presence cannot change during an offer or a call');
    }
    this.#setPresence(staff.staffId, presence);
    if (presence === 'available') this.#dispatch();
  }

  async accept(staff: StaffPrincipal, consultationId: string): Promise<void> {
    const live = this.#live.get(consultationId);
    if (!live || live.offeredTo !== staff.staffId) throw new ProtocolError('CONFLICT', 'this call is not offered to you');
    this.#clearRing(live);
    live.offeredTo = undefined;
    live.status = 'in_call';
    live.operatorId = staff.staffId;
    live.operatorName = staff.displayName;
    this.#setPresence(staff.staffId, 'in_call', live.id);
    const answeredAt = this.#clock.now();
    void this.#recorder.record(live.id, 'answered', answeredAt, { type: 'staff', id: staff.staffId }, {
      update: { operatorId: staff.staffId, answeredAt },
    });
    this.#pushQueue(live.department.id);

    let room: Room;
    try {
      room = await this.#sfu.createRoom(live.id);
    } catch (error) {
      logger.error(`no media room for consultation ${live.id}:`, error);
      this.#finish(live, 'failed', 'system', { type: 'system' }, 'media_unavailable');
      throw new ProtocolError('MEDIA_ERROR', 'the media server could not start the call');
    }
    if (!this.#live.has(live.id)) {
      room.close(); // ended while the room was being created
      return;
    }
    live.room = room;
    room.on('close', (reason) => {
      if (reason === 'worker_died') this.#finish(live, 'failed', 'system', { type: 'system' }, 'media_worker_died');
    });
    this.#enterRoom(live, room, 'resident', live.deviceId);
    this.#enterRoom(live, room, 'operator', staff.staffId);
  }

  decline(staff: StaffPrincipal, consultationId: string): void {
    const live = this.#live.get(consultationId);
    if (!live || live.offeredTo !== staff.staffId) throw new ProtocolError('CONFLICT', 'this call is not offered to you');
    this.#withdrawOffer(live, 'declined', { type: 'staff', id: staff.staffId }, 'declined');
    this.#setPresence(staff.staffId, 'available');
    this.#dispatch();
  }

  // ── Both sides ─────────────────────────────────────────────────────────────

  end(principal: Principal, consultationId: string): void {
    const live = this.#own(principal, consultationId);
    const endedBy: EndedBy = principal.kind === 'device' ? 'resident' : 'operator';
    const actor = this.#actor(principal);
    this.#finish(live, live.status === 'in_call' ? 'completed' : 'abandoned', endedBy, actor);
  }

  /**
   * A chat message in a connected call: kept in the consultation's record (never on the tablet)
   * and delivered to both sides, the sender included, so both see one order.
   */
  chat(principal: Principal, consultationId: string, text: string): { messageId: string; at: string } {
    const live = this.#own(principal, consultationId);
    if (live.status !== 'in_call') throw new ProtocolError('CONFLICT', 'the call is not connected');
    const from: ParticipantRole = principal.kind === 'device' ? 'resident' : 'operator';
    const at = this.#clock.now();
    const message = { consultationId, messageId: randomUUID(), from, text, at: at.toISOString() };
    void this.#recorder.record(live.id, 'chat', at, this.#actor(principal), { data: { from, text } });
    this.#notifier.toDevice(live.deviceId, 'chat:message', message);
    if (live.operatorId) this.#notifier.toStaff(live.operatorId, 'chat:message', message);
    return { messageId: message.messageId, at: message.at };
  }

  /** Both sides of a connected call the principal takes part in (for what travels beside the media, e.g. stills). */
  callParties(principal: Principal, consultationId: string): { deviceId: string; operatorId: string } {
    const live = this.#own(principal, consultationId);
    if (live.status !== 'in_call' || !live.operatorId) throw new ProtocolError('CONFLICT', 'the call is not connected');
    return { deviceId: live.deviceId, operatorId: live.operatorId };
  }

  /** The caller's media participant in a connected call; refuses anyone not in it. */
  participant(principal: Principal, consultationId: string): Participant {
    const live = this.#own(principal, consultationId);
    const participant = live.room?.participant(this.#participantId(principal));
    if (live.status !== 'in_call' || !participant) throw new ProtocolError('CONFLICT', 'the call is not connected');
    return participant;
  }

  /** End everything: used on shutdown. Calls in progress are recorded as failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#graceTimers.values()) this.#clock.clearTimeout(timer);
    this.#graceTimers.clear();
    for (const live of [...this.#live.values()]) this.#finish(live, 'failed', 'system', { type: 'system' }, 'server_shutdown');
    await this.#recorder.flush();
  }

  // ── Internals ──────────────────────────────────────────────────────────────

  /** Offer every waiting consultation, oldest first, to an available operator of its department. */
  #dispatch(): void {
    if (this.#closed) return;
    const waiting = [...this.#live.values()]
      .filter((live) => live.status === 'waiting')
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime());
    for (const live of waiting) {
      const operator = this.#operators.pick(live.department.id, live.passedOver);
      if (operator) this.#offer(live, operator.staffId);
    }
  }

  #offer(live: LiveConsultation, staffId: string): void {
    live.status = 'offered';
    live.offeredTo = staffId;
    this.#setPresence(staffId, 'offered', live.id);
    live.ringTimer = this.#clock.setTimeout(() => {
      live.ringTimer = undefined;
      this.#withdrawOffer(live, 'offer_timeout', { type: 'system' }, 'cancelled');
      this.#setPresence(staffId, 'away'); // an unanswered ring means nobody is at the desk
      this.#dispatch();
    }, this.#ringTimeoutMs);
    void this.#recorder.record(live.id, 'offered', this.#clock.now(), { type: 'system' }, { data: { operatorId: staffId } });
    this.#notifier.toStaff(staffId, 'offer:incoming', {
      consultationId: live.id,
      site: live.site,
      department: live.department,
      requestedAt: live.requestedAt.toISOString(),
    });
    this.#pushQueue(live.department.id);
  }

  /** Take an offer back from its operator; the consultation waits again. */
  #withdrawOffer(
    live: LiveConsultation,
    event: 'declined' | 'offer_timeout' | 'offer_withdrawn',
    actor: Actor,
    reason: ServerPayload<'offer:withdrawn'>['reason'],
  ): void {
    const staffId = live.offeredTo;
    if (!staffId) return;
    this.#clearRing(live);
    live.offeredTo = undefined;
    live.status = 'waiting';
    live.passedOver.add(staffId);
    void this.#recorder.record(live.id, event, this.#clock.now(), actor, { data: { operatorId: staffId } });
    this.#notifier.toStaff(staffId, 'offer:withdrawn', { consultationId: live.id, reason });
    this.#pushQueue(live.department.id);
  }

  #finishFor(live: LiveConsultation, endedBy: EndedBy, reason: string): void {
    this.#finish(live, live.status === 'in_call' ? 'failed' : 'abandoned', endedBy, { type: 'system' }, reason);
  }

  /** End a consultation: close its media, free its operator, record the outcome, tell both sides. */
  #finish(live: LiveConsultation, outcome: ConsultationOutcome, endedBy: EndedBy, actor: Actor, reason?: string): void {
    if (!this.#live.delete(live.id)) return;
    this.#byDevice.delete(live.deviceId);
    this.#clearRing(live);
    const endedAt = this.#clock.now();
    if (live.offeredTo) {
      this.#notifier.toStaff(live.offeredTo, 'offer:withdrawn', { consultationId: live.id, reason: 'cancelled' });
      this.#setPresence(live.offeredTo, 'available');
    }
    live.room?.close();
    const type = outcome === 'failed' ? 'failed' : live.status === 'in_call' ? 'ended' : 'cancelled';
    void this.#recorder.record(live.id, type, endedAt, actor, {
      update: { endedAt, outcome, endedBy },
      data: reason ? { reason } : undefined,
    });
    const ended = { consultationId: live.id, outcome, endedBy };
    this.#notifier.toDevice(live.deviceId, 'call:ended', ended);
    this.#notifier.toDevice(live.deviceId, 'consultation:status', {
      consultationId: live.id,
      status: 'ended',
      department: live.department,
      queuePosition: null,
    });
    if (live.operatorId) {
      this.#notifier.toStaff(live.operatorId, 'call:ended', ended);
      const operator = this.#operators.get(live.operatorId);
      if (operator?.consultationId === live.id) this.#setPresence(live.operatorId, 'available');
    }
    this.#pushQueue(live.department.id);
    this.#dispatch();
  }

  /** Put one side into the call's room, forward its consumers, and tell it to set up media. */
  #enterRoom(live: LiveConsultation, room: Room, role: ParticipantRole, principalId: string): void {
    const participant = room.join(`${role}:${principalId}`, role);
    const send = <E extends ServerEventName>(event: E, payload: ServerPayload<E>) =>
      role === 'resident' ? this.#notifier.toDevice(principalId, event, payload) : this.#notifier.toStaff(principalId, event, payload);
    participant.on('newConsumer', (consumer) =>
      send('media:newConsumer', {
        consultationId: live.id,
        consumerId: consumer.consumerId,
        producerId: consumer.producerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as ServerPayload<'media:newConsumer'>['rtpParameters'],
        source: consumer.source as ServerPayload<'media:newConsumer'>['source'],
        participant: consumer.producerRole as ParticipantRole,
      }),
    );
    participant.on('consumerClosed', (consumerId) => send('media:consumerClosed', { consultationId: live.id, consumerId }));
    send('call:joined', {
      consultationId: live.id,
      role,
      routerRtpCapabilities: room.rtpCapabilities as ServerPayload<'call:joined'>['routerRtpCapabilities'],
      site: live.site,
      department: live.department,
      operatorName: live.operatorName ?? '',
    });
  }

  /** Tell every tablet waiting for a department where it stands. */
  #pushQueue(departmentId: string): void {
    let position = 0;
    const queue = [...this.#live.values()]
      .filter((live) => live.department.id === departmentId)
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime());
    for (const live of queue) {
      this.#notifier.toDevice(live.deviceId, 'consultation:status', {
        consultationId: live.id,
        status: live.status,
        department: live.department,
        queuePosition: live.status === 'waiting' ? ++position : null,
      });
    }
  }

  #setPresence(staffId: string, presence: Parameters<OperatorPool['setPresence']>[1], consultationId?: string): void {
    this.#operators.setPresence(staffId, presence, this.#clock.now().getTime(), consultationId);
    const operator = this.#operators.get(staffId);
    if (operator) this.#notifier.toStaff(staffId, 'presence:changed', { presence: operator.presence });
  }

  #startGrace(principal: Principal, onExpiry: () => void): void {
    const key = principalKey(principal);
    if (this.#graceTimers.has(key)) return;
    this.#graceTimers.set(
      key,
      this.#clock.setTimeout(() => {
        this.#graceTimers.delete(key);
        onExpiry();
      }, this.#disconnectGraceMs),
    );
  }

  #clearRing(live: LiveConsultation): void {
    if (live.ringTimer) this.#clock.clearTimeout(live.ringTimer);
    live.ringTimer = undefined;
  }

  /**
   * The consultation if the principal takes part in it. Another tablet's or operator's
   * consultation is reported as not found, so ids cannot be probed.
   */
  #own(principal: Principal, consultationId: string): LiveConsultation {
    const live = this.#live.get(consultationId);
    const mine =
      live &&
      (principal.kind === 'device' ? live.deviceId === principal.deviceId : live.operatorId === principal.staffId);
    if (!live || !mine) throw new ProtocolError('NOT_FOUND', 'no such consultation');
    return live;
  }

  #participantId(principal: Principal): string {
    return principal.kind === 'device' ? `resident:${principal.deviceId}` : `operator:${principal.staffId}`;
  }

  #actor(principal: Principal): Actor {
    return principal.kind === 'device' ? { type: 'device', id: principal.deviceId } : { type: 'staff', id: principal.staffId };
  }
}

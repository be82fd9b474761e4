import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrismaClient } from '@madoguchi/db';
import {
  ProtocolError,
  STILL_MAX_DIMENSION,
  StillMime,
  type StillFailure,
  type StillInfo,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { AnnotationBoard } from '../annotations/AnnotationBoard.ts';
import type { DevicePrincipal, StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { participationEventsOf } from '../records/participation.ts';
import { readImageInfo } from './imageInfo.ts';

const logger = createLogger('stills');

/** How long the tablet has to deliver a still before the operator is told it failed. */
const CAPTURE_TIMEOUT_MS = 30_000;
/** How often the retention sweep runs. */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

const EXTENSION: Record<StillMime, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };

interface PendingCapture {
  requestId: string;
  consultationId: string;
  deviceId: string;
  staffId: string;
  requestedAt: Date;
  /** How many marks the tablet was asked to draw into the image. */
  marks: number;
  timer: TimerHandle;
}

export interface StillServiceOptions {
  db: PrismaClient;
  consultations: ConsultationService;
  /** The call's marks, drawn into a still when the operator asks for that. */
  annotations: AnnotationBoard;
  notifier: Notifier;
  audit: AuditLog;
  /** Each still stored is an event of its consultation's record. */
  recorder: ConsultationRecorder;
  clock: Clock;
  /** Where the image files live. */
  dir: string;
  /** Stills older than this are deleted (file and row). */
  retentionMs: number;
}

/**
 * Stills of the resident's document camera: the operator asks, the tablet photographs its raw
 * camera track and uploads the file, which is kept on disk with a row per still. Only staff who
 * took part in the consultation, supervisors and admins may look at one, and every look is audited.
 */
export class StillService {
  readonly #db: PrismaClient;
  readonly #consultations: ConsultationService;
  readonly #annotations: AnnotationBoard;
  readonly #notifier: Notifier;
  readonly #audit: AuditLog;
  readonly #recorder: ConsultationRecorder;
  readonly #clock: Clock;
  readonly #dir: string;
  readonly #retentionMs: number;
  /** Captures asked for and not yet delivered, by request id. */
  readonly #pending = new Map<string, PendingCapture>();
  #sweepTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: StillServiceOptions) {
    this.#db = options.db;
    this.#consultations = options.consultations;
    this.#annotations = options.annotations;
    this.#notifier = options.notifier;
    this.#audit = options.audit;
    this.#recorder = options.recorder;
    this.#clock = options.clock;
    this.#dir = options.dir;
    this.#retentionMs = options.retentionMs;
  }

  /**
   * The operator asks the tablet of their call for a still; one capture at a time per call. With
   * `withMarks` the tablet draws the marks on the document now into the image, so the record keeps
   * the annotated page.
   */
  requestCapture(staff: StaffPrincipal, consultationId: string, withMarks: boolean): { requestId: string } {
    const deviceId = this.#consultations.connectedTablet(staff, consultationId);
    for (const pending of this.#pending.values()) {
      if (pending.consultationId === consultationId) throw new ProtocolError('CONFLICT', 'a still is already being taken');
    }
    const requestId = randomUUID();
    const timer = this.#clock.setTimeout(() => this.#fail(requestId, 'timeout'), CAPTURE_TIMEOUT_MS);
    const marks = withMarks ? this.#annotations.marksOn(consultationId, 'document') : [];
    this.#pending.set(requestId, { requestId, consultationId, deviceId, staffId: staff.staffId, requestedAt: this.#clock.now(), marks: marks.length, timer });
    this.#notifier.toDevice(deviceId, 'still:requested', { consultationId, requestId, marks });
    return { requestId };
  }

  /** The tablet could not take or upload the still. */
  captureFailed(device: DevicePrincipal, consultationId: string, requestId: string, reason: StillFailure): void {
    this.#pendingFor(device, consultationId, requestId);
    this.#fail(requestId, reason);
  }

  /**
   * Keep the still the tablet uploaded for a pending request of its current call. The type and
   * size come from the file's own header; the declared content type must agree with it.
   */
  async store(
    device: DevicePrincipal,
    consultationId: string,
    requestId: string,
    declaredMime: string,
    data: Buffer,
  ): Promise<StillInfo> {
    const pending = this.#pendingFor(device, consultationId, requestId);
    this.#consultations.connectedTablet(device, consultationId); // the call is still connected
    const image = readImageInfo(data);
    if (!image || image.mime !== declaredMime) throw new ProtocolError('BAD_REQUEST', 'the body is not the JPEG or PNG image it claims to be');
    if (image.width > STILL_MAX_DIMENSION || image.height > STILL_MAX_DIMENSION) {
      throw new ProtocolError('BAD_REQUEST', `images are limited to ${STILL_MAX_DIMENSION}×${STILL_MAX_DIMENSION} pixels`);
    }
    // Settled before anything slow, so a second upload for the same request is refused.
    this.#settle(pending);

    const id = randomUUID();
    const file = this.#fileOf(id, image.mime);
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(file, data, { flag: 'wx', mode: 0o600 });
      await this.#recorder.onRecord(consultationId);
      const row = await this.#db.still.create({
        data: {
          id,
          consultationId,
          requestedBy: pending.staffId,
          width: image.width,
          height: image.height,
          bytes: data.length,
          mime: image.mime,
          createdAt: this.#clock.now(),
        },
      });
      const still = stillInfo(row);
      // The record keeps who asked and which still (the record's page opens it); queued in order, never rejects.
      void this.#recorder.record(consultationId, 'still_taken', row.createdAt, { type: 'staff', id: pending.staffId }, {
        data: { stillId: id, width: image.width, height: image.height, bytes: data.length, ...(pending.marks > 0 ? { marks: pending.marks } : {}) },
      });
      // The operator waits for this: the time from the button to a stored still is worth watching.
      logger.info(
        `still ${id}: ${image.width}×${image.height} ${image.mime}, ${Math.round(data.length / 1024)} KiB, ` +
          `stored ${row.createdAt.getTime() - pending.requestedAt.getTime()} ms after the request`,
      );
      this.#notifier.toStaff(pending.staffId, 'still:captured', { consultationId, requestId, still });
      return still;
    } catch (error) {
      await rm(file, { force: true });
      this.#notifier.toStaff(pending.staffId, 'still:failed', { consultationId, requestId, reason: 'upload_failed' });
      throw error;
    }
  }

  /**
   * A still's metadata and file for a staff member allowed to see it (supervisors, admins, and
   * staff who took part in its consultation: participation.ts), after writing the view to the audit log. To anyone
   * else the still does not exist, so ids cannot be probed.
   */
  async openForView(staff: StaffPrincipal, stillId: string): Promise<{ still: StillInfo; file: string }> {
    const row = await this.#db.still.findUnique({
      where: { id: stillId },
      include: {
        consultation: {
          select: {
            operatorId: true,
            events: { where: participationEventsOf(staff.staffId), select: { id: true }, take: 1 },
          },
        },
      },
    });
    // In the call now counts too: a colleague who has just joined may not be on record yet.
    const tookPart =
      row &&
      (row.consultation.operatorId === staff.staffId ||
        row.consultation.events.length > 0 ||
        this.#consultations.takesPart(staff.staffId, row.consultationId));
    if (!row || !(staff.role === 'supervisor' || staff.role === 'admin' || tookPart)) {
      throw new ProtocolError('NOT_FOUND', 'no such still');
    }
    const still = stillInfo(row);
    await this.#audit.write({
      staffId: staff.staffId,
      action: 'still.view',
      targetId: still.id,
      details: { consultationId: still.consultationId },
      at: this.#clock.now(),
    });
    return { still, file: this.#fileOf(still.id, still.mime) };
  }

  /** Delete every still older than the retention period, file first; returns how many went. */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.#clock.now().getTime() - this.#retentionMs);
    const expired = await this.#db.still.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true, mime: true } });
    const removed: string[] = [];
    for (const { id, mime } of expired) {
      try {
        await rm(this.#fileOf(id, StillMime.parse(mime)), { force: true });
        removed.push(id);
      } catch (error) {
        logger.error(`cannot delete the file of still ${id}; kept for the next sweep:`, error);
      }
    }
    if (removed.length > 0) await this.#db.still.deleteMany({ where: { id: { in: removed } } });
    return removed.length;
  }

  /** Sweep now and then every SWEEP_INTERVAL_MS until close(). */
  startRetention(): void {
    const sweep = () => {
      this.purgeExpired().then(
        (count) => count > 0 && logger.info(`retention: deleted ${count} still(s)`),
        (error: unknown) => logger.error('retention sweep failed:', error),
      ).finally(() => {
        if (!this.#closed) this.#sweepTimer = this.#clock.setTimeout(sweep, SWEEP_INTERVAL_MS);
      });
    };
    sweep();
  }

  close(): void {
    this.#closed = true;
    if (this.#sweepTimer) this.#clock.clearTimeout(this.#sweepTimer);
    for (const pending of this.#pending.values()) this.#clock.clearTimeout(pending.timer);
    this.#pending.clear();
  }

  #fileOf(id: string, mime: StillMime): string {
    return join(this.#dir, `${id}.${EXTENSION[mime]}`);
  }

  /** The pending capture the tablet answers; another tablet's, or an unknown one, is not found. */
  #pendingFor(device: DevicePrincipal, consultationId: string, requestId: string): PendingCapture {
    const pending = this.#pending.get(requestId);
    if (!pending || pending.deviceId !== device.deviceId || pending.consultationId !== consultationId) {
      throw new ProtocolError('NOT_FOUND', 'no still was asked for');
    }
    return pending;
  }

  #settle(pending: PendingCapture): void {
    this.#clock.clearTimeout(pending.timer);
    this.#pending.delete(pending.requestId);
  }

  #fail(requestId: string, reason: StillFailure): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#settle(pending);
    this.#notifier.toStaff(pending.staffId, 'still:failed', { consultationId: pending.consultationId, requestId, reason });
  }
}

/** A Still row as the API shows it. */
export function stillInfo(row: { id: string; consultationId: string; width: number; height: number; bytes: number; mime: string; createdAt: Date }): StillInfo {
  return {
    id: row.id,
    consultationId: row.consultationId,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    mime: StillMime.parse(row.mime),
    createdAt: row.createdAt.toISOString(),
  };
}

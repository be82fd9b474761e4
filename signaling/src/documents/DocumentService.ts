import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrismaClient } from '@madoguchi/db';
import {
  DOCUMENT_MAX_BYTES,
  DocumentMime,
  LibraryDocumentKind,
  ProtocolError,
  type LibraryDocument,
  type SentDocument,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { CallParties, ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { participationEventsOf } from '../records/participation.ts';
import { DOCUMENT_EXTENSION, sniffDocument } from './sniff.ts';

const logger = createLogger('documents');

/** How often the retention sweep runs. */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** The refusals an uploader reads, in the city's words. */
export const DOCUMENT_ERRORS = {
  empty: 'ファイルが空です。PDF・JPEG・PNG のファイルを選んでください。',
  tooLarge: `ファイルが大きすぎます（上限 ${DOCUMENT_MAX_BYTES / 1024 / 1024} MB）。`,
  notDocument: 'PDF・JPEG・PNG のファイルではありません。ファイルの中身を確認してください。',
  noSuchDocument: 'その書類はありません。',
  noSuchDepartment: 'その担当課はありません。',
  notYourDepartment: 'ほかの課の書類は使えません。',
} as const;

export interface DocumentServiceOptions {
  db: PrismaClient;
  consultations: ConsultationService;
  notifier: Notifier;
  audit: AuditLog;
  /** Each document sent is an event of its consultation's record. */
  recorder: ConsultationRecorder;
  clock: Clock;
  /** Where the files live: library/ and sent/ below it. */
  dir: string;
  /** Sent documents older than this are deleted (file and row); the library is kept until an admin deletes. */
  retentionMs: number;
}

/**
 * Documents sent to the tablet (issue 13, item 2). Admins keep a library per department (申請書,
 * パンフレット); an operator in a call sends one of them, or a file from their own disk, and a copy is
 * stored with the consultation (the record keeps what the resident was shown, even when the library
 * changes). The tablet of the call fetches it while the call is connected; staff with need-to-know
 * (those who took part, supervisors, admins) may open it later, and every look is audited.
 */
export class DocumentService {
  readonly #db: PrismaClient;
  readonly #consultations: ConsultationService;
  readonly #notifier: Notifier;
  readonly #audit: AuditLog;
  readonly #recorder: ConsultationRecorder;
  readonly #clock: Clock;
  readonly #dir: string;
  readonly #retentionMs: number;
  /** The document each connected call shows now, by consultation: a reloaded tablet gets it back. */
  readonly #showing = new Map<string, SentDocument>();
  /**
   * The documents sent in each connected call, with their page count where known (an image has one;
   * a PDF's is what the tablet reports once it has opened it): only their pages may be marked.
   */
  readonly #sent = new Map<string, Map<string, number | null>>();
  #sweepTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: DocumentServiceOptions) {
    this.#db = options.db;
    this.#consultations = options.consultations;
    this.#notifier = options.notifier;
    this.#audit = options.audit;
    this.#recorder = options.recorder;
    this.#clock = options.clock;
    this.#dir = options.dir;
    this.#retentionMs = options.retentionMs;
    this.#consultations.observer.on('ended', this.#ended);
  }

  // ── The library ───────────────────────────────────────────────────────────────────────────

  /** A department's library: operators see their own departments' (primary or secondary), supervisors and admins any. */
  async library(staff: StaffPrincipal, departmentId: string): Promise<LibraryDocument[]> {
    this.#mayUseLibrary(staff, departmentId);
    const rows = await this.#db.libraryDocument.findMany({ where: { departmentId }, orderBy: [{ kind: 'asc' }, { title: 'asc' }, { id: 'asc' }] });
    return rows.map(libraryDocumentInfo);
  }

  /** An admin adds a document to a department's library; the type comes from the file itself. */
  async addToLibrary(admin: StaffPrincipal, departmentId: string, kind: LibraryDocumentKind, title: string, data: Buffer): Promise<LibraryDocument> {
    const mime = checkedDocument(data);
    const department = await this.#db.department.findUnique({ where: { id: departmentId }, select: { id: true } });
    if (!department) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDepartment);
    const id = randomUUID();
    const file = this.#libraryFile(id, mime);
    await this.#writeNew(file, data);
    try {
      const row = await this.#db.libraryDocument.create({
        data: { id, departmentId, title, kind, mime, bytes: data.length, sha256: sha256(data), uploadedBy: admin.staffId, createdAt: this.#clock.now() },
      });
      await this.#audit.write({ staffId: admin.staffId, action: 'library.change', targetId: id, details: { added: title, departmentId, kind, mime, bytes: data.length }, at: this.#clock.now() });
      return libraryDocumentInfo(row);
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  /** An admin takes a document out of the library (copies already sent stay with their consultations). */
  async removeFromLibrary(admin: StaffPrincipal, id: string): Promise<void> {
    const row = await this.#db.libraryDocument.findUnique({ where: { id } });
    if (!row) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
    await this.#db.libraryDocument.delete({ where: { id } });
    await rm(this.#libraryFile(id, DocumentMime.parse(row.mime)), { force: true });
    await this.#audit.write({ staffId: admin.staffId, action: 'library.change', targetId: id, details: { removed: row.title, departmentId: row.departmentId }, at: this.#clock.now() });
  }

  /** A library document's file, for staff who may list its department's library (the console's preview). */
  async openLibraryFile(staff: StaffPrincipal, id: string): Promise<{ document: LibraryDocument; file: string }> {
    const row = await this.#db.libraryDocument.findUnique({ where: { id } });
    if (!row || !this.#canUseLibrary(staff, row.departmentId)) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
    const document = libraryDocumentInfo(row);
    return { document, file: this.#libraryFile(document.id, document.mime) };
  }

  // ── Sending in a call ───────────────────────────────────────────────────────────────────────

  /** An operator of a connected call sends a library document of one of their departments to its tablet. */
  async sendFromLibrary(staff: StaffPrincipal, consultationId: string, libraryDocumentId: string): Promise<SentDocument> {
    this.#consultations.connectedParties(staff, consultationId);
    const row = await this.#db.libraryDocument.findUnique({ where: { id: libraryDocumentId } });
    if (!row || !this.#canUseLibrary(staff, row.departmentId)) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
    const data = await readFile(this.#libraryFile(row.id, DocumentMime.parse(row.mime)));
    return this.#send(staff, consultationId, row.title, data, row.id);
  }

  /** An operator of a connected call sends a file from their own disk. */
  async sendUpload(staff: StaffPrincipal, consultationId: string, title: string, data: Buffer): Promise<SentDocument> {
    this.#consultations.connectedParties(staff, consultationId);
    return this.#send(staff, consultationId, title, data, null);
  }

  /** The operator takes the document off the tablet's screen. */
  close(staff: StaffPrincipal, consultationId: string, documentId: string): void {
    const parties = this.#consultations.connectedParties(staff, consultationId);
    if (this.#showing.get(consultationId)?.id !== documentId) return;
    this.#showing.delete(consultationId);
    this.#tell(parties, 'document:closed', { consultationId, documentId });
  }

  /** The tablet tells how showing went; the operators of the call are told. */
  displayed(principal: Principal, consultationId: string, documentId: string, state: 'shown' | 'failed', pages: number | undefined, page: number | undefined): void {
    const parties = this.#consultations.connectedParties(principal, consultationId);
    if (this.#showing.get(consultationId)?.id !== documentId) return;
    const sent = this.#sent.get(consultationId);
    // Only the tablet sends document:displayed (the protocol says so): its page count is the PDF's.
    if (state === 'shown' && pages !== undefined && sent?.get(documentId) === null) sent.set(documentId, pages);
    for (const staffId of parties.operatorIds) {
      this.#notifier.toStaff(staffId, 'document:displayState', { consultationId, documentId, state, pages: pages ?? null, page: page ?? null });
    }
  }

  /** What the call shows now, for a party that (re)joins: null when nothing. */
  showing(principal: Principal, consultationId: string): SentDocument | null {
    this.#consultations.connectedParties(principal, consultationId);
    return this.#showing.get(consultationId) ?? null;
  }

  /**
   * A sent document's file. The tablet: only its own call's, while connected. Staff: those who took
   * part in its consultation, supervisors and admins, each look written to the audit log; to anyone
   * else it does not exist, so ids cannot be probed.
   */
  async openSent(principal: Principal, id: string): Promise<{ document: SentDocument; file: string }> {
    const row = await this.#db.sentDocument.findUnique({
      where: { id },
      include: principal.kind === 'staff'
        ? { consultation: { select: { operatorId: true, events: { where: participationEventsOf(principal.staffId), select: { id: true }, take: 1 } } } }
        : undefined,
    });
    if (!row) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
    const document = sentDocumentInfo(row);
    const file = this.#sentFile(document.id, document.mime);
    if (principal.kind === 'device') {
      // The tablet of the call, while the call is connected; any other answer is "no such document".
      let parties: CallParties | undefined;
      try {
        parties = this.#consultations.connectedParties(principal, row.consultationId);
      } catch {
        parties = undefined;
      }
      if (!parties || parties.deviceId !== principal.deviceId) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
      return { document, file };
    }
    const consultation = (row as typeof row & { consultation?: { operatorId: string | null; events: unknown[] } }).consultation;
    const tookPart =
      consultation !== undefined &&
      (consultation.operatorId === principal.staffId || consultation.events.length > 0 || this.#consultations.takesPart(principal.staffId, row.consultationId));
    if (!(principal.role === 'supervisor' || principal.role === 'admin' || tookPart)) throw new ProtocolError('NOT_FOUND', DOCUMENT_ERRORS.noSuchDocument);
    await this.#audit.write({
      staffId: principal.staffId,
      action: 'document.view',
      targetId: document.id,
      details: { consultationId: document.consultationId },
      at: this.#clock.now(),
    });
    return { document, file };
  }

  // ── Retention ───────────────────────────────────────────────────────────────────────────────

  /** Delete every sent document older than the retention period, file first; returns how many went. */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.#clock.now().getTime() - this.#retentionMs);
    const expired = await this.#db.sentDocument.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true, mime: true } });
    const removed: string[] = [];
    for (const { id, mime } of expired) {
      try {
        await rm(this.#sentFile(id, DocumentMime.parse(mime)), { force: true });
        removed.push(id);
      } catch (error) {
        logger.error(`cannot delete the file of sent document ${id}; kept for the next sweep:`, error);
      }
    }
    if (removed.length > 0) await this.#db.sentDocument.deleteMany({ where: { id: { in: removed } } });
    return removed.length;
  }

  /** Sweep now and then every SWEEP_INTERVAL_MS until close(). */
  startRetention(): void {
    const sweep = () => {
      this.purgeExpired()
        .then(
          (count) => count > 0 && logger.info(`retention: deleted ${count} sent document(s)`),
          (error: unknown) => logger.error('retention sweep failed:', error),
        )
        .finally(() => {
          if (!this.#closed) this.#sweepTimer = this.#clock.setTimeout(sweep, SWEEP_INTERVAL_MS);
        });
    };
    sweep();
  }

  shutdown(): void {
    this.#closed = true;
    if (this.#sweepTimer) this.#clock.clearTimeout(this.#sweepTimer);
    this.#consultations.observer.off('ended', this.#ended);
    this.#showing.clear();
    this.#sent.clear();
  }

  /**
   * Whether a page of a document sent in this call (connected now) is there to mark: `no-document`
   * for one not sent in it, `no-page` past its last page (when its page count is known).
   */
  sentPage(consultationId: string, documentId: string, page: number): 'ok' | 'no-document' | 'no-page' {
    const sent = this.#sent.get(consultationId);
    if (!sent?.has(documentId)) return 'no-document';
    const pages = sent.get(documentId) ?? null;
    return pages !== null && page > pages ? 'no-page' : 'ok';
  }

  readonly #ended = (consultationId: string): void => {
    this.#showing.delete(consultationId);
    this.#sent.delete(consultationId);
  };

  async #send(staff: StaffPrincipal, consultationId: string, title: string, data: Buffer, libraryDocumentId: string | null): Promise<SentDocument> {
    const mime = checkedDocument(data);
    const id = randomUUID();
    const file = this.#sentFile(id, mime);
    await this.#writeNew(file, data);
    try {
      await this.#recorder.onRecord(consultationId);
      const row = await this.#db.sentDocument.create({
        data: { id, consultationId, sentBy: staff.staffId, title, mime, bytes: data.length, sha256: sha256(data), libraryDocumentId, createdAt: this.#clock.now() },
      });
      const document = sentDocumentInfo(row);
      void this.#recorder.record(consultationId, 'document_sent', row.createdAt, { type: 'staff', id: staff.staffId }, {
        data: { documentId: id, title, mime, bytes: data.length, sha256: document.sha256, ...(libraryDocumentId ? { libraryDocumentId } : {}) },
      });
      // The call may have ended while the file was written: then it is on record, and nobody is told.
      let parties: CallParties | undefined;
      try {
        parties = this.#consultations.connectedParties(staff, consultationId);
      } catch {
        parties = undefined;
      }
      if (parties) {
        this.#showing.set(consultationId, document);
        this.#sent.set(consultationId, (this.#sent.get(consultationId) ?? new Map()).set(id, mime === 'application/pdf' ? null : 1));
        this.#tell(parties, 'document:shown', { consultationId, document });
      }
      logger.info(`document ${id} sent in ${consultationId}: ${mime}, ${Math.round(data.length / 1024)} KiB${libraryDocumentId ? ' from the library' : ''}`);
      return document;
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  #tell<E extends 'document:shown' | 'document:closed'>(parties: CallParties, event: E, payload: import('@madoguchi/protocol').ServerPayload<E>): void {
    this.#notifier.toDevice(parties.deviceId, event, payload);
    for (const staffId of parties.operatorIds) this.#notifier.toStaff(staffId, event, payload);
  }

  #canUseLibrary(staff: StaffPrincipal, departmentId: string): boolean {
    return staff.role === 'supervisor' || staff.role === 'admin' || staff.departmentIds.includes(departmentId) || staff.secondaryDepartmentIds.includes(departmentId);
  }

  #mayUseLibrary(staff: StaffPrincipal, departmentId: string): void {
    if (!this.#canUseLibrary(staff, departmentId)) throw new ProtocolError('FORBIDDEN', DOCUMENT_ERRORS.notYourDepartment);
  }

  async #writeNew(file: string, data: Buffer): Promise<void> {
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    await writeFile(file, data, { flag: 'wx', mode: 0o600 });
  }

  #libraryFile(id: string, mime: DocumentMime): string {
    return join(this.#dir, 'library', `${id}.${DOCUMENT_EXTENSION[mime]}`);
  }

  #sentFile(id: string, mime: DocumentMime): string {
    return join(this.#dir, 'sent', `${id}.${DOCUMENT_EXTENSION[mime]}`);
  }
}

/** The type of an uploaded document, or the refusal in the city's words. */
export function checkedDocument(data: Buffer): DocumentMime {
  if (data.length === 0) throw new ProtocolError('BAD_REQUEST', DOCUMENT_ERRORS.empty);
  if (data.length > DOCUMENT_MAX_BYTES) throw new ProtocolError('BAD_REQUEST', DOCUMENT_ERRORS.tooLarge);
  const mime = sniffDocument(data);
  if (!mime) throw new ProtocolError('BAD_REQUEST', DOCUMENT_ERRORS.notDocument);
  return mime;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function libraryDocumentInfo(row: { id: string; departmentId: string; title: string; kind: string; mime: string; bytes: number; createdAt: Date }): LibraryDocument {
  return {
    id: row.id,
    departmentId: row.departmentId,
    title: row.title,
    kind: LibraryDocumentKind.parse(row.kind),
    mime: DocumentMime.parse(row.mime),
    bytes: row.bytes,
    createdAt: row.createdAt.toISOString(),
  };
}

export function sentDocumentInfo(row: { id: string; consultationId: string; title: string; mime: string; bytes: number; sha256: string; libraryDocumentId: string | null; createdAt: Date }): SentDocument {
  return {
    id: row.id,
    consultationId: row.consultationId,
    title: row.title,
    mime: DocumentMime.parse(row.mime),
    bytes: row.bytes,
    sha256: row.sha256,
    libraryDocumentId: row.libraryDocumentId,
    createdAt: row.createdAt.toISOString(),
  };
}

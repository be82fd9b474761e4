import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@madoguchi/db';
import { ProtocolError } from '@madoguchi/protocol';
import type { DevicePrincipal, StaffPrincipal } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import type { ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';

interface PendingPrint {
  printId: string;
  consultationId: string;
  deviceId: string;
  staffId: string;
  kind: 'document' | 'form';
  id: string;
  title: string;
}

/**
 * 印刷 at the booth (issue 13, item 4): the operator asks, the tablet prints through the browser (a
 * kiosk Chromium with --kiosk-printing prints without a dialog) and says printed or failed; the
 * operators are told and the record keeps it. Only a document sent in that call, or a form signed
 * in it, can be printed.
 */
export class BoothPrinter {
  readonly #db: PrismaClient;
  readonly #consultations: ConsultationService;
  readonly #notifier: Notifier;
  readonly #recorder: ConsultationRecorder;
  readonly #clock: Clock;
  readonly #pending = new Map<string, PendingPrint>();

  constructor(options: { db: PrismaClient; consultations: ConsultationService; notifier: Notifier; recorder: ConsultationRecorder; clock: Clock }) {
    this.#db = options.db;
    this.#consultations = options.consultations;
    this.#notifier = options.notifier;
    this.#recorder = options.recorder;
    this.#clock = options.clock;
    this.#consultations.observer.on('ended', this.#ended);
  }

  async request(staff: StaffPrincipal, consultationId: string, kind: 'document' | 'form', id: string): Promise<{ printId: string }> {
    const parties = this.#consultations.connectedParties(staff, consultationId);
    const title =
      kind === 'document'
        ? (await this.#db.sentDocument.findFirst({ where: { id, consultationId }, select: { title: true } }))?.title
        : (await this.#db.consultationForm.findFirst({ where: { id, consultationId, status: 'signed' }, select: { title: true } }))?.title;
    if (title === undefined) throw new ProtocolError('NOT_FOUND', 'その書類はありません。');
    const printId = randomUUID();
    this.#pending.set(printId, { printId, consultationId, deviceId: parties.deviceId, staffId: staff.staffId, kind, id, title });
    this.#notifier.toDevice(parties.deviceId, 'print:requested', { consultationId, printId, kind, id, title });
    return { printId };
  }

  result(device: DevicePrincipal, consultationId: string, printId: string, state: 'printed' | 'failed'): void {
    const pending = this.#pending.get(printId);
    if (!pending || pending.deviceId !== device.deviceId || pending.consultationId !== consultationId) throw new ProtocolError('NOT_FOUND', 'no print was asked for');
    this.#pending.delete(printId);
    void this.#recorder.record(consultationId, state === 'printed' ? 'printed' : 'print_failed', this.#clock.now(), { type: 'device', id: device.deviceId }, {
      data: { printId, kind: pending.kind, id: pending.id, title: pending.title, requestedBy: pending.staffId },
    });
    try {
      const parties = this.#consultations.connectedParties(device, consultationId);
      for (const staffId of parties.operatorIds) this.#notifier.toStaff(staffId, 'print:reported', { consultationId, printId, state });
    } catch {
      // The call ended meanwhile: on record, nobody to tell.
    }
  }

  close(): void {
    this.#consultations.observer.off('ended', this.#ended);
    this.#pending.clear();
  }

  readonly #ended = (consultationId: string): void => {
    for (const [printId, pending] of this.#pending) if (pending.consultationId === consultationId) this.#pending.delete(printId);
  };
}

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { japaneseFontBytes, type PrismaClient } from '@madoguchi/db';
import {
  FormBox,
  FormField,
  FormValues,
  ProtocolError,
  SIGNATURE_MAX_BYTES,
  type ConsultationForm,
  type FormTemplate,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import { z } from 'zod';
import type { DevicePrincipal, Principal, StaffPrincipal } from '../auth/principal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { CallParties, ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import type { ConsultationRecorder } from '../records/ConsultationRecorder.ts';
import { participationEventsOf } from '../records/participation.ts';
import { readImageInfo } from '../stills/imageInfo.ts';
import { fieldText, renderFormPdf } from './formPdf.ts';

const logger = createLogger('forms');
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const SIGNATURE_MAX_DIMENSION = 4096;

/** The refusals staff and the tablet read, in the city's words. */
export const FORM_ERRORS = {
  noSuchTemplate: 'その申請書はありません。',
  noSuchForm: 'その申請書はありません。',
  unknownField: (key: string) => `この申請書にない項目です（${key}）。`,
  required: (label: string) => `「${label}」を入力してください。`,
  notDate: (label: string) => `「${label}」は日付（年-月-日）で入力してください。`,
  notCheckbox: (label: string) => `「${label}」はチェックの有無で指定してください。`,
  notText: (label: string) => `「${label}」は文字で入力してください。`,
  notAwaiting: 'この申請書は署名を待っていません。',
  badSignature: '署名の画像（PNG）を受け取れませんでした。もう一度署名してください。',
  noFont: 'サーバーに日本語フォントがないため、申請書を作れません（管理者へ：fonts-ipafont-gothic）。',
} as const;

const TemplateFields = z.array(FormField);

export interface FormServiceOptions {
  db: PrismaClient;
  consultations: ConsultationService;
  notifier: Notifier;
  audit: AuditLog;
  recorder: ConsultationRecorder;
  clock: Clock;
  /** Signed PDFs go to `dir`/signed. */
  dir: string;
  /** Signed forms older than this are deleted (file and row; the event with its hash stays). */
  retentionMs: number;
}

type FormRow = {
  id: string;
  consultationId: string;
  templateId: string;
  title: string;
  values: string;
  filledBy: string;
  status: string;
  createdAt: Date;
  signedAt: Date | null;
  sha256: string | null;
  bytes: number | null;
};

/**
 * Forms filled by staff and signed by the resident (issue 13, item 3). An operator of a connected
 * call fills a template of one of their departments; the tablet shows the filled form (rendered on
 * request, never stored unsigned) and sends the signature; the server writes the signed PDF with
 * pdf-lib — the values, the signature image, a footer naming the consultation, the time and the
 * operator — keeps it with the consultation and records its SHA-256 as an event. Staff open a signed
 * form with the stills' need-to-know, every look audited.
 */
export class FormService {
  readonly #db: PrismaClient;
  readonly #consultations: ConsultationService;
  readonly #notifier: Notifier;
  readonly #audit: AuditLog;
  readonly #recorder: ConsultationRecorder;
  readonly #clock: Clock;
  readonly #dir: string;
  readonly #retentionMs: number;
  /** The form each connected call waits to have signed, by consultation. */
  readonly #awaiting = new Map<string, string>();
  /** Forms being signed now: a second upload for the same form is refused at once. */
  readonly #signing = new Set<string>();
  #font: Uint8Array | null | undefined;
  #sweepTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: FormServiceOptions) {
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

  async templates(staff: StaffPrincipal, departmentId: string): Promise<FormTemplate[]> {
    if (!this.#mayUse(staff, departmentId)) throw new ProtocolError('FORBIDDEN', 'ほかの課の申請書は使えません。');
    const rows = await this.#db.formTemplate.findMany({ where: { departmentId }, orderBy: [{ title: 'asc' }, { id: 'asc' }] });
    return rows.map(templateInfo);
  }

  /** An operator of the connected call fills a form and hands it to the tablet; an earlier unsigned one is withdrawn. */
  async fill(staff: StaffPrincipal, consultationId: string, templateId: string, values: FormValues): Promise<ConsultationForm> {
    this.#consultations.connectedParties(staff, consultationId);
    const template = await this.#db.formTemplate.findUnique({ where: { id: templateId } });
    if (!template || !this.#mayUse(staff, template.departmentId)) throw new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchTemplate);
    const info = templateInfo(template);
    const checked = checkValues(info.fields, values);
    const previous = this.#awaiting.get(consultationId);
    if (previous) await this.#db.consultationForm.updateMany({ where: { id: previous, status: 'awaiting_signature' }, data: { status: 'withdrawn' } });
    await this.#recorder.onRecord(consultationId);
    const row = await this.#db.consultationForm.create({
      data: {
        id: randomUUID(),
        consultationId,
        templateId,
        title: template.title,
        values: JSON.stringify(checked),
        filledBy: staff.staffId,
        status: 'awaiting_signature',
        createdAt: this.#clock.now(),
      },
    });
    const form = formInfo(row, info);
    void this.#recorder.record(consultationId, 'form_filled', row.createdAt, { type: 'staff', id: staff.staffId }, {
      data: { formId: form.id, templateId, title: form.title },
    });
    const parties = this.#partiesOrNull(staff, consultationId);
    if (parties) {
      this.#awaiting.set(consultationId, form.id);
      this.#tell(parties, 'form:toSign', { consultationId, form });
    }
    return form;
  }

  /** The form the call waits to have signed, for a page that (re)loads. */
  async current(principal: Principal, consultationId: string): Promise<ConsultationForm | null> {
    this.#consultations.connectedParties(principal, consultationId);
    const id = this.#awaiting.get(consultationId);
    if (!id) return null;
    const row = await this.#db.consultationForm.findUnique({ where: { id } });
    if (!row || row.status !== 'awaiting_signature') return null;
    return formInfo(row, await this.#templateOf(row.templateId));
  }

  /** The filled form without signature, to check: the tablet of the call and its operators, while connected. */
  async filledPdf(principal: Principal, formId: string): Promise<Uint8Array> {
    const row = await this.#db.consultationForm.findUnique({ where: { id: formId } });
    const parties = row ? this.#partiesOrNull(principal, row.consultationId) : null;
    if (!row || !parties || (principal.kind === 'device' && parties.deviceId !== principal.deviceId)) throw new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchForm);
    const template = await this.#db.formTemplate.findUniqueOrThrow({ where: { id: row.templateId } });
    const info = templateInfo(template);
    return renderFormPdf({
      template: template.pdf,
      fields: info.fields,
      values: FormValues.parse(JSON.parse(row.values)),
      font: this.#fontOrFail(),
      footer: `確認用（未署名）　相談 ${row.consultationId}`,
      title: row.title,
    });
  }

  /** The tablet of the call sends the resident's signature: the signed PDF is made, stored and recorded. */
  async sign(device: DevicePrincipal, formId: string, png: Buffer): Promise<ConsultationForm> {
    const row = await this.#db.consultationForm.findUnique({ where: { id: formId } });
    const parties = row ? this.#partiesOrNull(device, row.consultationId) : null;
    if (!row || !parties || parties.deviceId !== device.deviceId) throw new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchForm);
    if (row.status !== 'awaiting_signature' || this.#signing.has(formId)) throw new ProtocolError('CONFLICT', FORM_ERRORS.notAwaiting);
    const image = readImageInfo(png);
    if (png.length > SIGNATURE_MAX_BYTES || image?.mime !== 'image/png' || image.width > SIGNATURE_MAX_DIMENSION || image.height > SIGNATURE_MAX_DIMENSION) {
      throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.badSignature);
    }
    this.#signing.add(formId);
    const file = this.#signedFile(formId);
    try {
      const template = await this.#db.formTemplate.findUniqueOrThrow({ where: { id: row.templateId } });
      const info = templateInfo(template);
      const operator = await this.#db.staff.findUnique({ where: { id: row.filledBy }, select: { displayName: true } });
      const signedAt = this.#clock.now();
      const pdf = Buffer.from(
        await renderFormPdf({
          template: template.pdf,
          fields: info.fields,
          values: FormValues.parse(JSON.parse(row.values)),
          font: this.#fontOrFail(),
          signature: { png, box: info.signatureBox },
          footer: `相談 ${row.consultationId}　署名 ${tokyoTime(signedAt)}　担当 ${operator?.displayName ?? row.filledBy}　リモート窓口（${device.siteName}）`,
          title: row.title,
        }),
      );
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      await mkdir(join(this.#dir, 'signed'), { recursive: true, mode: 0o700 });
      await writeFile(file, pdf, { flag: 'wx', mode: 0o600 });
      const updated = await this.#db.consultationForm.update({ where: { id: formId }, data: { status: 'signed', signedAt, sha256, bytes: pdf.length } });
      const form = formInfo(updated, info);
      void this.#recorder.record(row.consultationId, 'form_signed', signedAt, { type: 'device', id: device.deviceId }, {
        data: { formId, templateId: row.templateId, title: row.title, sha256, bytes: pdf.length },
      });
      if (this.#awaiting.get(row.consultationId) === formId) this.#awaiting.delete(row.consultationId);
      const now = this.#partiesOrNull(device, row.consultationId);
      if (now) this.#tell(now, 'form:signed', { consultationId: row.consultationId, form });
      logger.info(`form ${formId} (${row.title}) signed in ${row.consultationId}: ${Math.round(pdf.length / 1024)} KiB, sha256 ${sha256.slice(0, 12)}…`);
      return form;
    } catch (error) {
      if (!(error instanceof ProtocolError)) await rm(file, { force: true });
      throw error;
    } finally {
      this.#signing.delete(formId);
    }
  }

  /** A signed form's PDF for the tablet of its call, while connected (to print it at the booth). */
  async openSignedForDevice(device: DevicePrincipal, formId: string): Promise<string> {
    const row = await this.#db.consultationForm.findUnique({ where: { id: formId }, select: { consultationId: true, status: true } });
    const parties = row ? this.#partiesOrNull(device, row.consultationId) : null;
    if (!row || row.status !== 'signed' || !parties || parties.deviceId !== device.deviceId) throw new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchForm);
    return this.#signedFile(formId);
  }

  /** A signed form's PDF for staff with need-to-know (as stills), each look audited as form.view. */
  async openSigned(staff: StaffPrincipal, formId: string): Promise<{ form: ConsultationForm; file: string }> {
    const row = await this.#db.consultationForm.findUnique({
      where: { id: formId },
      include: { consultation: { select: { operatorId: true, events: { where: participationEventsOf(staff.staffId), select: { id: true }, take: 1 } } } },
    });
    const tookPart =
      row && (row.consultation.operatorId === staff.staffId || row.consultation.events.length > 0 || this.#consultations.takesPart(staff.staffId, row.consultationId));
    if (!row || row.status !== 'signed' || !(staff.role === 'supervisor' || staff.role === 'admin' || tookPart)) {
      throw new ProtocolError('NOT_FOUND', FORM_ERRORS.noSuchForm);
    }
    const form = formInfo(row, await this.#templateOf(row.templateId));
    await this.#audit.write({ staffId: staff.staffId, action: 'form.view', targetId: form.id, details: { consultationId: form.consultationId }, at: this.#clock.now() });
    return { form, file: this.#signedFile(form.id) };
  }

  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.#clock.now().getTime() - this.#retentionMs);
    const expired = await this.#db.consultationForm.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true } });
    const removed: string[] = [];
    for (const { id } of expired) {
      try {
        await rm(this.#signedFile(id), { force: true });
        removed.push(id);
      } catch (error) {
        logger.error(`cannot delete the signed PDF of form ${id}; kept for the next sweep:`, error);
      }
    }
    if (removed.length > 0) await this.#db.consultationForm.deleteMany({ where: { id: { in: removed } } });
    return removed.length;
  }

  startRetention(): void {
    const sweep = () => {
      this.purgeExpired()
        .then(
          (count) => count > 0 && logger.info(`retention: deleted ${count} form(s)`),
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
    this.#awaiting.clear();
  }

  /** The forms of a consultation as the record shows them. */
  async ofConsultation(consultationId: string): Promise<ConsultationForm[]> {
    const rows = await this.#db.consultationForm.findMany({ where: { consultationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const result: ConsultationForm[] = [];
    for (const row of rows) result.push(formInfo(row, await this.#templateOf(row.templateId)));
    return result;
  }

  readonly #ended = (consultationId: string): void => {
    this.#awaiting.delete(consultationId);
  };

  async #templateOf(templateId: string): Promise<FormTemplate> {
    const template = await this.#db.formTemplate.findUnique({ where: { id: templateId }, select: { id: true, departmentId: true, title: true, fields: true, signatureBox: true } });
    if (!template) return { id: templateId, departmentId: templateId, title: '', fields: [], signatureBox: { page: 0, x: 0, y: 0, width: 1, height: 1 } };
    return templateInfo(template);
  }

  #fontOrFail(): Uint8Array {
    if (this.#font === undefined) this.#font = japaneseFontBytes();
    if (!this.#font) throw new ProtocolError('INTERNAL', FORM_ERRORS.noFont);
    return this.#font;
  }

  #mayUse(staff: StaffPrincipal, departmentId: string): boolean {
    return staff.role === 'supervisor' || staff.role === 'admin' || staff.departmentIds.includes(departmentId) || staff.secondaryDepartmentIds.includes(departmentId);
  }

  #partiesOrNull(principal: Principal, consultationId: string): CallParties | null {
    try {
      return this.#consultations.connectedParties(principal, consultationId);
    } catch {
      return null;
    }
  }

  #tell<E extends 'form:toSign' | 'form:signed'>(parties: CallParties, event: E, payload: import('@madoguchi/protocol').ServerPayload<E>): void {
    this.#notifier.toDevice(parties.deviceId, event, payload);
    for (const staffId of parties.operatorIds) this.#notifier.toStaff(staffId, event, payload);
  }

  #signedFile(id: string): string {
    return join(this.#dir, 'signed', `${id}.pdf`);
  }
}

/** The values as the form keeps them, or the first refusal in the city's words. */
export function checkValues(fields: readonly FormField[], values: FormValues): FormValues {
  const byKey = new Map(fields.map((field) => [field.key, field]));
  for (const key of Object.keys(values)) if (!byKey.has(key)) throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.unknownField(key));
  const checked: FormValues = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.type === 'checkbox') {
      if (value !== undefined && typeof value !== 'boolean') throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.notCheckbox(field.label));
      checked[field.key] = value === true;
      continue;
    }
    if (value !== undefined && typeof value !== 'string') throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.notText(field.label));
    const text = (value ?? '').trim();
    if (text === '') {
      if (field.required) throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.required(field.label));
      continue;
    }
    if (field.type === 'date' && !(/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)))) {
      throw new ProtocolError('BAD_REQUEST', FORM_ERRORS.notDate(field.label));
    }
    checked[field.key] = text;
  }
  return checked;
}

function tokyoTime(at: Date): string {
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
}

export function templateInfo(row: { id: string; departmentId: string; title: string; fields: string; signatureBox: string }): FormTemplate {
  return { id: row.id, departmentId: row.departmentId, title: row.title, fields: TemplateFields.parse(JSON.parse(row.fields)), signatureBox: FormBox.parse(JSON.parse(row.signatureBox)) };
}

export function formInfo(row: FormRow, template: FormTemplate): ConsultationForm {
  return {
    id: row.id,
    consultationId: row.consultationId,
    templateId: row.templateId,
    title: row.title,
    fields: template.fields,
    signatureBox: template.signatureBox,
    values: FormValues.parse(JSON.parse(row.values)),
    status: z.enum(['awaiting_signature', 'signed', 'withdrawn']).parse(row.status),
    createdAt: row.createdAt.toISOString(),
    signedAt: row.signedAt?.toISOString() ?? null,
    sha256: row.sha256,
    bytes: row.bytes,
  };
}

export { fieldText };

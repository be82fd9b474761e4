import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormResponse, FormTemplatesResponse, RecordDetail, type FormTemplate } from '@madoguchi/protocol';
import { FORM_ERRORS } from '../src/forms/FormService.ts';
import { placeCall } from './callFlow.ts';
import { png } from './images.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

/** The images drawn on a page (XObjects of subtype Image), with their pixel sizes. */
function imagesOn(pdf: PDFDocument, pageIndex: number): { width: number; height: number }[] {
  const resources = pdf.getPage(pageIndex).node.Resources();
  const xObjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  if (!xObjects) return [];
  const images: { width: number; height: number }[] = [];
  for (const [, ref] of xObjects.entries()) {
    const object = pdf.context.lookup(ref);
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) {
      images.push({ width: Number(object.dict.get(PDFName.of('Width'))?.toString()), height: Number(object.dict.get(PDFName.of('Height'))?.toString()) });
    }
  }
  return images;
}

const VALUES = {
  requestDate: '2026-12-04',
  applicantName: '緑川 花子',
  applicantKana: 'みどりかわ はなこ',
  birthDate: '1958-04-12',
  address: 'みどり市清滝町1丁目2番3号',
  targetName: '緑川 花子',
  wholeHousehold: true,
  copies: '1',
  purpose: '年金の手続き',
};

describe('forms filled by staff and signed on the tablet', () => {
  let t: TestServer;
  let citizenId: string;
  let juminhyo: FormTemplate;

  beforeAll(async () => {
    t = await startTestServer();
    citizenId = (await t.db.department.findUniqueOrThrow({ where: { code: 'citizen' } })).id;
  });
  afterAll(() => t.close());

  const as = async (username: string) => ({ authorization: `Bearer ${await t.staffToken(username)}` });
  const fill = async (username: string, consultationId: string, body: unknown) =>
    fetch(`${t.server.url}/api/forms?consultationId=${consultationId}`, {
      method: 'POST',
      headers: { ...(await as(username)), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('seeds the two templates, each for its own department', async () => {
    const response = await fetch(`${t.server.url}/api/forms/templates?departmentId=${citizenId}`, { headers: await as('citizen1') });
    expect(response.status).toBe(200);
    const { templates } = FormTemplatesResponse.parse(await response.json());
    expect(templates.map(({ title }) => title)).toEqual(['住民票の写し等交付申請書']);
    juminhyo = templates[0]!;
    expect(juminhyo.fields.filter((field) => field.required).map((field) => field.label)).toEqual(['請求日', '請求者 氏名', '生年月日', '住所', '必要な人の氏名', '通数', '使いみち']);
    const childcare = await t.db.formTemplate.findUniqueOrThrow({ where: { code: 'jidoteate' }, include: { department: true } });
    expect(childcare).toMatchObject({ title: '児童手当 認定請求書', department: { name: '子育て支援課' } });
    // The blank form is a real PDF.
    expect((await PDFDocument.load(childcare.pdf)).getPageCount()).toBe(1);
    expect((await fetch(`${t.server.url}/api/forms/templates?departmentId=${citizenId}`, { headers: await as('tax1') })).status).toBe(403);
  });

  it('goes from the operator’s values to the tablet’s signature to a signed PDF in the record, with its hash', async () => {
    const call = await placeCall(t, { operator: 'citizen1', department: 'citizen' });
    const { consultationId } = call;
    const deviceToken = await t.deviceToken('清滝郵便局');

    // Refusals in Japanese: a required field left empty, a bad date, a field the form does not have.
    const refused = async (values: Record<string, unknown>, message: string) => {
      const response = await fill('citizen1', consultationId, { templateId: juminhyo.id, values });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message } });
    };
    await refused({ ...VALUES, purpose: '  ' }, FORM_ERRORS.required('使いみち'));
    await refused({ ...VALUES, birthDate: '昭和33年4月12日' }, FORM_ERRORS.notDate('生年月日'));
    await refused({ ...VALUES, income: '100' }, FORM_ERRORS.unknownField('income'));
    expect((await fill('tax1', consultationId, { templateId: juminhyo.id, values: VALUES })).status).toBe(404);

    const toSign = nextEvent(call.device, 'form:toSign');
    const response = await fill('citizen1', consultationId, { templateId: juminhyo.id, values: VALUES });
    expect(response.status).toBe(201);
    const { form } = FormResponse.parse(await response.json());
    expect(form).toMatchObject({ status: 'awaiting_signature', values: { ...VALUES, withDomicile: false }, sha256: null });
    expect((await toSign).form).toEqual(form);
    expect(await call.device.request('form:current', { consultationId })).toEqual({ form });

    // The tablet fetches the filled form to show; another tablet cannot.
    const filled = await fetch(`${t.server.url}/api/forms/${form.id}/filled`, { headers: { authorization: `Bearer ${deviceToken}` } });
    expect(filled.status).toBe(200);
    const check = await PDFDocument.load(await filled.arrayBuffer());
    expect(check.getForm().getTextField('applicantName').getText()).toBe('緑川 花子');
    expect(imagesOn(check, 0)).toEqual([]);
    expect((await fetch(`${t.server.url}/api/forms/${form.id}/filled`, { headers: { authorization: `Bearer ${await t.deviceToken('江川出張所')}` } })).status).toBe(404);

    // The resident signs: a bad image is refused; the signature is placed; all are told.
    const sign = (body: Buffer, token = deviceToken) =>
      fetch(`${t.server.url}/api/forms/${form.id}/signature`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array(body) });
    expect((await sign(Buffer.from('not a png'))).status).toBe(400);
    expect((await sign(png(10, 10), await t.staffToken('citizen1'))).status).toBe(403);
    const signedEvent = nextEvent(call.operator, 'form:signed');
    const signedResponse = await sign(png(600, 200));
    expect(signedResponse.status).toBe(201);
    const signed = FormResponse.parse(await signedResponse.json()).form;
    expect((await signedEvent).form).toEqual(signed);
    expect(signed).toMatchObject({ status: 'signed', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await sign(png(600, 200))).status).toBe(409);

    // The stored PDF: its hash is the recorded one; the values read back by key; the signature is an image on the page.
    const file = readFileSync(join(t.config.documents.dir, 'signed', `${form.id}.pdf`));
    expect(createHash('sha256').update(file).digest('hex')).toBe(signed.sha256);
    expect(file.length).toBe(signed.bytes);
    const pdf = await PDFDocument.load(file);
    const fields = pdf.getForm();
    expect(fields.getTextField('applicantName').getText()).toBe('緑川 花子');
    expect(fields.getTextField('address').getText()).toBe('みどり市清滝町1丁目2番3号');
    expect(fields.getTextField('requestDate').getText()).toBe('2026年12月4日');
    expect(fields.getTextField('purpose').getText()).toBe('年金の手続き');
    expect(fields.getCheckBox('wholeHousehold').isChecked()).toBe(true);
    expect(fields.getCheckBox('withDomicile').isChecked()).toBe(false);
    expect(imagesOn(pdf, 0)).toEqual([{ width: 600, height: 200 }]);

    await call.device.request('consultation:end', { consultationId });
    await t.server.recorder.flush();
    const device = await t.db.device.findFirstOrThrow({ where: { site: { name: '清滝郵便局' } } });
    const detail = RecordDetail.parse(await (await fetch(`${t.server.url}/api/records/${consultationId}`, { headers: await as('supervisor') })).json());
    expect(detail.forms).toEqual([signed]);
    expect(detail.events.filter((event) => event.type === 'form_signed')).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ type: 'device', id: device.id }), data: { formId: form.id, templateId: juminhyo.id, title: '住民票の写し等交付申請書', sha256: signed.sha256, bytes: signed.bytes } }),
    ]);

    // Need-to-know, every look audited.
    for (const [username, status] of [['citizen1', 200], ['supervisor', 200], ['admin', 200], ['citizen2', 404], ['tax1', 404]] as const) {
      const opened = await fetch(`${t.server.url}/api/forms/${form.id}/signed`, { headers: await as(username) });
      expect(opened.status, username).toBe(status);
      if (status === 200) expect(Buffer.from(await opened.arrayBuffer()).equals(file)).toBe(true);
    }
    expect(await t.db.auditLog.count({ where: { action: 'form.view', targetId: form.id } })).toBe(3);
    call.device.close();
    call.operator.close();
  });
});

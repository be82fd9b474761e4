import { existsSync, readFileSync } from 'node:fs';
import type { Color, PDFFont, PDFPage } from 'pdf-lib';
import { loadPdfLibrary } from './pdfLibrary.ts';
import type { PrismaClient } from '../generated/client/client.ts';

/**
 * The demo city's form templates (issue 13, item 3): 住民票の写し等交付申請書 for 市民課 and 児童手当
 * 認定請求書 for 子育て支援課. Each is the form's PDF — drawn here with pdf-lib in the city's usual
 * layout, a label column and a box per answer — and where each field goes on it, in PDF points from
 * the page's bottom left. A real city uploads its own PDF and measures the boxes on it.
 */

/** A Japanese TrueType font pdf-lib can embed (Debian's fonts-ipafont-gothic; setup installs it). */
export const JAPANESE_FONT_FILES = [
  '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf',
  '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf',
];

export function japaneseFontBytes(): Uint8Array | null {
  const file = (process.env.FORMS_FONT ? [process.env.FORMS_FONT] : JAPANESE_FONT_FILES).find((candidate) => existsSync(candidate));
  return file ? readFileSync(file) : null;
}

interface FieldDefinition {
  key: string;
  label: string;
  type: 'text' | 'date' | 'checkbox';
  required: boolean;
}

interface TemplateDefinition {
  code: string;
  department: string;
  title: string;
  note: string;
  fields: FieldDefinition[];
}

export const DEMO_FORM_TEMPLATES: TemplateDefinition[] = [
  {
    code: 'juminhyo',
    department: 'citizen',
    title: '住民票の写し等交付申請書',
    note: 'みどり市長 あて　※本人確認書類を確認します。',
    fields: [
      { key: 'requestDate', label: '請求日', type: 'date', required: true },
      { key: 'applicantName', label: '請求者 氏名', type: 'text', required: true },
      { key: 'applicantKana', label: 'ふりがな', type: 'text', required: false },
      { key: 'birthDate', label: '生年月日', type: 'date', required: true },
      { key: 'address', label: '住所', type: 'text', required: true },
      { key: 'phone', label: '電話番号', type: 'text', required: false },
      { key: 'targetName', label: '必要な人の氏名', type: 'text', required: true },
      { key: 'wholeHousehold', label: '世帯全員の写し', type: 'checkbox', required: false },
      { key: 'withDomicile', label: '本籍・筆頭者の記載', type: 'checkbox', required: false },
      { key: 'copies', label: '通数', type: 'text', required: true },
      { key: 'purpose', label: '使いみち', type: 'text', required: true },
    ],
  },
  {
    code: 'jidoteate',
    department: 'childcare',
    title: '児童手当 認定請求書',
    note: 'みどり市長 あて　※振込先は請求者名義の口座に限ります。',
    fields: [
      { key: 'requestDate', label: '請求日', type: 'date', required: true },
      { key: 'applicantName', label: '請求者 氏名', type: 'text', required: true },
      { key: 'birthDate', label: '請求者 生年月日', type: 'date', required: true },
      { key: 'address', label: '住所', type: 'text', required: true },
      { key: 'phone', label: '電話番号', type: 'text', required: true },
      { key: 'childName', label: '児童 氏名', type: 'text', required: true },
      { key: 'childBirthDate', label: '児童 生年月日', type: 'date', required: true },
      { key: 'relationship', label: '児童との続柄', type: 'text', required: true },
      { key: 'livingTogether', label: '児童と同居している', type: 'checkbox', required: false },
      { key: 'bankName', label: '振込先 金融機関・支店', type: 'text', required: true },
      { key: 'accountNumber', label: '口座番号（普通）', type: 'text', required: true },
    ],
  },
];

const PAGE = { width: 595, height: 842 };
const LABEL_X = 48;
const BOX_X = 200;
const BOX_WIDTH = 347;
const ROW_HEIGHT = 30;
const ROW_GAP = 8;
const FIRST_ROW_TOP = 720;
const CHECKBOX = 18;

/** Where each field's box is, row by row from the top. */
export function layoutFields(fields: FieldDefinition[]) {
  return fields.map((field, index) => {
    const top = FIRST_ROW_TOP - index * (ROW_HEIGHT + ROW_GAP);
    return field.type === 'checkbox'
      ? { ...field, page: 0, x: BOX_X, y: top - ROW_HEIGHT + (ROW_HEIGHT - CHECKBOX) / 2, width: CHECKBOX, height: CHECKBOX }
      : { ...field, page: 0, x: BOX_X, y: top - ROW_HEIGHT, width: BOX_WIDTH, height: ROW_HEIGHT };
  });
}

function signatureBoxOf(fields: FieldDefinition[]) {
  const top = FIRST_ROW_TOP - fields.length * (ROW_HEIGHT + ROW_GAP) - 24;
  return { page: 0, x: BOX_X, y: top - 70, width: BOX_WIDTH, height: 70 };
}

/** The blank form's PDF. */
export async function renderBlankForm(template: TemplateDefinition, fontBytes: Uint8Array): Promise<Uint8Array> {
  const { PDFDocument, rgb, fontkit } = await loadPdfLibrary();
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const font = await pdf.embedFont(fontBytes, { subset: true });
  pdf.setTitle(template.title);
  pdf.setCreator('Madoguchi (みどり市)');
  const page = pdf.addPage([PAGE.width, PAGE.height]);
  const ink = rgb(0.1, 0.1, 0.1);
  const title = (text: string, size: number, y: number) =>
    page.drawText(text, { x: (PAGE.width - font.widthOfTextAtSize(text, size)) / 2, y, size, font, color: ink });
  title(template.title, 20, 790);
  page.drawText(template.note, { x: LABEL_X, y: 760, size: 10, font, color: ink });
  for (const field of layoutFields(template.fields)) drawRow(page, font, { ink, hint: rgb(0.6, 0.6, 0.6) }, field);
  const signature = signatureBoxOf(template.fields);
  page.drawText('署名（ご本人）', { x: LABEL_X, y: signature.y + signature.height / 2 - 5, size: 11, font, color: ink });
  page.drawRectangle({ ...signature, borderColor: ink, borderWidth: 1 });
  page.drawText('太枠の中を ご確認のうえ、署名欄に ご署名ください。', { x: LABEL_X, y: signature.y - 24, size: 9, font, color: ink });
  return pdf.save();
}

function drawRow(page: PDFPage, font: PDFFont, { ink, hint }: { ink: Color; hint: Color }, field: ReturnType<typeof layoutFields>[number]): void {
  const label = field.required ? `${field.label}（必須）` : field.label;
  const middle = field.y + field.height / 2 - 5;
  page.drawText(label, { x: LABEL_X, y: middle, size: 10.5, font, color: ink });
  page.drawRectangle({ x: field.x, y: field.y, width: field.width, height: field.height, borderColor: ink, borderWidth: field.required ? 1.5 : 0.75 });
  if (field.type === 'date') page.drawText('年　　　月　　　日', { x: field.x + field.width - 130, y: middle, size: 9, font, color: hint });
}

/**
 * Add the demo templates that are missing (by code): run by the seed, also on a city seeded before
 * the forms existed. Without a Japanese font on the machine the forms are left out, with a warning.
 */
export async function seedFormTemplates(db: PrismaClient): Promise<number> {
  const fontBytes = japaneseFontBytes();
  if (!fontBytes) {
    console.warn(`[seed] no Japanese font (${JAPANESE_FONT_FILES.join(' or ')}; Debian: fonts-ipafont-gothic): the demo form templates are left out`);
    return 0;
  }
  let added = 0;
  for (const template of DEMO_FORM_TEMPLATES) {
    if (await db.formTemplate.findUnique({ where: { code: template.code }, select: { id: true } })) continue;
    const department = await db.department.findUnique({ where: { code: template.department }, select: { id: true } });
    if (!department) continue;
    const pdf = await renderBlankForm(template, fontBytes);
    await db.formTemplate.create({
      data: {
        code: template.code,
        departmentId: department.id,
        title: template.title,
        fields: JSON.stringify(layoutFields(template.fields)),
        signatureBox: JSON.stringify(signatureBoxOf(template.fields)),
        pdf: Buffer.from(pdf),
      },
    });
    added++;
  }
  return added;
}

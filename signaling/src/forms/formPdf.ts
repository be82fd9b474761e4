import type { FormBox, FormField, FormValues } from '@madoguchi/protocol';
import { loadPdfLibrary } from '@madoguchi/db';

export interface FormPdfInput {
  /** The template's blank PDF. */
  template: Uint8Array;
  fields: readonly FormField[];
  values: FormValues;
  /** A Japanese TrueType font, embedded as a subset. */
  font: Uint8Array;
  /** The resident's signature (PNG) and where it goes; absent on the copy shown for checking. */
  signature?: { png: Uint8Array; box: FormBox };
  /** One line at the foot of every page: which consultation, when, who. */
  footer: string;
  title: string;
}

/** 2026-12-04 → 2026年12月4日 (what the form shows for a date). */
export function formatFormDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match ? `${Number(match[1])}年${Number(match[2])}月${Number(match[3])}日` : value;
}

/** What a field shows for a value, as placed on the PDF and read back from it. */
export function fieldText(field: FormField, value: FormValues[string] | undefined): string {
  if (value === undefined || typeof value === 'boolean') return '';
  return field.type === 'date' ? formatFormDate(value) : value;
}

/**
 * The filled form (pdf-lib): each value in a read-only form field of the template's PDF at its box
 * (so a reader, and the tests, read the values back by their keys), checkboxes ticked, the signature
 * image in its box, and a footer on every page.
 */
export async function renderFormPdf(input: FormPdfInput): Promise<Uint8Array> {
  const { PDFDocument, rgb, fontkit } = await loadPdfLibrary();
  const pdf = await PDFDocument.load(input.template);
  pdf.registerFontkit(fontkit);
  const font = await pdf.embedFont(input.font, { subset: true });
  const pages = pdf.getPages();
  const form = pdf.getForm();
  for (const field of input.fields) {
    const page = pages[field.page];
    if (!page) continue;
    const value = input.values[field.key];
    const box = { x: field.x, y: field.y, width: field.width, height: field.height, borderWidth: 0 };
    if (field.type === 'checkbox') {
      const checkbox = form.createCheckBox(field.key);
      checkbox.addToPage(page, { ...box, textColor: rgb(0, 0, 0) });
      if (value === true) checkbox.check();
      checkbox.enableReadOnly();
    } else {
      const text = form.createTextField(field.key);
      text.setText(fieldText(field, value));
      text.addToPage(page, { ...box, font, textColor: rgb(0, 0, 0) });
      text.setFontSize(Math.min(14, field.height * 0.5));
      text.enableReadOnly();
    }
  }
  form.updateFieldAppearances(font);
  if (input.signature) {
    const image = await pdf.embedPng(input.signature.png);
    const { box } = input.signature;
    const page = pages[box.page];
    if (page) {
      const scale = Math.min((box.width - 8) / image.width, (box.height - 8) / image.height);
      const width = image.width * scale;
      const height = image.height * scale;
      page.drawImage(image, { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height });
    }
  }
  for (const page of pages) page.drawText(input.footer, { x: 36, y: 20, size: 8, font, color: rgb(0.25, 0.25, 0.25) });
  pdf.setTitle(input.title);
  pdf.setProducer('Madoguchi');
  return pdf.save();
}

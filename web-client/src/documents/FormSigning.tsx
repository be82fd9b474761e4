import type { ConsultationForm, FormField } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { openPdf, renderPage } from '@madoguchi/protocol/pdf';
import SignaturePad from 'signature_pad';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { fetchFilledForm, sendSignature } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { loadDeviceToken } from '../storage.ts';

/**
 * The resident checks a form staff filled and signs it (issue 13, item 3): the filled form drawn
 * large by pdf.js with the fields to check highlighted, the same values listed in large type, and a
 * signature pad (signature_pad: smooth strokes from finger or stylus, no pressure needed). Mounted
 * by the call screen; asks on mount what the call waits to have signed, so a reload shows it again.
 */
export function FormSigning({ client, consultationId }: { client: ProtocolClient; consultationId: string }) {
  const [form, setForm] = useState<ConsultationForm | null>(null);
  const [signed, setSigned] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    client.request('form:current', { consultationId }).then(
      ({ form: waiting }) => current && waiting && setForm((previous) => previous ?? waiting),
      () => undefined,
    );
    const offToSign = client.on('form:toSign', (event) => {
      if (event.consultationId !== consultationId) return;
      setSigned(null);
      setForm(event.form);
    });
    const offSigned = client.on('form:signed', (event) => {
      if (event.consultationId !== consultationId) return;
      setForm((previous) => (previous?.id === event.form.id ? null : previous));
      setSigned(event.form.id);
    });
    return () => {
      current = false;
      offToSign();
      offSigned();
    };
  }, [client, consultationId]);
  const { t } = useI18n();
  if (!form) {
    return signed ? (
      <p className="banner banner--info form-signing__done" role="status" data-testid="form-signed-notice">
        {t.formSigning.signed}
      </p>
    ) : null;
  }
  return <SigningScreen key={form.id} form={form} />;
}

const fieldValue = (field: FormField, form: ConsultationForm, t: ReturnType<typeof useI18n>['t']) => {
  const value = form.values[field.key];
  if (field.type === 'checkbox') return value === true ? t.formSigning.checked : t.formSigning.unchecked;
  if (typeof value !== 'string' || value === '') return t.formSigning.empty;
  const date = field.type === 'date' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  return date ? `${Number(date[1])}年${Number(date[2])}月${Number(date[3])}日` : value;
};

function SigningScreen({ form }: { form: ConsultationForm }) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const pageBox = useRef<HTMLDivElement>(null);
  const [page, setPage] = useState<{ width: number; height: number; cssWidth: number } | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const padCanvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [empty, setEmpty] = useState(true);
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState(false);

  // The filled form, page 1 (the demo forms are one page), as wide as its box.
  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      const token = loadDeviceToken();
      if (!token || !canvas.current || !pageBox.current) throw new Error('not ready');
      const pdf = await openPdf(await fetchFilledForm(token, form.id));
      const cssWidth = Math.floor(pageBox.current.clientWidth);
      const size = await renderPage(pdf, 1, canvas.current, cssWidth, controller.signal);
      setPage({ ...size, cssWidth });
    })().catch((error: unknown) => {
      if (controller.signal.aborted) return;
      console.warn(`form ${form.id} could not be shown:`, error);
      setLoadFailed(true);
    });
    return () => controller.abort();
  }, [form.id]);

  // The pad, sized to its box on the screen's pixel ratio.
  useLayoutEffect(() => {
    const element = padCanvas.current;
    if (!element) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.floor(element.offsetWidth * ratio);
    element.height = Math.floor(element.offsetHeight * ratio);
    element.getContext('2d')?.scale(ratio, ratio);
    const signature = new SignaturePad(element, { minWidth: 1.5, maxWidth: 3.5, penColor: '#111111' });
    signature.addEventListener('endStroke', () => setEmpty(signature.isEmpty()));
    pad.current = signature;
    return () => {
      signature.off();
      pad.current = null;
    };
  }, []);

  const submit = async () => {
    const signature = pad.current;
    const token = loadDeviceToken();
    if (!signature || signature.isEmpty() || !token) return;
    setSending(true);
    setFailed(false);
    try {
      // The pad's own canvas as a PNG (a data: URL cannot be fetched under the kiosk's CSP).
      const blob = await new Promise<Blob>((resolve, reject) =>
        padCanvas.current ? padCanvas.current.toBlob((png) => (png ? resolve(png) : reject(new Error('no image'))), 'image/png') : reject(new Error('no pad')),
      );
      await sendSignature(token, form.id, blob);
    } catch (error) {
      console.warn(`the signature of form ${form.id} could not be sent:`, error);
      setFailed(true);
      setSending(false);
    }
  };
  const clear = () => {
    pad.current?.clear();
    setEmpty(true);
  };
  const toCheck = form.fields.filter((field) => field.page === 0);

  return (
    <section className="form-signing" aria-label={t.formSigning.region} data-testid="form-signing" data-form-id={form.id}>
      <h2 className="form-signing__title">{t.formSigning.title(form.title)}</h2>
      <div className="form-signing__body">
        <div className="form-signing__page" ref={pageBox} tabIndex={0} role="group" aria-label={form.title}>
          <canvas ref={canvas} data-testid="form-signing-page" data-ready={page ? 'true' : undefined} role="img" aria-label={form.title} />
          {page
            ? toCheck.map((field) => (
                <span
                  key={field.key}
                  className={`form-signing__highlight ${field.required ? 'form-signing__highlight--required' : ''}`}
                  data-testid="form-signing-highlight"
                  style={{
                    left: (field.x / page.width) * page.cssWidth,
                    top: ((page.height - field.y - field.height) / page.height) * (page.cssWidth * (page.height / page.width)),
                    width: (field.width / page.width) * page.cssWidth,
                    height: (field.height / page.height) * (page.cssWidth * (page.height / page.width)),
                  }}
                  aria-hidden="true"
                />
              ))
            : null}
          {loadFailed ? (
            <p className="banner banner--warning" role="alert">
              {t.sentDocument.failed}
            </p>
          ) : !page ? (
            <p role="status">{t.formSigning.loading}</p>
          ) : null}
        </div>
        <div className="form-signing__side">
          <p className="form-signing__check">{t.formSigning.check}</p>
          <dl className="form-signing__values" data-testid="form-signing-values">
            {toCheck.map((field) => (
              <div key={field.key} className="form-signing__value">
                <dt>{field.label}</dt>
                <dd>{fieldValue(field, form, t)}</dd>
              </div>
            ))}
          </dl>
          <p className="form-signing__sign-here" id="form-signing-pad-label">
            {t.formSigning.signHere}
          </p>
          <canvas ref={padCanvas} className="form-signing__pad" data-testid="signature-pad" aria-labelledby="form-signing-pad-label" role="img" />
          {failed ? (
            <p className="banner banner--warning" role="alert" data-testid="form-signing-failed">
              {t.formSigning.failed}
            </p>
          ) : null}
          <div className="form-signing__buttons">
            <button type="button" className="button button--large button--secondary" data-testid="signature-clear" onClick={clear} disabled={sending}>
              {t.formSigning.clear}
            </button>
            <button type="button" className="button button--large button--primary" data-testid="signature-submit" onClick={() => void submit()} disabled={empty || sending}>
              {sending ? t.formSigning.sending : t.formSigning.submit}
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}

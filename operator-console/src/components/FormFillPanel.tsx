import { FormResponse, FormTemplatesResponse, type ConsultationForm, type DepartmentSummary, type FormTemplate, type FormValues } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { BoothPrintButton } from './BoothPrintButton.tsx';

interface FormFillPanelProps {
  client: ProtocolClient | null;
  token: string;
  consultationId: string;
  /** The operator's departments, the call's first: whose templates they may fill. */
  departments: DepartmentSummary[];
}

/**
 * 申請書の記入 (issue 13, item 3): the operator picks a template, fills its fields while talking with
 * the resident and hands it to the tablet to check and sign; the console shows when it is signed,
 * with the signed PDF's hash.
 */
export function FormFillPanel({ client, token, consultationId, departments }: FormFillPanelProps) {
  const { t } = useI18n();
  const [templates, setTemplates] = useState<FormTemplate[]>([]);
  const [templateId, setTemplateId] = useState('');
  const [values, setValues] = useState<FormValues>({});
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<ConsultationForm | null>(null);

  useEffect(() => {
    let active = true;
    Promise.all(
      departments.map((department) => request(token, `/forms/templates${query({ departmentId: department.id })}`, FormTemplatesResponse).then((body) => body.templates, () => [])),
    ).then((lists) => active && setTemplates(lists.flat()));
    return () => {
      active = false;
    };
  }, [token, departments]);

  useEffect(() => {
    if (!client) return;
    const offSigned = client.on('form:signed', (event) => event.consultationId === consultationId && setForm(event.form));
    const offToSign = client.on('form:toSign', (event) => event.consultationId === consultationId && setForm(event.form));
    return () => {
      offSigned();
      offToSign();
    };
  }, [client, consultationId]);

  const template = templates.find((candidate) => candidate.id === templateId) ?? null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!template) return;
    setSending(true);
    setError(null);
    try {
      const body = JSON.stringify({ templateId: template.id, values });
      setForm((await request(token, `/forms${query({ consultationId })}`, FormResponse, { method: 'POST', body })).form);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.serverMessage ? failure.serverMessage : t.forms.failed);
    } finally {
      setSending(false);
    }
  };

  if (templates.length === 0) return null;
  return (
    <section className="document-send" aria-label={t.forms.title} data-testid="form-fill">
      <h2 className="document-send-title">{t.forms.title}</h2>
      <label className="document-send-field">
        {t.forms.template}
        <select
          value={templateId}
          data-testid="form-template"
          onChange={(event) => {
            setTemplateId(event.target.value);
            setValues({});
          }}
        >
          <option value="">{t.forms.choose}</option>
          {templates.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.title}
            </option>
          ))}
        </select>
      </label>
      {template ? (
        <form className="form-fill-fields" onSubmit={(event) => void submit(event)}>
          {template.fields.map((field) => (
            <label key={field.key} className="document-send-field form-fill-field">
              {field.required ? `${field.label}${t.forms.required}` : field.label}
              {field.type === 'checkbox' ? (
                <input
                  type="checkbox"
                  data-testid={`form-field-${field.key}`}
                  checked={values[field.key] === true}
                  onChange={(event) => setValues({ ...values, [field.key]: event.target.checked })}
                />
              ) : (
                <input
                  type={field.type === 'date' ? 'date' : 'text'}
                  data-testid={`form-field-${field.key}`}
                  maxLength={200}
                  value={typeof values[field.key] === 'string' ? (values[field.key] as string) : ''}
                  onChange={(event) => setValues({ ...values, [field.key]: event.target.value })}
                />
              )}
            </label>
          ))}
          <button type="submit" className="button" data-testid="form-send" disabled={sending}>
            {sending ? t.documents.sending : t.forms.send}
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="still-error" role="alert" data-testid="form-error">
          {error}
        </p>
      ) : null}
      {form ? (
        <div className="document-send-status">
          <p role="status" data-testid="form-status" data-state={form.status} data-form-id={form.id}>
            {form.status === 'signed' ? t.forms.signed(form.title, form.sha256 ?? '') : t.forms.awaiting(form.title)}
          </p>
          {form.status === 'signed' ? <BoothPrintButton key={form.id} client={client} consultationId={consultationId} kind="form" id={form.id} /> : null}
        </div>
      ) : null}
    </section>
  );
}

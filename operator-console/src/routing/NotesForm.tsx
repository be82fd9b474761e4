import { CategoriesResponse, NoteFiled, type ConsultationCategory, type DepartmentSummary, type SiteSummary } from '@madoguchi/protocol';
import { useEffect, useState, type FormEvent } from 'react';
import { request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

interface NotesFormProps {
  token: string;
  call: { consultationId: string; department: DepartmentSummary; site: SiteSummary };
  /** Filed or skipped: the form goes away. */
  onDone(): void;
}

/** 対応メモ: after a call, the operator files it under a category (相談種別) and notes what was done. */
export function NotesForm({ token, call, onDone }: NotesFormProps) {
  const { t } = useI18n();
  const [categories, setCategories] = useState<ConsultationCategory[]>([]);
  const [categoryId, setCategoryId] = useState('');
  const [text, setText] = useState('');
  const [state, setState] = useState<'editing' | 'saving' | 'failed'>('editing');

  useEffect(() => {
    let active = true;
    request(token, `/departments/${encodeURIComponent(call.department.id)}/categories`, CategoriesResponse).then(
      (body) => active && setCategories(body.categories),
      (error: unknown) => console.warn('[notes] categories unavailable', error),
    );
    return () => {
      active = false;
    };
  }, [token, call.department.id]);

  const canSave = state !== 'saving' && (categoryId !== '' || text.trim() !== '');
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) return;
    setState('saving');
    request(token, `/consultations/${encodeURIComponent(call.consultationId)}/notes`, NoteFiled, {
      method: 'POST',
      body: JSON.stringify({ categoryId: categoryId || null, text }),
    }).then(onDone, () => setState('failed'));
  };

  return (
    <form className="notes-form" onSubmit={save} aria-labelledby="notes-heading" data-testid="notes-form">
      <h2 id="notes-heading">{t.notes.heading}</h2>
      <p className="presence-hint">{t.notes.about(call.site.name, call.department.name)}</p>
      <label className="notes-field">
        {t.notes.category}
        <select value={categoryId} onChange={(event) => setCategoryId(event.target.value)} data-testid="notes-category">
          <option value="">{t.notes.noCategory}</option>
          {categories.map((category) => (
            <option key={category.id} value={category.id}>
              {category.name}
            </option>
          ))}
        </select>
      </label>
      <label className="notes-field">
        {t.notes.text}
        <textarea value={text} onChange={(event) => setText(event.target.value)} rows={4} maxLength={2000} data-testid="notes-text" />
      </label>
      {state === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {t.notes.failed}
        </p>
      ) : null}
      <div className="notes-actions">
        <button type="submit" className="button button-accept" disabled={!canSave} data-testid="notes-save">
          {state === 'saving' ? t.notes.saving : t.notes.save}
        </button>
        <button type="button" className="button" onClick={onDone} disabled={state === 'saving'}>
          {t.notes.skip}
        </button>
      </div>
    </form>
  );
}

import { useState } from 'react';
import { z } from 'zod';
import { DepartmentsResponse, LibraryResponse, LibraryUploadResponse, type LibraryDocument, type LibraryDocumentKind } from '@madoguchi/protocol';
import { query, request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { useLoad } from '../supervisor/useLoad.ts';
import { ChangeOutcome, Field, useChange } from './adminParts.tsx';

interface DocumentLibraryScreenProps {
  token: string;
  onUnauthorized(): void;
}

/**
 * 書類ライブラリ (admins): each department's 申請書 and パンフレット that operators send to the tablet
 * in a call. A PDF, JPEG or PNG up to 20 MB; the server checks the file's content and says why it
 * refuses one.
 */
export function DocumentLibraryScreen({ token, onUnauthorized }: DocumentLibraryScreenProps) {
  const { t } = useI18n();
  const [departments] = useLoad('library-departments', () => request(token, '/departments', DepartmentsResponse), onUnauthorized);
  const [chosenDepartment, setDepartmentId] = useState('');
  const departmentId = chosenDepartment || (departments.status === 'ready' ? (departments.data.departments[0]?.id ?? '') : '');
  const [library, reload] = useLoad(`library-${departmentId}`, () =>
    departmentId ? request(token, `/documents/library${query({ departmentId })}`, LibraryResponse) : Promise.resolve({ documents: [] }), onUnauthorized);
  const { state, change } = useChange(onUnauthorized, reload);
  const [kind, setKind] = useState<LibraryDocumentKind>('form');
  const [title, setTitle] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState({ title: false, file: false });
  const [removing, setRemoving] = useState<LibraryDocument | null>(null);
  const [fileInputKey, setFileInputKey] = useState(0);

  const upload = () => {
    const gaps = { title: title.trim() === '', file: file === null };
    setMissing(gaps);
    if (gaps.title || !file) return;
    void change(async () => {
      await request(token, `/documents/library${query({ departmentId, kind, title: title.trim() })}`, LibraryUploadResponse, { method: 'POST', body: file });
      setTitle('');
      setFile(null);
      setFileInputKey((key) => key + 1);
    });
  };
  const remove = (document: LibraryDocument) => {
    setRemoving(null);
    void change(async () => {
      await request(token, `/documents/library/${encodeURIComponent(document.id)}`, z.null(), { method: 'DELETE' });
    });
  };

  return (
    <section aria-labelledby="library-heading" className="admin-screen">
      <h1 id="library-heading">{t.admin.library.title}</h1>
      <p>{t.admin.library.intro}</p>
      {departments.status === 'error' || library.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      <ChangeOutcome state={state} testId="library" />
      {departments.status === 'ready' ? (
        <>
          <label className="admin-form-row">
            {t.admin.library.department}
            <select value={departmentId} onChange={(event) => setDepartmentId(event.target.value)} data-testid="library-department">
              {departments.data.departments.map((department) => (
                <option key={department.id} value={department.id}>
                  {department.name}
                </option>
              ))}
            </select>
          </label>
          <form
            className="panel admin-form"
            aria-labelledby="library-form-heading"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              upload();
            }}
          >
            <h2 id="library-form-heading">{t.admin.library.add}</h2>
            <div className="admin-form-row">
              <Field id="library-kind" label={t.admin.library.kind}>
                {(describedBy) => (
                  <select id="library-kind" value={kind} aria-describedby={describedBy} onChange={(event) => setKind(event.target.value as LibraryDocumentKind)} data-testid="library-kind">
                    <option value="form">{t.documents.kind.form}</option>
                    <option value="leaflet">{t.documents.kind.leaflet}</option>
                  </select>
                )}
              </Field>
              <Field id="library-title" label={t.admin.library.documentTitle} error={missing.title ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="library-title"
                    value={title}
                    maxLength={100}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setTitle(event.target.value)}
                    data-testid="library-title"
                  />
                )}
              </Field>
              <Field id="library-file" label={t.admin.library.file} hint={t.admin.library.fileHint} error={missing.file ? t.admin.library.chooseFile : null}>
                {(describedBy, invalid) => (
                  <input
                    key={fileInputKey}
                    id="library-file"
                    type="file"
                    accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => {
                      const picked = event.target.files?.[0] ?? null;
                      setFile(picked);
                      if (picked && title.trim() === '') setTitle(picked.name.replace(/\.[^.]+$/, ''));
                    }}
                    data-testid="library-file"
                  />
                )}
              </Field>
            </div>
            <button type="submit" className="button" data-testid="library-upload" disabled={state.status === 'running'}>
              {t.admin.library.upload}
            </button>
          </form>
          {library.status === 'ready' ? (
            library.data.documents.length === 0 ? (
              <p data-testid="library-empty">{t.admin.library.empty}</p>
            ) : (
              <table className="admin-table" data-testid="library-table">
                <thead>
                  <tr>
                    <th scope="col">{t.admin.library.kind}</th>
                    <th scope="col">{t.admin.library.documentTitle}</th>
                    <th scope="col">{t.admin.library.size}</th>
                    <th scope="col">{t.admin.actions}</th>
                  </tr>
                </thead>
                <tbody>
                  {library.data.documents.map((document) => (
                    <tr key={document.id} data-testid="library-row" data-document-id={document.id}>
                      <td>{t.documents.kind[document.kind]}</td>
                      <td>{document.title}</td>
                      <td>{`${document.mime === 'application/pdf' ? 'PDF' : document.mime === 'image/png' ? 'PNG' : 'JPEG'} ${Math.max(1, Math.round(document.bytes / 1024))} KB`}</td>
                      <td>
                        <button type="button" className="button" onClick={() => setRemoving(document)} data-testid="library-remove">
                          {t.admin.library.remove}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          ) : null}
        </>
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={t.admin.library.removeTitle(removing.title)}
          warning={t.admin.library.removeWarning}
          confirmLabel={t.admin.library.remove}
          cancelLabel={t.admin.cancel}
          onConfirm={() => remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      ) : null}
    </section>
  );
}

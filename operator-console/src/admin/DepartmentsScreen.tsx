import { useState } from 'react';
import { AdminDepartmentResponse, AdminDepartmentsResponse, type AdminDepartment } from '@madoguchi/protocol';
import { request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { useLoad } from '../supervisor/useLoad.ts';
import { ActiveStatus, ChangeOutcome, Field, useFormHeading, useChange } from './adminParts.tsx';

interface DepartmentsScreenProps {
  token: string;
  onUnauthorized(): void;
}

interface DepartmentForm {
  code: string;
  name: string;
  kioskText: string;
  description: string;
  /** One category per line, as typed. */
  categories: string;
}

const EMPTY_FORM: DepartmentForm = { code: '', name: '', kioskText: '', description: '', categories: '' };
const COLUMNS = ['order', 'name', 'kioskText', 'categories', 'staff', 'status', 'actions'] as const;

/** The typed lines as the list of categories: blank lines and repeats left out. */
function categoryList(text: string): string[] {
  return [...new Set(text.split('\n').map((line) => line.trim()).filter(Boolean))];
}

/** 担当課管理 (admins): the departments residents choose on the tablet — their words, categories and order. */
export function DepartmentsScreen({ token, onUnauthorized }: DepartmentsScreenProps) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad('departments', () => request(token, '/admin/departments', AdminDepartmentsResponse), onUnauthorized);
  const { state, change, reset } = useChange(onUnauthorized, reload);
  const formHeading = useFormHeading();
  const [form, setForm] = useState<DepartmentForm>(EMPTY_FORM);
  const [editing, setEditing] = useState<AdminDepartment | null>(null);
  const [missing, setMissing] = useState({ code: false, name: false });
  const [disabling, setDisabling] = useState<AdminDepartment | null>(null);
  const departments = loaded.status === 'ready' ? loaded.data.departments : [];

  const stopEditing = () => {
    setEditing(null);
    setForm(EMPTY_FORM);
  };
  const submit = () => {
    const gaps = { code: !editing && form.code.trim() === '', name: form.name.trim() === '' };
    setMissing(gaps);
    if (gaps.code || gaps.name) return;
    const fields = { name: form.name, kioskText: form.kioskText, description: form.description, categories: categoryList(form.categories) };
    void change(async () => {
      if (editing) {
        await request(token, `/admin/departments/${encodeURIComponent(editing.id)}`, AdminDepartmentResponse, { method: 'PATCH', body: JSON.stringify(fields) });
      } else {
        await request(token, '/admin/departments', AdminDepartmentResponse, { method: 'POST', body: JSON.stringify({ code: form.code, ...fields }) });
      }
      stopEditing();
    });
  };
  const setActive = (department: AdminDepartment, active: boolean) => {
    setDisabling(null);
    void change(async () => {
      await request(token, `/admin/departments/${encodeURIComponent(department.id)}`, AdminDepartmentResponse, { method: 'PATCH', body: JSON.stringify({ active }) });
    });
  };
  /** Swap a department with its neighbour: the kiosk's buttons follow this order. */
  const move = (index: number, by: -1 | 1) => {
    const ids = departments.map((department) => department.id);
    [ids[index], ids[index + by]] = [ids[index + by]!, ids[index]!];
    void change(async () => {
      await request(token, '/admin/departments/order', AdminDepartmentsResponse, { method: 'PUT', body: JSON.stringify({ departmentIds: ids }) });
    });
  };

  return (
    <section aria-labelledby="departments-heading" className="admin-screen">
      <h1 id="departments-heading">{t.admin.departments.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      <ChangeOutcome state={state} testId="departments" />
      {loaded.status === 'ready' ? (
        <>
          <form
            className="panel admin-form"
            aria-labelledby="department-form-heading"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              submit();
            }}
          >
            <h2 id="department-form-heading" ref={formHeading.heading} tabIndex={-1}>
              {editing ? t.admin.departments.editing(editing.name) : t.admin.departments.add}
            </h2>
            <div className="admin-form-row">
              <Field id="department-code" label={t.admin.departments.code} hint={t.admin.departments.codeHint} error={missing.code ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="department-code"
                    value={editing ? editing.code : form.code}
                    maxLength={32}
                    autoComplete="off"
                    disabled={editing !== null}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setForm({ ...form, code: event.target.value })}
                    data-testid="department-code"
                  />
                )}
              </Field>
              <Field id="department-name" label={t.admin.departments.name} hint={t.admin.departments.nameHint} error={missing.name ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="department-name"
                    value={form.name}
                    maxLength={100}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setForm({ ...form, name: event.target.value })}
                    data-testid="department-name"
                  />
                )}
              </Field>
              <Field id="department-kiosk-text" label={t.admin.departments.kioskText} hint={t.admin.departments.kioskTextHint}>
                {(describedBy) => (
                  <input
                    id="department-kiosk-text"
                    className="admin-wide-input"
                    value={form.kioskText}
                    maxLength={60}
                    aria-describedby={describedBy}
                    onChange={(event) => setForm({ ...form, kioskText: event.target.value })}
                    data-testid="department-kiosk-text"
                  />
                )}
              </Field>
            </div>
            <div className="admin-form-row">
              <Field id="department-description" label={t.admin.departments.description}>
                {() => (
                  <textarea
                    id="department-description"
                    rows={3}
                    maxLength={500}
                    value={form.description}
                    onChange={(event) => setForm({ ...form, description: event.target.value })}
                    data-testid="department-description"
                  />
                )}
              </Field>
              <Field id="department-categories" label={t.admin.departments.categories} hint={t.admin.departments.categoriesHint}>
                {(describedBy) => (
                  <textarea
                    id="department-categories"
                    rows={3}
                    value={form.categories}
                    aria-describedby={describedBy}
                    onChange={(event) => setForm({ ...form, categories: event.target.value })}
                    data-testid="department-categories"
                  />
                )}
              </Field>
            </div>
            <p className="hint">{t.admin.departments.routingHint}</p>
            <div className="admin-form-actions">
              <button type="submit" className="button button-primary" disabled={state.status === 'running'} data-testid="department-save">
                {editing ? t.admin.save : t.admin.departments.add}
              </button>
              {editing ? (
                <button type="button" className="button" onClick={stopEditing}>
                  {t.admin.cancelEdit}
                </button>
              ) : null}
            </div>
          </form>
          <h2>{t.admin.departments.list}</h2>
          {departments.length === 0 ? <p>{t.admin.departments.empty}</p> : null}
          <table className="data-table" data-testid="departments-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th key={column} scope="col">
                    {t.admin.departments.column[column]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {departments.map((department, index) => (
                <tr key={department.id} data-testid="department-row" data-code={department.code} data-active={department.active}>
                  <td className="admin-order">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={t.admin.departments.moveUp(department.name)}
                      disabled={index === 0 || state.status === 'running'}
                      onClick={() => move(index, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={t.admin.departments.moveDown(department.name)}
                      disabled={index === departments.length - 1 || state.status === 'running'}
                      onClick={() => move(index, 1)}
                    >
                      ↓
                    </button>
                  </td>
                  <td id={`department-${department.id}-name`}>
                    {department.name} <span className="mono admin-code">{department.code}</span>
                  </td>
                  <td>{department.kioskText}</td>
                  <td className="admin-description">{department.categories.join(t.admin.separator)}</td>
                  <td>{t.admin.departments.staffCount(department.staff.primary, department.staff.secondary)}</td>
                  <td>
                    <ActiveStatus active={department.active} />
                  </td>
                  <td className="device-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-describedby={`department-${department.id}-name`}
                      onClick={() => {
                        setEditing(department);
                        setMissing({ code: false, name: false });
                        setForm({
                          code: department.code,
                          name: department.name,
                          kioskText: department.kioskText,
                          description: department.description,
                          categories: department.categories.join('\n'),
                        });
                        reset();
                        formHeading.show();
                      }}
                      data-testid="department-edit"
                    >
                      {t.admin.edit}
                    </button>
                    {department.active ? (
                      <button
                        type="button"
                        className="button button-small button-warning"
                        aria-describedby={`department-${department.id}-name`}
                        onClick={() => setDisabling(department)}
                        data-testid="department-disable"
                      >
                        {t.admin.disable}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button-small"
                        aria-describedby={`department-${department.id}-name`}
                        onClick={() => setActive(department, true)}
                        data-testid="department-enable"
                      >
                        {t.admin.enable}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {disabling ? (
        <ConfirmDialog
          title={t.admin.departments.disableTitle(disabling.name)}
          warning={t.admin.departments.disableWarning}
          confirmLabel={t.admin.disable}
          cancelLabel={t.admin.cancel}
          onConfirm={() => setActive(disabling, false)}
          onCancel={() => setDisabling(null)}
        />
      ) : null}
    </section>
  );
}

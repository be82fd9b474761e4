import { useState } from 'react';
import { z } from 'zod';
import { AdminStaffListResponse, AdminStaffResponse, StaffRole, type AdminStaff, type Skill } from '@madoguchi/protocol';
import { request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { useLoad } from '../supervisor/useLoad.ts';
import { ActiveStatus, ChangeOutcome, Field, useFormHeading, OnceSecret, useChange } from './adminParts.tsx';

interface StaffScreenProps {
  token: string;
  /** The admin's own account, which they can neither disable nor delete. */
  ownId: string;
  onUnauthorized(): void;
}

type SkillChoice = Skill | 'none';

interface StaffForm {
  username: string;
  displayName: string;
  role: StaffRole;
  password: string;
  skills: Record<string, SkillChoice>;
}

const EMPTY_FORM: StaffForm = { username: '', displayName: '', role: 'operator', password: '', skills: {} };
/** A deletion answers 204, with no body. */
const NO_CONTENT = z.null();
const COLUMNS = ['username', 'displayName', 'role', 'departments', 'status', 'actions'] as const;

type Question = { change: 'resetPassword' | 'signOut' | 'disable' | 'delete'; staff: AdminStaff };

/** The API path of each change asked about first (a deletion is a DELETE of the account itself). */
const CHANGE_PATHS = { resetPassword: 'password', signOut: 'sign-out', disable: 'disable', enable: 'enable' } as const;

/** 職員管理 (admins): staff accounts, their departments and skills, passwords, sign-outs, leavers. */
export function StaffScreen({ token, ownId, onUnauthorized }: StaffScreenProps) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad('staff', () => request(token, '/admin/staff', AdminStaffListResponse), onUnauthorized);
  const { state, change, reset } = useChange(onUnauthorized, reload);
  const formHeading = useFormHeading();
  const [form, setForm] = useState<StaffForm>(EMPTY_FORM);
  const [editing, setEditing] = useState<AdminStaff | null>(null);
  const [missing, setMissing] = useState<{ username: boolean; displayName: boolean }>({ username: false, displayName: false });
  const [secret, setSecret] = useState<{ name: string; password: string } | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const departments = loaded.status === 'ready' ? loaded.data.departments : [];

  const startEditing = (staff: AdminStaff) => {
    setEditing(staff);
    setMissing({ username: false, displayName: false });
    setForm({
      username: staff.username,
      displayName: staff.displayName,
      role: staff.role,
      password: '',
      skills: Object.fromEntries(staff.departments.map(({ department, skill }) => [department.id, skill])),
    });
    reset(); // the last change's outcome is not this edit's
    formHeading.show();
  };
  const stopEditing = () => {
    setEditing(null);
    setForm(EMPTY_FORM);
  };
  /** A password the server generated is shown once; one the admin chose is not echoed back. */
  const showPassword = (answer: AdminStaffResponse) => {
    if (answer.password) setSecret({ name: answer.staff.displayName, password: answer.password });
  };

  const submit = () => {
    const gaps = { username: !editing && form.username.trim() === '', displayName: form.displayName.trim() === '' };
    setMissing(gaps);
    if (gaps.username || gaps.displayName) return;
    const skills = Object.entries(form.skills).flatMap(([departmentId, skill]) => (skill === 'none' ? [] : [{ departmentId, skill }]));
    void change(async () => {
      if (editing) {
        const body = { displayName: form.displayName, role: form.role, departments: skills };
        await request(token, `/admin/staff/${encodeURIComponent(editing.id)}`, AdminStaffResponse, { method: 'PATCH', body: JSON.stringify(body) });
      } else {
        const body = { username: form.username, displayName: form.displayName, role: form.role, departments: skills, ...(form.password ? { password: form.password } : {}) };
        showPassword(await request(token, '/admin/staff', AdminStaffResponse, { method: 'POST', body: JSON.stringify(body) }));
      }
      stopEditing();
    });
  };
  const answer = (which: Question['change'] | 'enable', staff: AdminStaff) => {
    setQuestion(null);
    const path = `/admin/staff/${encodeURIComponent(staff.id)}`;
    void change(async () => {
      if (which === 'delete') await request(token, path, NO_CONTENT, { method: 'DELETE' });
      else showPassword(await request(token, `${path}/${CHANGE_PATHS[which]}`, AdminStaffResponse, { method: 'POST', body: '{}' }));
    });
  };
  const questionText = question && {
    resetPassword: { title: t.admin.staff.resetTitle, warning: t.admin.staff.resetWarning, confirm: t.admin.staff.resetConfirm },
    signOut: { title: t.admin.staff.signOutTitle, warning: t.admin.staff.signOutWarning, confirm: t.admin.staff.signOut },
    disable: { title: t.admin.staff.disableTitle, warning: t.admin.staff.disableWarning, confirm: t.admin.disable },
    delete: { title: t.admin.staff.deleteTitle, warning: t.admin.staff.deleteWarning, confirm: t.admin.staff.delete },
  }[question.change];

  return (
    <section aria-labelledby="staff-heading" className="admin-screen">
      <h1 id="staff-heading">{t.admin.staff.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {secret ? (
        <OnceSecret
          title={t.admin.staff.passwordTitle(secret.name)}
          warning={t.admin.staff.passwordWarning}
          label={t.admin.staff.shownPassword}
          value={secret.password}
          testId="staff-password"
          onClose={() => setSecret(null)}
        />
      ) : null}
      <ChangeOutcome state={state} testId="staff" />
      {loaded.status === 'ready' ? (
        <>
          <form
            className="panel admin-form"
            aria-labelledby="staff-form-heading"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              submit();
            }}
          >
            <h2 id="staff-form-heading" ref={formHeading.heading} tabIndex={-1}>
              {editing ? t.admin.staff.editing(editing.displayName) : t.admin.staff.add}
            </h2>
            <div className="admin-form-row">
              <Field id="staff-username" label={t.admin.staff.username} hint={t.admin.staff.usernameHint} error={missing.username ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="staff-username"
                    value={form.username}
                    maxLength={32}
                    autoComplete="off"
                    disabled={editing !== null}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setForm({ ...form, username: event.target.value })}
                    data-testid="staff-username"
                  />
                )}
              </Field>
              <Field id="staff-display-name" label={t.admin.staff.displayName} error={missing.displayName ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="staff-display-name"
                    value={form.displayName}
                    maxLength={100}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setForm({ ...form, displayName: event.target.value })}
                    data-testid="staff-display-name"
                  />
                )}
              </Field>
              <Field id="staff-role" label={t.admin.staff.role}>
                {() => (
                  <select id="staff-role" value={form.role} onChange={(event) => setForm({ ...form, role: StaffRole.parse(event.target.value) })} data-testid="staff-role">
                    {StaffRole.options.map((role) => (
                      <option key={role} value={role}>
                        {t.roles[role]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {editing ? null : (
                <Field id="staff-password" label={t.admin.staff.password} hint={t.admin.staff.passwordHint}>
                  {(describedBy) => (
                    <input
                      id="staff-password"
                      type="password"
                      autoComplete="new-password"
                      maxLength={128}
                      value={form.password}
                      aria-describedby={describedBy}
                      onChange={(event) => setForm({ ...form, password: event.target.value })}
                      data-testid="staff-password-input"
                    />
                  )}
                </Field>
              )}
            </div>
            <fieldset className="admin-skills" aria-describedby="staff-skills-hint">
              <legend>{t.admin.staff.departments}</legend>
              <p id="staff-skills-hint" className="hint">
                {t.admin.staff.departmentsHint}
              </p>
              <div className="admin-skills-grid">
                {departments.map((department) => (
                  <label key={department.id}>
                    {department.name}
                    <select
                      value={form.skills[department.id] ?? 'none'}
                      onChange={(event) => setForm({ ...form, skills: { ...form.skills, [department.id]: event.target.value as SkillChoice } })}
                      data-testid={`staff-skill-${department.code}`}
                    >
                      {(['none', 'primary', 'secondary'] as const).map((skill) => (
                        <option key={skill} value={skill}>
                          {t.admin.staff.skill[skill]}
                        </option>
                      ))}
                    </select>
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="admin-form-actions">
              <button type="submit" className="button button-primary" disabled={state.status === 'running'} data-testid="staff-save">
                {editing ? t.admin.save : t.admin.staff.add}
              </button>
              {editing ? (
                <button type="button" className="button" onClick={stopEditing}>
                  {t.admin.cancelEdit}
                </button>
              ) : null}
            </div>
          </form>
          <h2>{t.admin.staff.list}</h2>
          {loaded.data.staff.length === 0 ? <p>{t.admin.staff.empty}</p> : null}
          <table className="data-table" data-testid="staff-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th key={column} scope="col">
                    {t.admin.staff.column[column]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loaded.data.staff.map((staff) => (
                <tr key={staff.id} data-testid="staff-row" data-username={staff.username} data-active={staff.active}>
                  <td className="mono admin-username">{staff.username}</td>
                  <td id={`staff-${staff.id}-name`}>{staff.displayName}</td>
                  <td>{t.roles[staff.role]}</td>
                  <td>
                    {staff.departments.length === 0
                      ? t.admin.staff.noDepartments
                      : staff.departments.map(({ department, skill }) => t.admin.staff.skillOf(department.name, t.admin.staff.skillShort[skill])).join(t.admin.separator)}
                  </td>
                  <td>
                    <ActiveStatus active={staff.active} />
                  </td>
                  {/* Each button names its staff member to a screen reader through the name cell. */}
                  <td className="device-actions">
                    <button type="button" className="button button-small" aria-describedby={`staff-${staff.id}-name`} onClick={() => startEditing(staff)} data-testid="staff-edit">
                      {t.admin.edit}
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      aria-describedby={`staff-${staff.id}-name`}
                      onClick={() => setQuestion({ change: 'resetPassword', staff })}
                      data-testid="staff-reset-password"
                    >
                      {t.admin.staff.resetPassword}
                    </button>
                    {staff.id === ownId || !staff.active ? null : (
                      <button
                        type="button"
                        className="button button-small"
                        aria-describedby={`staff-${staff.id}-name`}
                        onClick={() => setQuestion({ change: 'signOut', staff })}
                        data-testid="staff-sign-out"
                      >
                        {t.admin.staff.signOut}
                      </button>
                    )}
                    {staff.id === ownId ? null : staff.active ? (
                      <button
                        type="button"
                        className="button button-small button-warning"
                        aria-describedby={`staff-${staff.id}-name`}
                        onClick={() => setQuestion({ change: 'disable', staff })}
                        data-testid="staff-disable"
                      >
                        {t.admin.disable}
                      </button>
                    ) : (
                      <button type="button" className="button button-small" aria-describedby={`staff-${staff.id}-name`} onClick={() => answer('enable', staff)} data-testid="staff-enable">
                        {t.admin.enable}
                      </button>
                    )}
                    {staff.hasRecords || staff.id === ownId ? null : (
                      <button
                        type="button"
                        className="button button-small button-warning"
                        aria-describedby={`staff-${staff.id}-name`}
                        onClick={() => setQuestion({ change: 'delete', staff })}
                        data-testid="staff-delete"
                      >
                        {t.admin.staff.delete}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {question && questionText ? (
        <ConfirmDialog
          title={questionText.title(question.staff.displayName)}
          warning={questionText.warning}
          confirmLabel={questionText.confirm}
          cancelLabel={t.admin.cancel}
          onConfirm={() => answer(question.change, question.staff)}
          onCancel={() => setQuestion(null)}
        />
      ) : null}
    </section>
  );
}

import { useState } from 'react';
import { AdminSiteResponse, AdminSitesResponse, ClerkPin, SiteKind, type AdminSite } from '@madoguchi/protocol';
import { request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { useLoad } from '../supervisor/useLoad.ts';
import { ActiveStatus, ChangeOutcome, Field, useFormHeading, useChange } from './adminParts.tsx';

interface SitesScreenProps {
  token: string;
  onUnauthorized(): void;
}

interface SiteForm {
  name: string;
  kind: SiteKind;
  description: string;
}

const EMPTY_FORM: SiteForm = { name: '', kind: 'post_office', description: '' };
const COLUMNS = ['name', 'kind', 'description', 'devices', 'clerkPin', 'status', 'actions'] as const;

/**
 * 拠点管理 (admins): where the tablets stand — add, rename, describe, disable, and the clerk PIN that
 * opens the tablets' camera settings. Tablets themselves are 端末管理.
 */
export function SitesScreen({ token, onUnauthorized }: SitesScreenProps) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad('sites', () => request(token, '/admin/sites', AdminSitesResponse), onUnauthorized);
  const { state, change, reset } = useChange(onUnauthorized, reload);
  const formHeading = useFormHeading();
  const [form, setForm] = useState<SiteForm>(EMPTY_FORM);
  const [editing, setEditing] = useState<AdminSite | null>(null);
  const [nameMissing, setNameMissing] = useState(false);
  const [disabling, setDisabling] = useState<AdminSite | null>(null);
  /** The site whose clerk PIN is being set, and the PIN typed so far. */
  const [pinSite, setPinSite] = useState<AdminSite | null>(null);
  const [pin, setPin] = useState('');
  const [pinInvalid, setPinInvalid] = useState(false);

  const stopEditing = () => {
    setEditing(null);
    setForm(EMPTY_FORM);
  };
  const submit = () => {
    setNameMissing(form.name.trim() === '');
    if (form.name.trim() === '') return;
    void change(async () => {
      const init = { method: editing ? 'PATCH' : 'POST', body: JSON.stringify(form) };
      await request(token, editing ? `/admin/sites/${encodeURIComponent(editing.id)}` : '/admin/sites', AdminSiteResponse, init);
      stopEditing();
    });
  };
  const setActive = (site: AdminSite, active: boolean) => {
    setDisabling(null);
    void change(async () => {
      await request(token, `/admin/sites/${encodeURIComponent(site.id)}`, AdminSiteResponse, { method: 'PATCH', body: JSON.stringify({ active }) });
    });
  };

  const closePin = () => {
    setPinSite(null);
    setPin('');
    setPinInvalid(false);
  };
  /** A new PIN (`null`: removed) for the site being edited. */
  const saveClerkPin = (site: AdminSite, next: string | null) => {
    const invalid = next !== null && !ClerkPin.safeParse(next).success;
    setPinInvalid(invalid);
    if (invalid) return;
    void change(async () => {
      const path = `/admin/sites/${encodeURIComponent(site.id)}/clerk-pin`;
      await request(token, path, AdminSiteResponse, next === null ? { method: 'DELETE' } : { method: 'PUT', body: JSON.stringify({ pin: next }) });
      closePin();
    });
  };

  return (
    <section aria-labelledby="sites-heading" className="admin-screen">
      <h1 id="sites-heading">{t.admin.sites.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      <ChangeOutcome state={state} testId="sites" />
      {loaded.status === 'ready' ? (
        <>
          <form
            className="panel admin-form"
            aria-labelledby="site-form-heading"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              submit();
            }}
          >
            <h2 id="site-form-heading" ref={formHeading.heading} tabIndex={-1}>
              {editing ? t.admin.sites.editing(editing.name) : t.admin.sites.add}
            </h2>
            <div className="admin-form-row">
              <Field id="site-name" label={t.admin.sites.name} hint={t.admin.sites.nameHint} error={nameMissing ? t.admin.required : null}>
                {(describedBy, invalid) => (
                  <input
                    id="site-name"
                    value={form.name}
                    maxLength={100}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setForm({ ...form, name: event.target.value })}
                    data-testid="site-name"
                  />
                )}
              </Field>
              <Field id="site-kind" label={t.admin.sites.kind}>
                {() => (
                  <select id="site-kind" value={form.kind} onChange={(event) => setForm({ ...form, kind: SiteKind.parse(event.target.value) })} data-testid="site-kind">
                    {SiteKind.options.map((kind) => (
                      <option key={kind} value={kind}>
                        {t.admin.sites.kinds[kind]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field id="site-description" label={t.admin.sites.description} hint={t.admin.sites.descriptionHint}>
                {(describedBy) => (
                  <textarea
                    id="site-description"
                    rows={2}
                    maxLength={500}
                    value={form.description}
                    aria-describedby={describedBy}
                    onChange={(event) => setForm({ ...form, description: event.target.value })}
                    data-testid="site-description"
                  />
                )}
              </Field>
            </div>
            <div className="admin-form-actions">
              <button type="submit" className="button button-primary" disabled={state.status === 'running'} data-testid="site-save">
                {editing ? t.admin.save : t.admin.sites.add}
              </button>
              {editing ? (
                <button type="button" className="button" onClick={stopEditing}>
                  {t.admin.cancelEdit}
                </button>
              ) : null}
            </div>
          </form>
          {pinSite ? (
            <form
              className="panel admin-form"
              aria-labelledby="clerk-pin-heading"
              noValidate
              onSubmit={(event) => {
                event.preventDefault();
                saveClerkPin(pinSite, pin);
              }}
            >
              <h2 id="clerk-pin-heading">{t.admin.sites.clerkPinTitle(pinSite.name)}</h2>
              <p>{t.admin.sites.clerkPinIntro}</p>
              <Field id="clerk-pin" label={t.admin.sites.clerkPinLabel} hint={t.admin.sites.clerkPinHint} error={pinInvalid ? t.admin.sites.clerkPinInvalid : null}>
                {(describedBy, invalid) => (
                  <input
                    id="clerk-pin"
                    type="password"
                    inputMode="numeric"
                    autoComplete="new-password"
                    maxLength={8}
                    value={pin}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) => setPin(event.target.value.trim())}
                    data-testid="clerk-pin-input"
                  />
                )}
              </Field>
              <div className="admin-form-actions">
                <button type="submit" className="button button-primary" disabled={state.status === 'running'} data-testid="clerk-pin-save">
                  {t.admin.save}
                </button>
                {pinSite.clerkPinSet ? (
                  <button type="button" className="button button-warning" disabled={state.status === 'running'} onClick={() => saveClerkPin(pinSite, null)} data-testid="clerk-pin-remove">
                    {t.admin.sites.clerkPinRemove}
                  </button>
                ) : null}
                <button type="button" className="button" onClick={closePin}>
                  {t.admin.cancelEdit}
                </button>
              </div>
            </form>
          ) : null}
          <h2>{t.admin.sites.list}</h2>
          {loaded.data.sites.length === 0 ? <p>{t.admin.sites.empty}</p> : null}
          <table className="data-table" data-testid="sites-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th key={column} scope="col">
                    {t.admin.sites.column[column]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loaded.data.sites.map((site) => (
                <tr key={site.id} data-testid="site-row" data-name={site.name} data-active={site.active}>
                  <td id={`site-${site.id}-name`}>{site.name}</td>
                  <td>{t.admin.sites.kinds[site.kind]}</td>
                  <td className="admin-description">{site.description}</td>
                  <td className="number">{site.devices}</td>
                  <td data-testid="site-clerk-pin" data-set={site.clerkPinSet}>
                    {site.clerkPinSet ? t.admin.sites.clerkPinSet : <span className="warning-badge">{t.admin.sites.clerkPinMissing}</span>}
                  </td>
                  <td>
                    <ActiveStatus active={site.active} />
                  </td>
                  <td className="device-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-describedby={`site-${site.id}-name`}
                      onClick={() => {
                        setEditing(site);
                        setNameMissing(false);
                        setForm({ name: site.name, kind: site.kind, description: site.description });
                        reset();
                        formHeading.show();
                      }}
                      data-testid="site-edit"
                    >
                      {t.admin.edit}
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      aria-describedby={`site-${site.id}-name`}
                      onClick={() => {
                        closePin();
                        setPinSite(site);
                        reset();
                      }}
                      data-testid="site-clerk-pin-edit"
                    >
                      {site.clerkPinSet ? t.admin.sites.clerkPinChange : t.admin.sites.clerkPinSetAction}
                    </button>
                    {site.active ? (
                      <button type="button" className="button button-small button-warning" aria-describedby={`site-${site.id}-name`} onClick={() => setDisabling(site)} data-testid="site-disable">
                        {t.admin.disable}
                      </button>
                    ) : (
                      <button type="button" className="button button-small" aria-describedby={`site-${site.id}-name`} onClick={() => setActive(site, true)} data-testid="site-enable">
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
          title={t.admin.sites.disableTitle(disabling.name)}
          warning={t.admin.sites.disableWarning}
          confirmLabel={t.admin.disable}
          cancelLabel={t.admin.cancel}
          onConfirm={() => setActive(disabling, false)}
          onCancel={() => setDisabling(null)}
        />
      ) : null}
    </section>
  );
}

import { useEffect, useRef, useState } from 'react';
import QRCode from 'qrcode';
import {
  AdminDevicesResponse,
  IssueDeviceTokenResponse,
  PairingCodeResponse,
  ReissueDeviceTokenResponse,
  RevokeDeviceResponse,
  type AdminDevice,
  type DeviceProfile,
} from '@madoguchi/protocol';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { request } from '../api.ts';
import { useAction } from './useAction.ts';
import { useLoad } from './useLoad.ts';

interface DevicesScreenProps {
  token: string;
  onUnauthorized(): void;
}

const COLUMNS = ['site', 'name', 'status', 'lastSeen', 'registered', 'actions'] as const;

/** A token the server issued: shown once, for the admin to enter on the tablet. */
interface IssuedToken {
  device: DeviceProfile;
  token: string;
}

/** The new token, once: copy it, and the plain warning that it will not be shown again. */
function TokenPanel({ issued, onClose }: { issued: IssuedToken; onClose(): void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setCopied(null);
    heading.current?.focus(); // a screen reader hears the warning before anything else
  }, [issued]);
  const copy = () =>
    navigator.clipboard.writeText(issued.token).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  return (
    <section className="panel token-panel" aria-labelledby="device-token-heading" data-testid="device-token">
      <h2 id="device-token-heading" ref={heading} tabIndex={-1}>
        {t.devices.tokenTitle(issued.device.site.name, issued.device.name)}
      </h2>
      <p className="token-warning">{t.devices.tokenWarning}</p>
      <label className="token-field">
        {t.devices.token}
        <textarea readOnly rows={3} className="mono" value={issued.token} data-testid="device-token-value" onFocus={(event) => event.target.select()} />
      </label>
      <div className="token-actions">
        <button type="button" className="button button-primary" onClick={() => void copy()} data-testid="device-token-copy">
          {t.devices.copy}
        </button>
        <button type="button" className="button" onClick={onClose} data-testid="device-token-close">
          {t.devices.tokenDone}
        </button>
        <span role="status">{copied === 'yes' ? t.devices.copied : copied === 'failed' ? t.devices.copyFailed : ''}</span>
      </div>
    </section>
  );
}

/**
 * A one-time pairing code for a tablet: 8 digits for the clerk to type on /kiosk/, and a QR code of
 * /kiosk/#pair=<code> for a tablet with a camera to open. Good once, for 10 minutes.
 */
function PairingCodePanel({ pairing, onClose }: { pairing: PairingCodeResponse; onClose(): void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const [qr, setQr] = useState<string | null>(null);
  const address = `${window.location.origin}/kiosk/#pair=${pairing.code}`;
  useEffect(() => {
    heading.current?.focus();
    let current = true;
    QRCode.toDataURL(address, { margin: 1, width: 220 }).then(
      (url) => current && setQr(url),
      () => current && setQr(null),
    );
    return () => {
      current = false;
    };
  }, [address]);
  return (
    <section className="panel token-panel" aria-labelledby="pairing-code-heading" data-testid="pairing-code">
      <h2 id="pairing-code-heading" ref={heading} tabIndex={-1}>
        {t.devices.pairingTitle(pairing.device.site.name, pairing.device.name)}
      </h2>
      <p className="pairing-code mono" data-testid="pairing-code-value" aria-label={pairing.code.split('').join(' ')}>
        {pairing.code.slice(0, 4)} {pairing.code.slice(4)}
      </p>
      <p>{t.devices.pairingHint(t.format.time(pairing.expiresAt))}</p>
      {qr ? <img className="pairing-qr" src={qr} width={220} height={220} alt={t.devices.pairingQr} data-testid="pairing-code-qr" /> : null}
      <div className="token-actions">
        <button type="button" className="button" onClick={onClose} data-testid="pairing-code-close">
          {t.devices.tokenDone}
        </button>
      </div>
    </section>
  );
}

/** 端末管理 (admins): every tablet, registering one, re-pairing one with a new token, revoking one. */
export function DevicesScreen({ token, onUnauthorized }: DevicesScreenProps) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad('devices', () => request(token, '/admin/devices', AdminDevicesResponse), onUnauthorized);
  const action = useAction(onUnauthorized);
  const [registration, setRegistration] = useState({ siteId: '', name: '' });
  const [nameMissing, setNameMissing] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [pairing, setPairing] = useState<PairingCodeResponse | null>(null);
  const [confirming, setConfirming] = useState<{ change: 'reissue' | 'revoke'; device: AdminDevice } | null>(null);

  const sites = loaded.status === 'ready' ? loaded.data.sites : [];
  const siteId = registration.siteId || (sites[0]?.id ?? '');

  /** A change, then the list again (online, revoked and the new tablet come from the server). */
  const change = async (send: () => Promise<void>) => {
    if (await action.run(send)) reload();
  };
  const register = () => {
    const name = registration.name.trim();
    setNameMissing(name === '');
    if (!name) return;
    void change(async () => {
      setPairing(null);
      setIssued(await request(token, '/admin/devices', IssueDeviceTokenResponse, { method: 'POST', body: JSON.stringify({ siteId, name }) }));
      setRegistration({ siteId, name: '' });
    });
  };
  const confirmed = () => {
    if (!confirming) return;
    const { change: which, device } = confirming;
    setConfirming(null);
    const path = `/admin/devices/${encodeURIComponent(device.id)}`;
    void change(async () => {
      if (which === 'reissue') setIssued(await request(token, `${path}/token`, ReissueDeviceTokenResponse, { method: 'POST' }));
      else await request(token, `${path}/revoke`, RevokeDeviceResponse, { method: 'POST' });
    });
  };

  return (
    <section aria-labelledby="devices-heading">
      <h1 id="devices-heading">{t.devices.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {issued ? <TokenPanel issued={issued} onClose={() => setIssued(null)} /> : null}
      {pairing ? <PairingCodePanel pairing={pairing} onClose={() => setPairing(null)} /> : null}
      {action.state.status === 'failed' ? (
        <p role="alert" className="form-error" data-testid="devices-failed">
          {action.state.refusal ? t.supervisor.refused(action.state.refusal) : t.devices.failed}
        </p>
      ) : null}
      {loaded.status === 'ready' ? (
        <>
          <form
            className="filters"
            aria-label={t.devices.register}
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              register();
            }}
          >
            <label>
              {t.devices.site}
              <select value={siteId} onChange={(event) => setRegistration({ ...registration, siteId: event.target.value })} data-testid="device-site">
                {sites.map((site) => (
                  <option key={site.id} value={site.id}>
                    {site.name}
                  </option>
                ))}
              </select>
            </label>
            <div className="form-field">
              <label htmlFor="device-name">{t.devices.name}</label>
              <input
                id="device-name"
                className="device-name-input"
                type="text"
                maxLength={100}
                value={registration.name}
                placeholder={t.devices.nameHint}
                aria-invalid={nameMissing ? true : undefined}
                aria-describedby={nameMissing ? 'device-name-error' : undefined}
                onChange={(event) => setRegistration({ ...registration, name: event.target.value })}
                data-testid="device-name"
              />
              {nameMissing ? (
                <span id="device-name-error" className="field-error">
                  {t.devices.nameRequired}
                </span>
              ) : null}
            </div>
            <button type="submit" className="button button-primary" disabled={action.state.status === 'running'} data-testid="device-register">
              {t.devices.register}
            </button>
          </form>
          <div className="records-toolbar">
            <h2>{t.devices.list}</h2>
            <button type="button" className="button button-small" onClick={reload}>
              {t.devices.refresh}
            </button>
          </div>
          {loaded.data.devices.length === 0 ? <p>{t.devices.empty}</p> : null}
          {loaded.data.devices.length > 0 ? (
            <table className="data-table" data-testid="devices-table">
              <thead>
                <tr>
                  {COLUMNS.map((column) => (
                    <th key={column} scope="col">
                      {t.devices.column[column]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {loaded.data.devices.map((device) => {
                  const status = device.revokedAt ? 'revoked' : device.online ? 'online' : 'offline';
                  return (
                    <tr key={device.id} data-testid="device-row" data-device-id={device.id} data-status={status}>
                      <td>{device.site.name}</td>
                      <td id={`device-${device.id}-name`}>{device.name}</td>
                      <td>
                        <span className={`device-status device-${status}`}>
                          <span className="dot" aria-hidden="true" />
                          {t.devices.status[status]}
                        </span>
                      </td>
                      <td>{device.lastSeenAt ? t.format.dateTime(device.lastSeenAt) : t.devices.neverSeen}</td>
                      <td>{t.format.dateTime(device.createdAt)}</td>
                      {/* Each button names its tablet to a screen reader through the name cell. */}
                      <td className="device-actions">
                        <button
                          type="button"
                          className="button button-small button-primary"
                          aria-describedby={`device-${device.id}-name`}
                          onClick={() =>
                            void change(async () => {
                              setIssued(null);
                              setPairing(await request(token, `/admin/devices/${encodeURIComponent(device.id)}/pairing-code`, PairingCodeResponse, { method: 'POST' }));
                            })
                          }
                          data-testid="device-pairing-code"
                        >
                          {t.devices.pairingCode}
                        </button>
                        {(device.revokedAt ? (['reissue'] as const) : (['reissue', 'revoke'] as const)).map((change) => (
                          <button
                            key={change}
                            type="button"
                            className={change === 'revoke' ? 'button button-small button-warning' : 'button button-small'}
                            aria-describedby={`device-${device.id}-name`}
                            onClick={() => setConfirming({ change, device })}
                            data-testid={`device-${change}`}
                          >
                            {t.devices[change]}
                          </button>
                        ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={(confirming.change === 'reissue' ? t.devices.reissueTitle : t.devices.revokeTitle)(confirming.device.name)}
          warning={confirming.change === 'reissue' ? t.devices.reissueWarning : t.devices.revokeWarning}
          confirmLabel={confirming.change === 'reissue' ? t.devices.reissueConfirm : t.devices.revokeConfirm}
          cancelLabel={t.devices.cancel}
          onConfirm={confirmed}
          onCancel={() => setConfirming(null)}
        />
      ) : null}
    </section>
  );
}

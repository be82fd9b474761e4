import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { GUEST_PAGE_PATH, GuestKind, type CallGuest } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';

interface GuestPanelProps {
  client: ProtocolClient | null;
  consultationId: string;
  /** The call's guests as the server last said (call:guests). */
  guests: readonly CallGuest[];
}

interface IssuedLink {
  guestId: string;
  url: string;
  expiresAt: string;
}

/**
 * ゲストを招待: the operator picks who (通訳 / 手話通訳 / 家族 / 関係機関) and gets a one-time link to
 * copy or show as a QR code; the guests of the call are listed with what can be done to each —
 * 参加を許可 / 断る in the lobby, 退出させる in the call, 書類の映像を見せる (off by default: the
 * server gives a guest no document picture unless this is on).
 */
export function GuestPanel({ client, consultationId, guests }: GuestPanelProps) {
  const { t } = useI18n();
  const [kind, setKind] = useState<GuestKind>('interpreter');
  const [issuing, setIssuing] = useState(false);
  const [issued, setIssued] = useState<IssuedLink | null>(null);
  const [failed, setFailed] = useState(false);
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const [showQr, setShowQr] = useState(false);
  const [qr, setQr] = useState<string | null>(null);

  useEffect(() => {
    if (!issued || !showQr) return;
    let current = true;
    QRCode.toDataURL(issued.url, { margin: 1, width: 200 }).then(
      (url) => current && setQr(url),
      () => current && setQr(null),
    );
    return () => {
      current = false;
    };
  }, [issued, showQr]);

  // The link is shown until its guest asks to join (or it is withdrawn or lapses).
  const issuedGuest = issued ? guests.find((guest) => guest.guestId === issued.guestId) : undefined;
  const shownLink = issued && issuedGuest?.state === 'invited' ? issued : null;

  const run = async (request: () => Promise<unknown>) => {
    setFailed(false);
    try {
      await request();
    } catch (error) {
      console.warn('[guests] request failed:', error);
      setFailed(true);
    }
  };

  const invite = () => {
    if (!client) return;
    setIssuing(true);
    setCopy(null);
    setShowQr(false);
    setQr(null);
    void run(async () => {
      const link = await client.request('guest:invite', { consultationId, kind });
      setIssued({ guestId: link.guestId, url: `${location.origin}${GUEST_PAGE_PATH}#t=${link.token}`, expiresAt: link.expiresAt });
    }).finally(() => setIssuing(false));
  };

  const act = (event: 'guest:admit' | 'guest:refuse' | 'guest:remove', guestId: string) => {
    if (client) void run(() => client.request(event, { consultationId, guestId }));
  };

  const copyLink = () => {
    if (!issued) return;
    navigator.clipboard.writeText(issued.url).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };

  const waiting = guests.filter((guest) => guest.state === 'waiting');

  return (
    <section className="guest-panel" aria-labelledby="guest-panel-heading" data-testid="guest-panel">
      <h3 id="guest-panel-heading">{t.guests.heading}</h3>
      {waiting.map((guest) => (
        <p className="notice notice-info guest-waiting-alert" role="alert" key={guest.guestId}>
          {t.guests.waitingAlert(t.guests.kind[guest.kind] ?? guest.kind)}
        </p>
      ))}
      <div className="guest-invite">
        <label className="routing-target">
          {t.guests.kindLabel}
          <select value={kind} data-testid="guest-kind" onChange={(event) => setKind(GuestKind.parse(event.target.value))}>
            {GuestKind.options.map((option) => (
              <option key={option} value={option}>
                {t.guests.kind[option]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" data-testid="guest-invite" disabled={!client || issuing} onClick={invite}>
          {issuing ? t.guests.inviting : t.guests.invite}
        </button>
      </div>
      {shownLink ? (
        <div className="guest-link" data-testid="guest-link">
          <label className="guest-link-field">
            {t.guests.link}
            <input readOnly value={shownLink.url} data-testid="guest-link-url" onFocus={(event) => event.target.select()} />
          </label>
          <p className="hint">{t.guests.linkHint(t.format.time(shownLink.expiresAt))}</p>
          <div className="routing-actions">
            <button type="button" className="button button-small" data-testid="guest-link-copy" onClick={copyLink}>
              {t.guests.copy}
            </button>
            <button type="button" className="button button-small" data-testid="guest-link-qr" aria-expanded={showQr} onClick={() => setShowQr((shown) => !shown)}>
              {showQr ? t.guests.hideQr : t.guests.showQr}
            </button>
            <button type="button" className="button button-small" onClick={() => setIssued(null)}>
              {t.guests.closeLink}
            </button>
          </div>
          {copy ? (
            <p className="hint" role="status">
              {copy === 'copied' ? t.guests.copied : t.guests.copyFailed}
            </p>
          ) : null}
          {showQr && qr ? <img className="guest-qr" src={qr} width={200} height={200} alt={t.guests.qr} data-testid="guest-link-qr-image" /> : null}
        </div>
      ) : null}
      {failed ? (
        <p className="still-error" role="alert">
          {t.guests.failed}
        </p>
      ) : null}
      {guests.length > 0 ? (
        <ul className="guest-list" aria-label={t.guests.list} data-testid="guest-list">
          {guests.map((guest) => (
            <li key={guest.guestId} className="guest-row" data-testid={`guest-${guest.state}`} data-guest-id={guest.guestId}>
              <div className="guest-who">
                <strong>{t.guests.kind[guest.kind]}</strong>
                {guest.name ? <span className="guest-name">{guest.name}</span> : null}
                <span className="guest-state">{t.guests.state[guest.state]}</span>
              </div>
              <div className="routing-actions">
                {guest.state === 'waiting' ? (
                  <>
                    <button type="button" className="button button-small button-primary" data-testid="guest-admit" onClick={() => act('guest:admit', guest.guestId)}>
                      {t.guests.admit}
                    </button>
                    <button type="button" className="button button-small" data-testid="guest-refuse" onClick={() => act('guest:refuse', guest.guestId)}>
                      {t.guests.refuse}
                    </button>
                  </>
                ) : (
                  <button type="button" className="button button-small" data-testid="guest-remove" onClick={() => act('guest:remove', guest.guestId)}>
                    {guest.state === 'admitted' ? t.guests.remove : t.guests.withdraw}
                  </button>
                )}
              </div>
              <label className="guest-documents" title={t.guests.documentsHint}>
                <input
                  type="checkbox"
                  data-testid="guest-documents"
                  checked={guest.documentsAllowed}
                  onChange={(event) => {
                    const allowed = event.target.checked;
                    if (client) void run(() => client.request('guest:documents', { consultationId, guestId: guest.guestId, allowed }));
                  }}
                />
                {t.guests.documents}
              </label>
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">{t.guests.none}</p>
      )}
    </section>
  );
}

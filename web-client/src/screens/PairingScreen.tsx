import { useEffect, useState, type FormEvent } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { useI18n, type Messages } from '../i18n.ts';
import type { PairingError } from '../kioskState.ts';
import { pairingCodeIn } from '../pairingToken.ts';

const ERROR_TEXT: Record<PairingError, (t: Messages) => string> = {
  empty: (t) => t.pairErrorEmpty,
  invalid: (t) => t.pairErrorInvalid,
  invalidCode: (t) => t.pairErrorInvalidCode,
  tooManyAttempts: (t) => t.pairErrorTooManyAttempts,
  revoked: (t) => t.pairErrorRevoked,
  network: (t) => t.pairErrorNetwork,
  insecure: (t) => t.pairErrorInsecure,
};

interface PairingScreenProps {
  error: PairingError | null;
  checking: boolean;
  onSubmit(token: string): void;
}

/**
 * First run: the clerk types the 8-digit pairing code the admin's 端末管理 shows (or opens the QR code's
 * address, which fills it in), or IT staff pastes the device token (alone, or the tokens file's line).
 */
export function PairingScreen({ error, checking, onSubmit }: PairingScreenProps) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const insecure = !window.isSecureContext;

  // The QR code in 端末管理 opens /kiosk/#pair=12345678: pair with that code at once, and drop it from
  // the address so that a reload does not send a used code again.
  useEffect(() => {
    const code = pairingCodeIn(new URLSearchParams(window.location.hash.slice(1)).get('pair') ?? '');
    if (!code) return;
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    setToken(code);
    onSubmit(code);
  }, [onSubmit]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(token);
  };

  return (
    <div className="screen" data-testid="pairing-screen">
      <TopBar />
      <main className="screen__body screen__body--center">
        <form className="pairing" onSubmit={submit}>
          <h1 className="heading">{t.pairTitle}</h1>
          <p className="lead">{t.pairIntro}</p>
          <label className="field">
            <span className="field__label">{t.pairTokenLabel}</span>
            <textarea
              className="field__input pairing__token"
              data-testid="pair-token"
              value={token}
              onChange={(event) => setToken(event.target.value)}
              rows={4}
              spellCheck={false}
              autoCapitalize="off"
              autoComplete="off"
              autoCorrect="off"
              aria-invalid={error !== null}
              aria-describedby={error ? 'pair-error' : undefined}
            />
          </label>
          {insecure && error !== 'insecure' && (
            <p className="message message--error" role="alert" data-testid="pair-insecure">
              {t.pairErrorInsecure}
            </p>
          )}
          {error && (
            <p id="pair-error" className="message message--error" role="alert" data-testid="pair-error">
              {ERROR_TEXT[error](t)}
            </p>
          )}
          <button type="submit" className="button button--primary" data-testid="pair-submit" disabled={checking}>
            {checking ? t.pairChecking : t.pairSubmit}
          </button>
        </form>
      </main>
    </div>
  );
}

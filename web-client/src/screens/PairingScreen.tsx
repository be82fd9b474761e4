import { useState, type FormEvent } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { useI18n, type Messages } from '../i18n.ts';
import type { PairingError } from '../kioskState.ts';
import { extractToken } from '../pairingToken.ts';

const ERROR_TEXT: Record<PairingError, (t: Messages) => string> = {
  empty: (t) => t.pairErrorEmpty,
  invalid: (t) => t.pairErrorInvalid,
  revoked: (t) => t.pairErrorRevoked,
  network: (t) => t.pairErrorNetwork,
};

interface PairingScreenProps {
  error: PairingError | null;
  checking: boolean;
  onSubmit(token: string): void;
}

/** First run: the clerk or IT staff enters the device token once (alone, or the tokens file's whole line). */
export function PairingScreen({ error, checking, onSubmit }: PairingScreenProps) {
  const { t } = useI18n();
  const [token, setToken] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(extractToken(token));
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

import { useState, type FormEvent } from 'react';
import { HelpButton, HelpStatusBanner, type HelpControl } from '../components/HelpCall.tsx';
import { TopBar } from '../components/TopBar.tsx';
import { useI18n } from '../i18n.ts';

const CODE = /^\d{6}$/;

interface ReservationCodeScreenProps {
  siteName: string;
  checking: boolean;
  /** The server knows no booking of today at this site with the code typed. */
  notFound: boolean;
  online: boolean;
  help: HelpControl;
  onSubmit(code: string): void;
  onCancel(): void;
}

/** 予約の方: the resident types the six digits of their booking; the server says which department it is for. */
export function ReservationCodeScreen({ siteName, checking, notFound, online, help, onSubmit, onCancel }: ReservationCodeScreenProps) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState(false);
  const digits = code.replace(/\s/g, '');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!CODE.test(digits)) return setInvalid(true);
    setInvalid(false);
    onSubmit(digits);
  };
  const error = invalid ? t.reservationInvalid : notFound ? t.reservationNotFound : null;

  return (
    <div className="screen" data-testid="reservation-code-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body screen__body--center">
        <HelpStatusBanner help={help} />
        <form className="pairing" onSubmit={submit}>
          <h1 className="heading">{t.reservationTitle}</h1>
          <p className="lead">{t.reservationHint}</p>
          <label className="field">
            <span className="field__label">{t.reservationCodeLabel}</span>
            <input
              className="field__input reservation-code__input"
              data-testid="reservation-code"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              inputMode="numeric"
              autoComplete="off"
              maxLength={8}
              aria-invalid={error !== null}
              aria-describedby={error ? 'reservation-error' : undefined}
            />
          </label>
          {error && (
            <p id="reservation-error" className="message message--error" role="alert" data-testid="reservation-error">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary" data-testid="reservation-submit" disabled={checking || !online}>
            {checking ? t.reservationChecking : t.reservationSubmit}
          </button>
          <button type="button" className="button button--secondary" data-testid="reservation-back" onClick={onCancel}>
            {t.back}
          </button>
        </form>
      </main>
      <footer className="screen__footer">
        <HelpButton help={help} online={online} />
      </footer>
    </div>
  );
}

import { useState } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { useI18n } from '../i18n.ts';
import type { KioskPhase } from '../kioskState.ts';
import { useSecondsUntil } from '../useSecondsSince.ts';

/** The longest clerk PIN (protocol's ClerkPin: 4–8 digits). */
const MAX_DIGITS = 8;
const MIN_DIGITS = 4;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

interface ClerkPinScreenProps {
  siteName: string;
  pad: Extract<KioskPhase, { name: 'clerkPin' }>;
  onSubmit(pin: string): void;
  onCancel(): void;
}

/** For the clerk: the PIN pad in front of the camera settings; the PIN is checked by the server. */
export function ClerkPinScreen({ siteName, pad, onSubmit, onCancel }: ClerkPinScreenProps) {
  const { t } = useI18n();
  const [digits, setDigits] = useState('');
  const lockedFor = useSecondsUntil(pad.lockedUntil);
  const locked = lockedFor > 0;
  const disabled = pad.checking || locked;

  const press = (digit: string) => setDigits((current) => (current.length < MAX_DIGITS ? current + digit : current));
  // Cleared as it is sent: a refused PIN is typed afresh.
  const submit = () => {
    if (digits.length < MIN_DIGITS || disabled) return;
    onSubmit(digits);
    setDigits('');
  };

  let message: { text: string; error: boolean } | null = null;
  if (locked) message = { text: t.clerkPinLocked(lockedFor), error: true };
  else if (pad.unreachable) message = { text: t.clerkPinUnreachable, error: true };
  else if (pad.checking) message = { text: t.clerkPinChecking, error: false };
  else if (pad.attemptsLeft !== null) message = { text: t.clerkPinWrong(pad.attemptsLeft), error: true };

  return (
    <div className="screen" data-testid="clerk-pin-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body screen__body--center clerk-pin">
        <h1 className="heading">{t.clerkPinTitle}</h1>
        <p className="lead">{t.clerkPinIntro}</p>
        <output className="clerk-pin__digits" data-testid="clerk-pin-digits" aria-label={t.clerkPinEntered(digits.length)}>
          {digits.length > 0 ? '●'.repeat(digits.length) : '\u00a0'}
        </output>
        <p className={`clerk-pin__message${message?.error ? ' message--error' : ''}`} role="status" aria-live="polite" data-testid="clerk-pin-message">
          {message?.text ?? '\u00a0'}
        </p>
        <div className="clerk-pin__pad">
          {KEYS.map((digit) => (
            <button key={digit} type="button" className="button button--secondary clerk-pin__key" data-testid={`pin-key-${digit}`} disabled={disabled} onClick={() => press(digit)}>
              {digit}
            </button>
          ))}
          <button type="button" className="button button--secondary clerk-pin__key clerk-pin__key--word" data-testid="pin-delete" disabled={disabled || digits.length === 0} onClick={() => setDigits((current) => current.slice(0, -1))}>
            {t.clerkPinDelete}
          </button>
          <button type="button" className="button button--secondary clerk-pin__key" data-testid="pin-key-0" disabled={disabled} onClick={() => press('0')}>
            0
          </button>
          <button type="button" className="button button--primary clerk-pin__key clerk-pin__key--word" data-testid="pin-submit" disabled={disabled || digits.length < MIN_DIGITS} onClick={submit}>
            {t.clerkPinSubmit}
          </button>
        </div>
        <button type="button" className="button button--secondary" data-testid="pin-cancel" onClick={onCancel}>
          {t.back}
        </button>
      </main>
    </div>
  );
}

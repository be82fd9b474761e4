import { CallbackName, PhoneNumber } from '@madoguchi/protocol';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n.ts';

interface CallbackFormProps {
  onSubmit(name: string, phone: string): Promise<void>;
  onBack(): void;
}

/**
 * 折り返し電話: a name and a phone number, nothing else. Typed values live only in this form and are
 * gone when the tablet goes home.
 */
export function CallbackForm({ onSubmit, onBack }: CallbackFormProps) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [problem, setProblem] = useState<'invalid' | 'failed' | null>(null);
  const [sending, setSending] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!CallbackName.safeParse(name).success || !PhoneNumber.safeParse(phone).success) {
      setProblem('invalid');
      return;
    }
    setSending(true);
    setProblem(null);
    onSubmit(name.trim(), phone.trim()).catch(() => {
      setSending(false);
      setProblem('failed');
    });
  };

  return (
    <form className="callback-form" onSubmit={submit} data-testid="callback-form" noValidate>
      <p className="callback-form__explain">{t.callbackExplain}</p>
      <label className="callback-form__field">
        <span>{t.callbackName}</span>
        <input value={name} onChange={(event) => setName(event.target.value)} autoComplete="off" maxLength={60} data-testid="callback-name" />
      </label>
      <label className="callback-form__field">
        <span>{t.callbackPhone}</span>
        <input
          value={phone}
          onChange={(event) => setPhone(event.target.value)}
          inputMode="tel"
          autoComplete="off"
          maxLength={20}
          data-testid="callback-phone"
        />
      </label>
      {problem ? (
        <p className="banner banner--warning" role="alert">
          {problem === 'invalid' ? t.callbackInvalid : t.callbackFailed}
        </p>
      ) : null}
      <div className="callback-form__actions">
        <button type="button" className="button button--secondary button--large" onClick={onBack} disabled={sending}>
          {t.back}
        </button>
        <button type="submit" className="button button--primary button--large" disabled={sending} data-testid="callback-submit">
          {sending ? t.callbackSending : t.callbackSubmit}
        </button>
      </div>
    </form>
  );
}

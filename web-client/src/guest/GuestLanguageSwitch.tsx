import { GUEST_LANGUAGES, useGuestI18n } from './guestI18n.ts';

/** 日本語 / English on every screen of the guest's page. */
export function GuestLanguageSwitch() {
  const { t, language, setLanguage } = useGuestI18n();
  return (
    <nav className="language-switch" aria-label={t.languageLabel}>
      {GUEST_LANGUAGES.map((option) => (
        <button
          key={option.code}
          type="button"
          lang={option.code}
          className="language-switch__option"
          aria-pressed={option.code === language}
          data-testid={`guest-language-${option.code}`}
          onClick={() => setLanguage(option.code)}
        >
          {option.label}
        </button>
      ))}
    </nav>
  );
}

import { LANGUAGES, useI18n } from '../i18n.ts';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <nav className="language-switch" aria-label={t.languageLabel}>
      {LANGUAGES.map((option) => (
        <button
          key={option.code}
          type="button"
          lang={option.code}
          className="language-switch__option"
          aria-pressed={option.code === language}
          data-testid={`language-${option.code}`}
          onClick={() => setLanguage(option.code)}
        >
          {option.label}
        </button>
      ))}
    </nav>
  );
}

import { isLanguage, LANGUAGES, useI18n } from '../i18n/index.ts';

/** 日本語 / English: a compact choice for the header, each language named in itself so its reader finds it. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <select
      className="language-switch"
      aria-label={t.languageSwitch}
      value={language}
      data-testid="language-select"
      onChange={(event) => {
        if (isLanguage(event.target.value)) setLanguage(event.target.value);
      }}
    >
      {LANGUAGES.map((option) => (
        <option key={option.code} value={option.code} lang={option.code}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

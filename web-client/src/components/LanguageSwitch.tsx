import { LANGUAGES, useI18n } from '../i18n.ts';

interface LanguageButtonsProps<Code extends string> {
  options: readonly { code: Code; label: string }[];
  current: Code;
  onChange: (code: Code) => void;
  /** The nav's accessible name, in the page's words. */
  label: string;
  /** Each button's test id is this prefix and the language's code. */
  testIdPrefix: string;
}

/** One button per language, each written in its own words; the current one pressed. Shared by the kiosk, guest and booking pages. */
export function LanguageButtons<Code extends string>({ options, current, onChange, label, testIdPrefix }: LanguageButtonsProps<Code>) {
  return (
    <nav className="language-switch" aria-label={label}>
      {options.map((option) => (
        <button
          key={option.code}
          type="button"
          lang={option.code}
          className="language-switch__option"
          aria-pressed={option.code === current}
          data-testid={`${testIdPrefix}${option.code}`}
          onClick={() => onChange(option.code)}
        >
          {option.label}
        </button>
      ))}
    </nav>
  );
}

/** The kiosk's six languages. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return <LanguageButtons options={LANGUAGES} current={language} onChange={setLanguage} label={t.languageLabel} testIdPrefix="language-" />;
}

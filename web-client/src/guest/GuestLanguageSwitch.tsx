import { LanguageButtons } from '../components/LanguageSwitch.tsx';
import { GUEST_LANGUAGES, useGuestI18n } from './guestI18n.ts';

/** 日本語 / English on every screen of the guest's page. */
export function GuestLanguageSwitch() {
  const { t, language, setLanguage } = useGuestI18n();
  return <LanguageButtons options={GUEST_LANGUAGES} current={language} onChange={setLanguage} label={t.languageLabel} testIdPrefix="guest-language-" />;
}

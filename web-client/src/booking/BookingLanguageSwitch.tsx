import { LanguageButtons } from '../components/LanguageSwitch.tsx';
import { BOOKING_LANGUAGES, useBookingI18n } from './bookingI18n.ts';

/** The six languages on every screen of the booking page, each in its own words. */
export function BookingLanguageSwitch() {
  const { t, language, setLanguage } = useBookingI18n();
  return <LanguageButtons options={BOOKING_LANGUAGES} current={language} onChange={setLanguage} label={t.languageLabel} testIdPrefix="booking-language-" />;
}

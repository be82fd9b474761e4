import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { DEFAULT_LANGUAGE, I18nContext, isLanguage, messagesFor, type I18n, type Language } from './index.ts';

/** Each staff PC keeps its own choice, across logins and operators. */
const STORAGE_KEY = 'madoguchi.console.language';

function storedLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE; // storage disabled
  }
}

/**
 * The language of everything below it. Switching re-renders in place (no reload), so a call in
 * progress goes on; the page's `<html lang>` follows for screen readers and fonts.
 */
export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguage] = useState(storedLanguage);
  const i18n = useMemo<I18n>(() => ({ language, t: messagesFor(language), setLanguage }), [language]);

  useEffect(() => {
    document.documentElement.lang = language;
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // Storage disabled: the choice lasts until the page is reloaded.
    }
  }, [language]);

  return <I18nContext.Provider value={i18n}>{children}</I18nContext.Provider>;
}

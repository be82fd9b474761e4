import { createContext, useContext } from 'react';
import { en } from './en.ts';
import { ja, type Messages } from './ja.ts';

export type { Messages };

/**
 * The console's languages: Japanese (the reference, and where every browser starts) and English.
 * To add one, write its dictionary as `Messages` (the compiler then asks for every string) and list it here.
 */
export const LANGUAGES = [
  { code: 'ja', label: '日本語', messages: ja },
  { code: 'en', label: 'English', messages: en },
] as const satisfies readonly { code: string; label: string; messages: Messages }[];

export type Language = (typeof LANGUAGES)[number]['code'];
export const DEFAULT_LANGUAGE: Language = 'ja';

export function isLanguage(code: unknown): code is Language {
  return LANGUAGES.some((language) => language.code === code);
}

export function messagesFor(language: Language): Messages {
  return LANGUAGES.find((entry) => entry.code === language)!.messages;
}

export interface I18n {
  language: Language;
  t: Messages;
  setLanguage(language: Language): void;
}

export const I18nContext = createContext<I18n>({ language: DEFAULT_LANGUAGE, t: ja, setLanguage: () => {} });

/** The current language's strings and formats (`t`), and the switch. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}

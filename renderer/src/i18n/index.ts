// Every string the console shows comes from one catalog per language (i18next). English is the
// reference: the Spanish catalog must have the same keys (the type says so, and a test checks the
// interpolations too). The operator's choice is kept in this browser/app profile.
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { en } from './en.ts';
import { es } from './es.ts';

export const languages = [
  { id: 'en', name: 'English' },
  { id: 'es', name: 'Español' },
] as const;
export type Language = (typeof languages)[number]['id'];

const STORAGE_KEY = 'pakit.language';
const isLanguage = (value: string | null | undefined): value is Language => languages.some((language) => language.id === value);

/** The operator's last choice, else the first browser language we have, else English. */
function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  const preferred = (globalThis.navigator?.languages ?? []).map((tag) => tag.slice(0, 2).toLowerCase()).find(isLanguage);
  return preferred ?? 'en';
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  // React escapes what it renders; escaping here too would show &amp; to the operator.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
document.documentElement.lang = i18next.language;

export function setLanguage(language: Language): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

/** The catalog's translate function, typed by the English catalog's keys. */
export const useT = () => useTranslation().t;
export const t = i18next.t.bind(i18next);

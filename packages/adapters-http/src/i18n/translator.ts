import { createInstance, i18n } from 'i18next';
import { MessageParams } from '@iris/domain';
import { de } from './de';
import { en } from './en';
import { zh } from './zh';

/** Catalogs by language tag. English is the fallback and the reference for the keys. */
export const MESSAGE_CATALOGS: Record<string, Record<string, string>> = { en, zh, de };

export interface Translator {
  translate(key: string, params: MessageParams, acceptLanguage: string | undefined): string;
}

/** Returns the supported language that the Accept-Language header rates highest. */
export function pickLanguage(header: string | undefined, supported: string[]): string {
  if (header === undefined) return 'en';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim().toLowerCase(), quality: q === undefined ? 1 : Number(q.slice(2)), index };
    })
    .filter((item) => item.tag !== '' && item.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);

  for (const { tag } of ranked) {
    const exact = supported.find((language) => language.toLowerCase() === tag);
    if (exact !== undefined) return exact;
    const primary = supported.find((language) => language.toLowerCase() === tag.split('-')[0]);
    if (primary !== undefined) return primary;
  }
  return 'en';
}

/** Translates message keys with i18next, falling back to English. */
export class I18nextTranslator implements Translator {
  private readonly i18n: i18n;
  private readonly languages: string[];

  constructor(catalogs: Record<string, Record<string, string>> = MESSAGE_CATALOGS) {
    this.languages = Object.keys(catalogs);
    this.i18n = createInstance();
    void this.i18n.init({
      initAsync: false,
      fallbackLng: 'en',
      supportedLngs: this.languages,
      interpolation: { escapeValue: false },
      resources: Object.fromEntries(
        Object.entries(catalogs).map(([language, messages]) => [language, { translation: messages }]),
      ),
    });
  }

  translate(key: string, params: MessageParams, acceptLanguage: string | undefined): string {
    const lng = pickLanguage(acceptLanguage, this.languages);
    return this.i18n.t(key, { ...params, lng, defaultValue: key });
  }
}

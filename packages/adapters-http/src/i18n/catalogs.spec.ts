import { en } from './en';
import { I18nextTranslator, MESSAGE_CATALOGS, pickLanguage } from './translator';

const TRANSLATIONS = Object.entries(MESSAGE_CATALOGS).filter(([language]) => language !== 'en');
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(PLACEHOLDER)].map((match) => match[1]))].sort();
}

describe('message catalogs', () => {
  it('ships Chinese and one more language', () => {
    expect(Object.keys(MESSAGE_CATALOGS)).toEqual(expect.arrayContaining(['en', 'zh', 'de']));
  });

  it.each(TRANSLATIONS)('%s translates every English key', (_language, catalog) => {
    const missing = Object.keys(en).filter((key) => !Object.hasOwn(catalog, key));
    expect(missing).toEqual([]);
  });

  it.each(TRANSLATIONS)('%s has no key English lacks', (_language, catalog) => {
    const extra = Object.keys(catalog).filter((key) => !Object.hasOwn(en, key));
    expect(extra).toEqual([]);
  });

  it.each(TRANSLATIONS)('%s keeps the placeholders', (_language, catalog) => {
    const changed = Object.keys(en)
      .filter((key) => Object.hasOwn(catalog, key))
      .filter((key) => placeholders(catalog[key]).join() !== placeholders(en[key]).join());
    expect(changed).toEqual([]);
  });

  it.each(Object.entries(MESSAGE_CATALOGS))('%s has no empty message', (_language, catalog) => {
    const empty = Object.entries(catalog).filter(([, message]) => message.trim() === '');
    expect(empty).toEqual([]);
  });
});

describe('pickLanguage', () => {
  const supported = Object.keys(MESSAGE_CATALOGS);

  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh', 'zh'],
    ['zh-CN', 'zh'],
    ['zh-cn,en;q=0.5', 'zh'],
    ['de-DE', 'de'],
    ['fr-FR, de;q=0.8, en;q=0.5', 'de'],
    ['en;q=0.3, zh;q=0.9', 'zh'],
    ['zh;q=0, de', 'de'],
    ['ja', 'en'],
    ['*', 'en'],
  ])('%j gives %s', (header, expected) => {
    expect(pickLanguage(header, supported)).toBe(expected);
  });
});

describe('I18nextTranslator', () => {
  const translator = new I18nextTranslator();

  it('translates with parameters', () => {
    expect(translator.translate('image_not_found', { id: 'abc' }, 'zh-CN')).toBe('找不到 ID 为 abc 的镜像');
    expect(translator.translate('image_not_found', { id: 'abc' }, 'de')).toBe('Kein Image mit der ID abc gefunden');
  });

  it('unsupported language falls back to English', () => {
    expect(translator.translate('image_not_found', { id: 'abc' }, 'ja-JP')).toBe('No image found with ID abc');
  });
});

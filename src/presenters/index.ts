/**
 * Which catalogue speaks to a person: Simplified Chinese for Discord's `zh-CN` locale, English for
 * every other (zh-TW included: it reads Traditional characters) and where no locale is known.
 */
import type { Catalogue } from './catalogue.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

/** The catalogues besides English, keyed by Discord's locale codes (name_localizations' keys). */
export const TRANSLATIONS = { 'zh-CN': zhCN } as const satisfies Record<string, Catalogue>;

export type TranslatedLocale = keyof typeof TRANSLATIONS;

/** `locale` as Discord gives it: an interaction's `locale`, a guild's `preferredLocale`; undefined in DMs. */
export function catalogueFor(locale: string | undefined): Catalogue {
  return locale !== undefined && Object.hasOwn(TRANSLATIONS, locale) ? TRANSLATIONS[locale as TranslatedLocale] : en;
}

export { en, zhCN };
export type { Catalogue };

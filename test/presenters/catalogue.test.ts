/**
 * The catalogues are complete: every key of the English one exists in every translation (the
 * compiler checks the shape; this checks the values, nested tables included), renders with its
 * example details to real text, and is translated: different from English, in Chinese
 * characters, keeping the numbers, code spans, command names and variable names it carries.
 */
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../src/presenters/catalogue.js';
import { catalogueFor, en, TRANSLATIONS, zhCN } from '../../src/presenters/index.js';
import { RENDER } from '../helpers/catalogue-examples.js';

/** Every path of nested keys down to a leaf (a function, a string, a list). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keyPaths(inner, prefix === '' ? key : `${prefix}.${key}`));
}

/** Keys whose translation is punctuation: how pieces are joined, not words. */
const JOINERS = new Set<keyof Catalogue>(['sentences', 'clauses', 'list', 'labelled']);

/** What a translation keeps as it is: numbers, `code`, /commands, VARIABLE and acronym names. */
function kept(text: string): string[] {
  return [...text.matchAll(/`[^`]+`|\/[a-z]+|\d+|\b[A-Z][A-Z0-9_]{2,}\b/g)].map((m) => m[0]).sort();
}

const HAN = /\p{Script=Han}/u;
const translations = Object.entries(TRANSLATIONS);
const keys = Object.keys(RENDER) as Array<keyof Catalogue>;

describe('the message catalogues', () => {
  it('has an example for every key of the catalogue', () => {
    expect(keys.sort()).toEqual(Object.keys(en).sort());
    expect(keys.length).toBeGreaterThan(30);
  });

  it.each(translations)('%s has every key of the English catalogue, nested ones included', (_locale, catalogue) => {
    expect(keyPaths(catalogue).sort()).toEqual(keyPaths(en).sort());
    expect(catalogue.terminalHelp).toHaveLength(en.terminalHelp.length);
  });

  it.each(keys)('%s renders as text in English', (key) => {
    const texts = RENDER[key](en);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      expect(text.trim()).not.toBe('');
      expect(text).not.toMatch(/undefined|NaN|null|\[object/);
      expect(text).not.toMatch(HAN);
    }
  });

  describe.each(translations)('%s', (_locale, catalogue) => {
    it.each(keys)('translates %s: different from English, keeping numbers, code and names', (key) => {
      const english = RENDER[key](en);
      const texts = RENDER[key](catalogue);
      expect(texts).toHaveLength(english.length);
      texts.forEach((text, i) => {
        const source = english[i] ?? '';
        expect(text.trim()).not.toBe('');
        expect(text).not.toMatch(/undefined|NaN|null|\[object/);
        expect(text, `${key} #${String(i)} is the English text`).not.toBe(source);
        if (!JOINERS.has(key)) expect(text, `${key} #${String(i)}: ${text}`).toMatch(HAN);
        expect(kept(text), `${key} #${String(i)}: ${source} → ${text}`).toEqual(kept(source));
      });
    });

    it('words each variant of a key differently where English does', () => {
      for (const key of keys) {
        const english = RENDER[key](en);
        const texts = RENDER[key](catalogue);
        english.forEach((a, i) =>
          english.forEach((b, j) => {
            if (a !== b) expect(texts[i], `${key} #${String(i)} and #${String(j)}`).not.toBe(texts[j]);
          }),
        );
      }
    });
  });

  it('chooses Simplified Chinese for zh-CN only, English for every other locale and none', () => {
    expect(catalogueFor('zh-CN')).toBe(zhCN);
    for (const locale of ['en-US', 'en-GB', 'zh-TW', 'fr', 'ja', '', undefined]) expect(catalogueFor(locale)).toBe(en);
  });
});

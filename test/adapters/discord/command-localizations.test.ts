/**
 * Every slash command, option and choice carries a name and a description for each translated
 * locale, valid by Discord's rules, as registered (the commands' own JSON).
 */
import type { APIApplicationCommandOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { en, TRANSLATIONS } from '../../../src/presenters/index.js';

/** Discord's rule for command and option names (lower case where the script has case). */
const NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const locales = Object.keys(TRANSLATIONS);
/** Discord counts a description's length in code points. */
const codePoints = (text: string): number => Array.from(text).length;
const definitions = commands.map((c) => c.data.toJSON());

type Localizations = Readonly<Partial<Record<string, string | null | undefined>>>;

interface Localized {
  name: string;
  description?: string | undefined;
  name_localizations?: Localizations | null | undefined;
  description_localizations?: Localizations | null | undefined;
}

/** Every command, option and choice, with where it is, for the messages. */
function everything(): Array<{ where: string; item: Localized; kind: 'command' | 'option' | 'choice' }> {
  const out: Array<{ where: string; item: Localized; kind: 'command' | 'option' | 'choice' }> = [];
  const options = (where: string, list: readonly APIApplicationCommandOption[] | undefined): void => {
    for (const option of list ?? []) {
      const at = `${where} ${option.name}:`;
      out.push({ where: at, item: option, kind: 'option' });
      if ('choices' in option && Array.isArray(option.choices)) {
        for (const choice of option.choices as Localized[]) out.push({ where: `${at}${choice.name}`, item: choice, kind: 'choice' });
      }
      if ('options' in option) options(at, option.options);
    }
  };
  for (const definition of definitions) {
    out.push({ where: `/${definition.name}`, item: definition, kind: 'command' });
    options(`/${definition.name}`, definition.options);
  }
  return out;
}

describe('slash command localizations', () => {
  it('covers every command and its options', () => {
    expect(definitions.map((d) => d.name).sort()).toEqual(Object.keys(en.commands).sort());
    const catalogued = Object.values(en.commands).reduce((n, words) => n + Object.keys(words.options).length, 0);
    expect(everything().filter((e) => e.kind === 'option')).toHaveLength(catalogued);
    expect(catalogued).toBeGreaterThanOrEqual(20);
  });

  it('names each command and option by its English catalogue name, as the handlers read them', () => {
    for (const definition of definitions) {
      const words = en.commands[definition.name as keyof typeof en.commands];
      expect(definition.description).toBe(words.description);
      const names = Object.values(words.options as Record<string, { name: string }>).map((o) => o.name);
      // Sub-commands' options are named in the same table as the sub-commands.
      const registered = (definition.options ?? []).flatMap((o) => [o.name, ...('options' in o ? (o.options ?? []).map((n) => n.name) : [])]);
      expect([...new Set(registered)].sort()).toEqual([...names].sort());
      expect(Object.keys(words.options)).toEqual(names);
    }
  });

  it.each(locales)('gives every command, option and choice a valid %s name and description', (locale) => {
    for (const { where, item, kind } of everything()) {
      const name = item.name_localizations?.[locale];
      expect(name, `${where} has no ${locale} name`).toBeTypeOf('string');
      if (kind === 'choice') {
        expect(codePoints(name ?? ''), where).toBeGreaterThan(0);
        expect(codePoints(name ?? ''), where).toBeLessThanOrEqual(100);
        continue;
      }
      expect(name, where).toMatch(NAME);
      expect(name, where).toBe(name?.toLowerCase());
      expect(name, where).not.toBe(item.name);
      const description = item.description_localizations?.[locale] ?? '';
      expect(codePoints(description), `${where} has no ${locale} description`).toBeGreaterThan(0);
      expect(codePoints(description), where).toBeLessThanOrEqual(100);
      expect(description, where).not.toBe(item.description);
    }
  });

  it.each(locales)('keeps %s command names unique, and option names unique within a command', (locale) => {
    const local = (item: Localized): string | null | undefined => item.name_localizations?.[locale];
    const names = definitions.map(local);
    expect(new Set(names).size).toBe(names.length);
    for (const definition of definitions) {
      const options = (definition.options ?? []).map(local);
      expect(new Set(options).size).toBe(options.length);
    }
  });
});

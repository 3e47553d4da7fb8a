/**
 * No user-facing words outside the catalogue: the Discord surface, the event handlers, the
 * commands and the terminal presenter build what they say only from src/presenters/*.ts, so a
 * sentence added there in English (or any language) fails here.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUserFacingLiterals, type Finding, scanFile } from '../helpers/user-facing-literals.js';

const root = join(import.meta.dirname, '..', '..');
const inDir = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));

/** The presenters may add only markup to the catalogue's words. */
const STRICT = [
  'src/adapters/discord/presenter.ts',
  'src/adapters/discord/reply-sink.ts',
  'src/adapters/discord/retry-sink.ts',
  'src/adapters/discord/command-builders.ts',
  'src/terminal/presenter.ts',
];
/** These pass codes and details on, and build no text of their own for a person. */
const OTHERS = ['src/adapters/discord/attachments.ts', 'src/adapters/discord/reply-context.ts', ...inDir('src/events'), ...inDir('commands')];

/**
 * Found and allowed, each for a reason: the markers an attachment leaves in the question are for
 * the model and are stored in memory, shared by everyone in the channel whatever their language.
 */
const ALLOWED: ReadonlyArray<Pick<Finding, 'file' | 'text'>> = [
  { file: 'src/adapters/discord/attachments.ts', text: '\n\n[attachment ${…}]\n${…}${…}\n${…}\n${…}' },
  { file: 'src/adapters/discord/reply-context.ts', text: '\n\n[quoted message from ${…}]${…}${…}' },
];

function scanAll(): Finding[] {
  return [...STRICT.map((f) => ({ f, strict: true })), ...OTHERS.map((f) => ({ f, strict: false }))].flatMap(({ f, strict }) =>
    scanFile(join(root, f), { strict }).map((finding) => ({ ...finding, file: relative(root, finding.file) })),
  );
}

const isAllowed = (finding: Finding): boolean => ALLOWED.some((a) => a.file === finding.file && a.text === finding.text);

describe('user-facing words come only from the catalogue', () => {
  it('scans the surfaces: the Discord presenter, reply sink and attachments, the events, every command', () => {
    expect(OTHERS).toContain('src/events/interaction-create.ts');
    expect(OTHERS).toContain('src/events/message-create.ts');
    expect(OTHERS.filter((f) => f.startsWith('commands/')).length).toBeGreaterThanOrEqual(7);
  });

  it('finds no words outside the catalogue in them', () => {
    const found = scanAll().filter((f) => !isAllowed(f));
    expect(found.map((f) => `${f.file}:${String(f.line)} ${JSON.stringify(f.text)} (${f.why})`)).toEqual([]);
  });

  it('still finds each allowed literal (an allowance that matches nothing is stale)', () => {
    const found = scanAll();
    for (const allowed of ALLOWED) expect(found.some((f) => f.file === allowed.file && f.text === allowed.text), allowed.text).toBe(true);
  });
});

describe('the check itself', () => {
  const strict = (source: string): string[] => findUserFacingLiterals('x.ts', source, { strict: true }).map((f) => f.text);
  const loose = (source: string): string[] => findUserFacingLiterals('x.ts', source, { strict: false }).map((f) => f.text);

  it.each([
    ['a returned sentence', `export function reply(): string { return 'Nothing to see here.'; }`, ['Nothing to see here.']],
    ['a sentence around a value', 'const line = `Removed ${n} messages`;', ['Removed ${…} messages']],
    ['a returned phrase', "const line = (n: number) => `${n} removed`;", ['${…} removed']],
    ['a reply content', "await interaction.reply({ content: 'Done', flags: 64 });", ['Done']],
    ['a follow-up', "await interaction.followUp('Try again later');", ['Try again later']],
    ['one word into a reply', "await message.edit({ content: text + ' interrupted' });", [' interrupted']],
    ['Chinese', "const note = '已忽略';", ['已忽略']],
    ['a sentence in a table', "const words = new Map([['x', 'Hello there']]);", ['Hello there']],
    ['a description', "builder.setDescription('Shows things');", ['Shows things']],
  ])('catches %s, in any file', (_what, source, expected) => {
    expect(loose(source)).toEqual(expected);
    expect(strict(source)).toEqual(expected);
  });

  it('in a presenter, catches any word, even one', () => {
    expect(strict("const mark = '\\n-# ⚠️ interrupted';")).toEqual(['\n-# ⚠️ interrupted']);
    expect(strict('const who = `**${name}** (forged)`;')).toEqual(['**${…}** (forged)']);
    expect(strict("export const label = 'Memory';")).toEqual(['Memory']);
  });

  it('lets markup, codes and what no person reads through', () => {
    const source = [
      "import { escapeMarkdown } from 'discord.js';",
      "type Verb = 'pinned' | 'unpinned';",
      "const icon = verb === 'pinned' ? '📌' : '📍';",
      "if (!('send' in channel)) throw new Error(`cannot send to channel ${channel.id}`);",
      "ctx.logger.warn({ err: error }, 'could not send the error reply');",
      "this.options.logger.debug({ err: error }, 'typing failed');",
      "const line = `-# 📎 ${t.note(n)}` + '\\n' + `\\`${String(i)}\\` **${who}** · ${t.tokens(n)}`;",
      "const text = t.memoryOf('discord');",
      "if (isUserErrorOf(error, 'empty_message')) return t.emptyMention;",
      "switch (problem.code) { case 'refused': break; }",
      "const TYPES = new Set(['text/plain', 'application/json']);",
      "const re = new RegExp(`<@!?${id}>`, 'g');",
      "const header = headers['content-length'];",
      "const entry = { kind: 'ignored', note: { code: 'text_off', name } };",
    ].join('\n');
    expect(strict(source)).toEqual([]);
    expect(loose(source)).toEqual([]);
  });

  it('outside the presenters, lets codes and identifiers pass as arguments and values', () => {
    const source = [
      "const page = interaction.options.getInteger('page');",
      "const data = memoryCommand('rollback');",
      "const type = contentType.startsWith('text/');",
      "text = text.replaceAll('<@&1>', '@everyone');",
    ].join('\n');
    expect(loose(source)).toEqual([]);
  });
});

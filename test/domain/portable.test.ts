import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, sessionJsonSchema } from '../../scripts/export-schema.js';
import { isUserErrorOf } from '../../src/domain/errors.js';
import {
  exportSchema,
  exportSession,
  exportText,
  type ImportProblem,
  MAX_IMPORT_BYTES,
  parseImport,
  replaceSession,
} from '../../src/domain/portable.js';
import { applyChange, pin } from '../../src/domain/session.js';
import { assistant, sessionOf, thrown, user, view, wordTokens } from '../helpers/domain.js';

const NOW = Date.UTC(2026, 11, 2, 5, 0, 0);

function problem(run: () => unknown): ImportProblem {
  const error = thrown(run);
  if (!isUserErrorOf(error, 'bad_import')) throw new Error(`expected a bad_import refusal, got ${String(error)}`);
  return error.details;
}

function sample() {
  const session = sessionOf(user('hello there', { authorName: 'Ada', authorId: '1' }), assistant('hi Ada'), user('pin me', { authorName: 'Bob' }), assistant('done'));
  return { ...pin(session, [0, -1]).session, settings: { limit: 40, systemPrompt: 'Be brief.' } };
}

const good = (): Record<string, unknown> => JSON.parse(exportText(exportSession(sample(), NOW))) as Record<string, unknown>;
const withMessage = (index: number, patch: Record<string, unknown>): string => {
  const file = good();
  const messages = file['messages'] as Array<Record<string, unknown>>;
  messages[index] = { ...messages[index], ...patch };
  return JSON.stringify(file);
};

describe('the export format', () => {
  it('the committed JSON Schema is the one the zod schema makes (npm run schema)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(sessionJsonSchema());
  });

  it('an export is valid under the JSON Schema and the zod schema, and reads back as the same session', () => {
    const original = sample();
    const file = exportSession(original, NOW);
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
    expect(validate(JSON.parse(exportText(file))), JSON.stringify(validate.errors)).toBe(true);
    expect(exportSchema.parse(file)).toEqual(file);

    const imported = parseImport(exportText(file), NOW);
    const target = sessionOf(user('something else'));
    const { session, result } = replaceSession(target, imported, wordTokens, 100);
    expect(view(session)).toEqual(['hello there*', 'hi Ada', 'pin me', 'done*']);
    expect(session.settings).toEqual({ limit: 40, systemPrompt: 'Be brief.' });
    expect(session.history.map((m) => [m.authorName, m.authorId, m.createdAt, m.tokens])).toEqual(
      original.history.map((m) => [m.authorName, m.authorId, m.createdAt, m.tokens]),
    );
    // Numbered on from the session's next, so nothing reuses a seq the store knew.
    expect(session.history.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(result).toEqual({ before: { messages: 1, pinned: 0 }, messages: 4, pinned: 2, kind: 'export' });
  });

  it('the change it makes is reset, append and settings, which applyChange turns into the same session', () => {
    const target = sessionOf(user('old'), assistant('older'));
    const replaced = replaceSession(target, parseImport(exportText(exportSession(sample(), NOW)), NOW), wordTokens, 100);
    expect(replaced.change.reset).toBe(true);
    expect(applyChange(target, replaced.change)).toEqual(replaced.session);
  });
});

describe('a plain chat-completions messages array', () => {
  it('imports unpinned, its leading system message as the system prompt, `name` as the speaker, other settings kept', () => {
    const text = JSON.stringify([
      { role: 'system', content: 'You are a pirate.' },
      { role: 'user', content: 'Where is the gold?', name: 'Ada' },
      { role: 'assistant', content: [{ type: 'text', text: 'Under the ' }, { type: 'text', text: 'palm.' }] },
    ]);
    const target = { ...sessionOf(user('x')), settings: { limit: 7 } };
    const { session, result } = replaceSession(target, parseImport(text, NOW), wordTokens, 100);
    expect(view(session)).toEqual(['Where is the gold?', 'Under the palm.']);
    expect(session.history[0]?.authorName).toBe('Ada');
    expect(session.history[0]?.createdAt).toBe(NOW);
    expect(session.settings).toEqual({ limit: 7, systemPrompt: 'You are a pirate.' });
    expect(result.kind).toBe('messages');
  });

  it('accepts {"messages": […]}, a request body cut down to its messages', () => {
    expect(parseImport(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }), NOW).messages).toHaveLength(1);
  });
});

describe('a bad file is refused with what is wrong and where', () => {
  const many = JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `m${String(i)}` })));
  const cases: Array<[string, string, ImportProblem]> = [
    ['not JSON', '{"format": "contextcord-session",', { problem: 'not_json', reason: expect.any(String) as string }],
    ['a JSON string', '"hello"', { problem: 'not_a_session' }],
    ['an object of something else', '{"chat": []}', { problem: 'not_a_session' }],
    ['another format', JSON.stringify({ ...good(), format: 'chat-log' }), { problem: 'unknown_format', format: 'chat-log' }],
    ['an unknown version', JSON.stringify({ ...good(), version: 2 }), { problem: 'unknown_version', version: '2', supported: 1 }],
    ['a tool message', JSON.stringify([{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }]), { problem: 'bad_role', at: 1, role: 'tool', allowed: ['system', 'user', 'assistant'] }],
    ['a system message in an export', withMessage(2, { role: 'system' }), { problem: 'bad_role', at: 2, role: 'system', allowed: ['user', 'assistant'] }],
    ['a system message after the conversation began', JSON.stringify([{ role: 'user', content: 'a' }, { role: 'system', content: 'b' }]), { problem: 'system_not_first', at: 1 }],
    ['empty content', withMessage(3, { content: '  ' }), { problem: 'empty_content', at: 3 }],
    ['null content (a tool call)', JSON.stringify([{ role: 'user', content: 'a' }, { role: 'assistant', content: null }]), { problem: 'empty_content', at: 1 }],
    ['an image part', JSON.stringify([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]), { problem: 'not_text', at: 0 }],
    ['content over the length bound', withMessage(1, { content: 'x'.repeat(100_001) }), { problem: 'content_too_long', at: 1, length: 100_001, max: 100_000 }],
    ['a pinned flag that is not true or false', withMessage(0, { pinned: 'yes' }), { problem: 'bad_field', at: 0, field: 'pinned', expected: 'boolean' }],
    ['a bad time', withMessage(1, { createdAt: 'yesterday' }), { problem: 'bad_field', at: 1, field: 'createdAt', expected: 'datetime' }],
    ['a message that is not an object', JSON.stringify([{ role: 'user', content: 'a' }, 'b']), { problem: 'bad_field', at: 1, field: '', expected: 'object' }],
    ['a message without a role', JSON.stringify([{ content: 'a' }]), { problem: 'missing_field', at: 0, field: 'role' }],
    ['an unknown field', withMessage(2, { colour: 'red' }), { problem: 'unknown_field', at: 2, field: 'colour' }],
    ['a bad setting', JSON.stringify({ ...good(), settings: { limit: -3 } }), { problem: 'bad_field', field: 'settings.limit', expected: '> 0' }],
    ['no messages', JSON.stringify({ ...good(), messages: undefined }), { problem: 'missing_field', field: 'messages' }],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(problem(() => parseImport(text, NOW))).toEqual(expected);
  });

  it('a file over 8 MB, before reading it', () => {
    expect(problem(() => parseImport('[]', NOW, MAX_IMPORT_BYTES + 1))).toEqual({ problem: 'too_big', size: MAX_IMPORT_BYTES + 1, max: MAX_IMPORT_BYTES });
  });

  it('more messages than the limit the channel would have (the file’s own, else the channel’s default)', () => {
    const target = sessionOf(user('keep me'));
    expect(problem(() => replaceSession(target, parseImport(many, NOW), wordTokens, 10))).toEqual({ problem: 'too_many_messages', count: 11, limit: 10 });
    const file = { ...good(), settings: { limit: 3 } };
    expect(problem(() => replaceSession(target, parseImport(JSON.stringify(file), NOW), wordTokens, 100))).toEqual({ problem: 'too_many_messages', count: 4, limit: 3 });
  });
});

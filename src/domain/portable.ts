/**
 * Portable memory: a session as a file (/export), and a file back into a session (/import). The
 * zod schema below is the one definition of the file format; the JSON Schema in
 * schema/contextcord-session.schema.json is generated from it (scripts/export-schema.ts), and a
 * test keeps the two the same.
 *
 * An import also takes a plain chat-completions `messages` array (`[{"role": "user", "content":
 * "…"}, …]`), the shape OpenAI's examples and openai2's `dump` use: its messages come in unpinned,
 * a leading system message becomes the channel's system prompt, and the channel's other settings
 * stay. Whatever is wrong with a file is refused with what and where (`bad_import`), before
 * anything changes.
 */
import { z } from 'zod';
import { userError } from './errors.js';
import { cleanName, type DraftMessage, modelContent } from './message.js';
import { applyChange, type Changed, type Session, type SessionChange, type SessionSettings } from './session.js';
import { parsedSettings, settingsSchema } from './settings.js';
import { MAX_SUMMARY_CHARS, summaryOf } from './summary.js';
import type { TokenCounter } from './tokens.js';

export const EXPORT_FORMAT = 'contextcord-session';
export const EXPORT_VERSION = 1;
/** Largest file /import reads. */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
/**
 * Longest message an import accepts, in characters: the most a person may be allowed to type
 * (MAX_MESSAGE_CHARS' ceiling), which also holds any answer a model gives within a reply limit.
 */
export const MAX_IMPORTED_CHARS = 100_000;

const messageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.string().min(1).max(MAX_IMPORTED_CHARS),
    pinned: z.boolean().meta({ description: 'Pinned messages survive the message limit and the token budget.' }),
    authorId: z.string().min(1).optional().meta({ description: "Who said it (user messages): the speaker's Discord user id, when known." }),
    authorName: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Their display name when they said it: the model is shown user messages as `Name: text`.' }),
    createdAt: z.iso.datetime({ offset: true }),
    forged: z.boolean().optional().meta({ description: 'Written into memory with /forge, not said.' }),
  })
  .strict();

export const exportSchema = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    exportedAt: z.iso.datetime({ offset: true }),
    settings: settingsSchema.strict().meta({ description: "The channel's own settings; a setting left out follows the bot's configuration." }),
    summary: z
      .string()
      .min(1)
      .max(MAX_SUMMARY_CHARS)
      .optional()
      .meta({ description: 'The running summary of messages memory no longer holds (summary mode), if any.' }),
    messages: z.array(messageSchema).meta({ description: 'The history, oldest first.' }),
  })
  .strict()
  .meta({
    title: 'contextcord session export',
    description: "One Discord channel's conversation memory, as /export writes it and /import reads it.",
  });

export type ExportedSession = z.infer<typeof exportSchema>;

/** The file of a session: its history with pins, speakers and times, its settings, its summary. */
export function exportSession(session: Session, now: number): ExportedSession {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(now).toISOString(),
    settings: { ...session.settings },
    ...(session.summary === undefined ? {} : { summary: session.summary.text }),
    messages: session.history.map((m) => ({
      role: m.role,
      content: m.content,
      pinned: m.pinned,
      ...(m.authorId === undefined ? {} : { authorId: m.authorId }),
      ...(m.authorName === undefined ? {} : { authorName: m.authorName }),
      createdAt: new Date(m.createdAt).toISOString(),
      ...(m.forged === true ? { forged: true } : {}),
    })),
  };
}

/** The file an export is sent as: the session's key and the day, e.g. `contextcord-123-2026-12-02.json`. */
export function exportFileName(key: string, now: number): string {
  return `contextcord-${key.replace(/[^\w.-]+/g, '_')}-${new Date(now).toISOString().slice(0, 10)}.json`;
}

/** The text of an export file: indented JSON, readable and diffable. */
export function exportText(file: ExportedSession): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** What is wrong with a file /import was given; `at` is a message's index in the file (from 0). */
export type ImportProblem =
  | { readonly problem: 'too_big'; readonly size: number; readonly max: number }
  | { readonly problem: 'not_json'; readonly reason: string }
  | { readonly problem: 'not_a_session' }
  | { readonly problem: 'unknown_format'; readonly format: string }
  | { readonly problem: 'unknown_version'; readonly version: string; readonly supported: number }
  | { readonly problem: 'too_many_messages'; readonly count: number; readonly limit: number }
  | { readonly problem: 'bad_role'; readonly at: number; readonly role: string; readonly allowed: readonly string[] }
  | { readonly problem: 'system_not_first'; readonly at: number }
  | { readonly problem: 'empty_content'; readonly at: number }
  | { readonly problem: 'not_text'; readonly at: number }
  | { readonly problem: 'content_too_long'; readonly at: number; readonly length: number; readonly max: number }
  | { readonly problem: 'bad_field'; readonly at?: number; readonly field: string; readonly expected?: string }
  | { readonly problem: 'unknown_field'; readonly at?: number; readonly field: string }
  | { readonly problem: 'missing_field'; readonly at?: number; readonly field: string }
  | { readonly problem: 'download_failed' };

function refuse(problem: ImportProblem): never {
  throw userError('bad_import', problem);
}

/** A message an import brings, before its tokens are counted. */
export type ImportedMessage = Omit<DraftMessage, 'tokens' | 'discordMessageIds'>;

/** A file's session, checked; `settings` undefined means the channel keeps its own (a plain array). */
export interface ImportedSession {
  readonly kind: 'export' | 'messages';
  readonly messages: readonly ImportedMessage[];
  readonly settings: SessionSettings | undefined;
  /** A plain array's leading system message. */
  readonly systemPrompt?: string;
  readonly summary?: string;
}

/** Reads a file's text as a session, or refuses it with the first problem found. Pure. */
export function parseImport(text: string, now: number, size = Buffer.byteLength(text)): ImportedSession {
  if (size > MAX_IMPORT_BYTES) refuse({ problem: 'too_big', size, max: MAX_IMPORT_BYTES });
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    refuse({ problem: 'not_json', reason: error instanceof Error ? error.message : String(error) });
  }
  if (Array.isArray(value)) return parseMessagesArray(value, now);
  if (typeof value !== 'object' || value === null || !('format' in value)) {
    if (typeof value === 'object' && value !== null && 'messages' in value && Array.isArray(value.messages) && Object.keys(value).length === 1) {
      // `{"messages": […]}`, a chat-completions request body cut down to its messages.
      return parseMessagesArray(value.messages, now);
    }
    refuse({ problem: 'not_a_session' });
  }
  return parseExport(value);
}

function parseExport(value: object): ImportedSession {
  const record = value as Record<string, unknown>;
  if (record['format'] !== EXPORT_FORMAT) refuse({ problem: 'unknown_format', format: shown(record['format']) });
  if (record['version'] !== EXPORT_VERSION) refuse({ problem: 'unknown_version', version: shown(record['version']), supported: EXPORT_VERSION });
  const messages = record['messages'];
  if (Array.isArray(messages)) messages.forEach((message, at) => checkMessage(message, at, ['user', 'assistant']));
  const parsed = exportSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) refuse(problemOf(parsed.error.issues[0]));
  const { data } = parsed;
  return {
    kind: 'export',
    messages: data.messages.map((m) => ({
      role: m.role,
      content: m.content,
      pinned: m.pinned,
      createdAt: Date.parse(m.createdAt),
      ...(m.authorId === undefined ? {} : { authorId: m.authorId }),
      ...(m.authorName === undefined ? {} : { authorName: m.authorName }),
      ...(m.forged === true ? { forged: true } : {}),
    })),
    settings: parsedSettings(data.settings),
    ...(data.summary === undefined ? {} : { summary: data.summary }),
  };
}

/** A chat-completions message: string content, or text parts; `name` is the speaker. */
const plainMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]),
  name: z.string().optional(),
});

function parseMessagesArray(values: readonly unknown[], now: number): ImportedSession {
  const messages: ImportedMessage[] = [];
  const system: string[] = [];
  values.forEach((value, at) => {
    checkMessage(value, at, ['system', 'user', 'assistant']);
    const parsed = plainMessageSchema.safeParse(value, { reportInput: true });
    if (!parsed.success) refuse(problemOf(parsed.error.issues[0], at));
    const { role, name } = parsed.data;
    const content = typeof parsed.data.content === 'string' ? parsed.data.content : parsed.data.content.map((p) => p.text).join('');
    if (role === 'system') {
      if (messages.length > 0) refuse({ problem: 'system_not_first', at });
      system.push(content);
      return;
    }
    const authorName = role === 'user' && name !== undefined ? cleanName(name) : '';
    messages.push({ role, content, pinned: false, createdAt: now, ...(authorName === '' ? {} : { authorName }) });
  });
  return { kind: 'messages', messages, settings: undefined, ...(system.length > 0 ? { systemPrompt: system.join('\n\n') } : {}) };
}

/** The checks a person most needs told plainly, before the schema's: role, then content. */
function checkMessage(value: unknown, at: number, allowed: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse({ problem: 'bad_field', at, field: '', expected: 'object' });
  const record = value as Record<string, unknown>;
  if (!('role' in record)) refuse({ problem: 'missing_field', at, field: 'role' });
  if (typeof record['role'] !== 'string' || !allowed.includes(record['role'])) refuse({ problem: 'bad_role', at, role: shown(record['role']), allowed });
  const content = record['content'];
  if (content === undefined || content === null) refuse({ problem: 'empty_content', at });
  if (Array.isArray(content)) {
    if (!content.every((part) => typeof part === 'object' && part !== null && (part as Record<string, unknown>)['type'] === 'text')) {
      refuse({ problem: 'not_text', at });
    }
  } else if (typeof content !== 'string') {
    refuse({ problem: 'not_text', at });
  }
  const text = typeof content === 'string' ? content : content.map((p: Record<string, unknown>) => (typeof p['text'] === 'string' ? p['text'] : '')).join('');
  if (text.trim() === '') refuse({ problem: 'empty_content', at });
  // Code points, as a person counts characters (the rule message_too_long uses too).
  // eslint-disable-next-line @typescript-eslint/no-misused-spread
  const length = [...text].length;
  if (length > MAX_IMPORTED_CHARS) refuse({ problem: 'content_too_long', at, length, max: MAX_IMPORTED_CHARS });
}

/** A zod issue as an import problem: where (message index, field path) and what was expected. */
function problemOf(issue: z.core.$ZodIssue | undefined, at?: number): ImportProblem {
  if (issue === undefined) return { problem: 'not_a_session' };
  let path = issue.path.map(String);
  let index = at;
  if (path[0] === 'messages' && path[1] !== undefined && /^\d+$/.test(path[1])) {
    index = Number(path[1]);
    path = path.slice(2);
  }
  const where = index === undefined ? {} : { at: index };
  if (issue.code === 'unrecognized_keys') return { problem: 'unknown_field', ...where, field: [...path, ...issue.keys.slice(0, 1)].join('.') };
  if (issue.code === 'invalid_type' && issue.input === undefined) return { problem: 'missing_field', ...where, field: path.join('.') };
  const expected =
    issue.code === 'invalid_type'
      ? issue.expected
      : issue.code === 'invalid_format'
        ? issue.format
        : issue.code === 'too_small'
          ? `${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`
          : issue.code === 'too_big'
            ? `${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`
            : issue.code === 'invalid_value'
              ? issue.values.map((v) => JSON.stringify(v)).join(' | ')
              : undefined;
  return { problem: 'bad_field', ...where, field: path.join('.'), ...(expected === undefined ? {} : { expected }) };
}

/** A value as a person can recognise it in an error, short. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The result of replacing a session with an import. */
export interface ReplaceResult {
  readonly before: { readonly messages: number; readonly pinned: number };
  readonly messages: number;
  readonly pinned: number;
  readonly kind: ImportedSession['kind'];
}

/**
 * Replaces a session's history, pins and settings with an import's (a plain array keeps the
 * channel's settings, its system message aside). `defaultLimit` is the message limit the session
 * has without a limit of its own; an import over the limit it would have is refused, not cut.
 * Tokens are counted here, as the model will see each message.
 */
export function replaceSession(session: Session, imported: ImportedSession, tokens: TokenCounter, defaultLimit: number): Changed<ReplaceResult> {
  const settings: SessionSettings =
    imported.settings ?? (imported.systemPrompt === undefined ? session.settings : { ...session.settings, systemPrompt: imported.systemPrompt });
  const limit = settings.limit ?? defaultLimit;
  if (imported.messages.length > limit) refuse({ problem: 'too_many_messages', count: imported.messages.length, limit });
  const append = imported.messages.map((m, i) => ({ ...m, tokens: tokens.count(modelContent(m)), discordMessageIds: [], seq: session.next + i }));
  // The file's summary replaces the channel's; a file without one (a plain array) leaves none.
  const summary = imported.summary === undefined ? null : summaryOf(imported.summary, tokens);
  const change: SessionChange = { ...(session.history.length > 0 ? { reset: true as const } : {}), append, settings, summary };
  return {
    session: applyChange(session, change),
    change,
    result: {
      before: { messages: session.history.length, pinned: session.history.filter((m) => m.pinned).length },
      messages: append.length,
      pinned: append.filter((m) => m.pinned).length,
      kind: imported.kind,
    },
  };
}

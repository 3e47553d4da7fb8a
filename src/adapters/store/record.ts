import { z } from 'zod';
import type { PartSummary } from '../../domain/context.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { PendingDelivery, SessionSettings } from '../../domain/session.js';
import { settingsSchema } from '../../domain/settings.js';
import type { Summary } from '../../domain/summary.js';
import type { UsageLedger } from '../../domain/usage.js';

/**
 * How a session is stored: a head (`session:{key}`) holding the settings, the version, the seqs
 * of the pinned messages, the answers pending delivery and the ordered list of chunks, and immutable chunk records of
 * messages (`chunk:{key}:{id}`). A chunk id names its writer (`{writer}.{n}`, a random writer id
 * per store instance), so two processes never write the same chunk key, and a chunk is never
 * written twice: what changes (a trim, a pin) changes the head, which says which of a chunk's
 * messages are gone and which are pinned. The head is written last and only if its version is
 * still the one the change was based on (compare-and-set; see backend.ts): it is the commit point.
 *
 * Head version 4 and chunk version 3 are written. Older records are still read: version 1 (the
 * whole history in one record) and version 2/3 heads with version 2 chunks (messages without a
 * seq): their live messages are numbered 0..n−1, and the next commit lays the session out anew.
 */
export const HEAD_VERSION = 4;
export const CHUNK_VERSION = 3;

export const HEAD_PREFIX = 'session:';
export const CHUNK_PREFIX = 'chunk:';
export const QUARANTINE_PREFIX = 'quarantine:';

export function headKey(key: string): string {
  return HEAD_PREFIX + key;
}

/** The session a head key names (headKey's inverse). */
export function sessionOfHeadKey(recordKey: string): string {
  return recordKey.slice(HEAD_PREFIX.length);
}

export function chunkKey(key: string, id: string): string {
  return `${CHUNK_PREFIX}${key}:${id}`;
}

/** The session a chunk key belongs to (chunk ids hold no colon; session keys may). */
export function chunkSession(recordKey: string): string | undefined {
  if (!recordKey.startsWith(CHUNK_PREFIX)) return undefined;
  const cut = recordKey.lastIndexOf(':');
  return cut < CHUNK_PREFIX.length ? undefined : recordKey.slice(CHUNK_PREFIX.length, cut);
}

/** The chunk id a chunk key ends with (chunkKey's last part). */
export function chunkIdOf(recordKey: string): string {
  return recordKey.slice(recordKey.lastIndexOf(':') + 1);
}

/** Where a head is set aside: the time in the key lets the sweep age it without reading it. */
export function quarantineKey(key: string, at: number, writer: string): string {
  return `${QUARANTINE_PREFIX}${key}:${String(at)}.${writer}`;
}

export function quarantinePrefix(key: string): string {
  return `${QUARANTINE_PREFIX}${key}:`;
}

/** The session and the time of a quarantine key, if it is one. */
export function parseQuarantineKey(recordKey: string): { key: string; at: number } | undefined {
  if (!recordKey.startsWith(QUARANTINE_PREFIX)) return undefined;
  const cut = recordKey.lastIndexOf(':');
  const at = Number.parseInt(recordKey.slice(cut + 1), 10);
  if (cut < QUARANTINE_PREFIX.length || !Number.isFinite(at)) return undefined;
  return { key: recordKey.slice(QUARANTINE_PREFIX.length, cut), at };
}

/**
 * Stored text is Keyv's envelope, `{"value":…,"expires":null}`, so databases written by the
 * Keyv-based versions open as they are.
 */
export function encodeRecord(value: unknown): string {
  return JSON.stringify({ value, expires: null });
}

/** What a stored text holds: its value, or `undefined` when it is not JSON at all. */
export function decodeRecord(text: string): { value: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return { value: typeof parsed === 'object' && parsed !== null && 'value' in parsed ? parsed.value : undefined };
  } catch {
    return undefined;
  }
}

/**
 * A head's text begins with its version, `{"value":{"ver":12,…`, so a backend reads the version
 * from the first bytes instead of parsing a head of hundreds of chunks (the cache asks for it on
 * every read). A text that does not begin so (a head written before versions, a damaged one)
 * states version 0. This is the one definition; SQLite's statements spell the same rule
 * (sqlite-backend.ts), and encodeHead is the one writer.
 */
export const VERSION_PREFIX = '{"value":{"ver":';

export function versionOfText(text: string | undefined): number {
  if (text?.startsWith(VERSION_PREFIX) !== true) return 0;
  const digits = /^\d{1,15}/.exec(text.slice(VERSION_PREFIX.length));
  return digits === null ? 0 : Number(digits[0]);
}

/** The stored text of a head: `ver` first (see VERSION_PREFIX). */
export function encodeHead(head: HeadRecord): string {
  const { chunks, ...rest } = head;
  return encodeHeadWith(rest, chunks.map((entry) => JSON.stringify(entry)));
}

/**
 * encodeHead with the chunk entries already as JSON text: a commit changes one or two of a
 * head's entries, so the store keeps each entry's text with the chunk it describes.
 */
export function encodeHeadWith(head: Omit<HeadRecord, 'chunks'>, entries: readonly string[]): string {
  const { ver, ...rest } = head;
  const front = JSON.stringify({ ver, ...rest });
  return `{"value":${front.slice(0, -1)},"chunks":[${entries.join(',')}]},"expires":null}`;
}

const seq = z.number().int().nonnegative();


const messageFields = {
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  authorId: z.string().optional(),
  authorName: z.string().optional(),
  tokens: z.number().int().nonnegative(),
  createdAt: z.number(),
  discordMessageIds: z.array(z.string()),
  forged: z.boolean().optional(),
};

/**
 * In a version 3 chunk a message carries its seq; whether it is pinned is the head's to say. The
 * decoded message has `pinned: false` in its place, for the reader to set from the head.
 */
const chunkMessageSchema = z.object({
  seq,
  role: messageFields.role,
  content: messageFields.content,
  authorId: messageFields.authorId,
  authorName: messageFields.authorName,
  tokens: messageFields.tokens,
  // Where createMessage puts it, so decoded messages have the shape made ones have.
  pinned: z.boolean().default(false),
  createdAt: messageFields.createdAt,
  discordMessageIds: messageFields.discordMessageIds,
  forged: messageFields.forged,
});
const legacyMessageSchema = z.object({ ...messageFields, pinned: z.boolean() });

const headEntrySchema = z.object({
  id: z.string().regex(/^[^:]+$/),
  gone: z.array(seq).optional(),
  n: z.number().int().positive(),
  cost: z.number().int().nonnegative(),
  pins: z.number().int().positive().optional(),
});

const usageBucketSchema = z.object({
  model: z.string(),
  day: z.number().int().optional(),
  prompt: z.number().int().nonnegative(),
  completion: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  estimated: z.number().int().nonnegative(),
});

const headSchema = z.object({
  v: z.literal(HEAD_VERSION),
  ver: z.number().int().positive(),
  settings: settingsSchema,
  next: seq,
  pinned: z.array(seq).optional(),
  pending: z.array(z.object({ seq, since: z.number() })).optional(),
  summary: z.object({ text: z.string().min(1), tokens: z.number().int().nonnegative() }).optional(),
  usage: z.object({ days: z.array(usageBucketSchema), older: z.array(usageBucketSchema) }).optional(),
  chunks: z.array(headEntrySchema),
});

const chunkSchema = z.object({ v: z.literal(CHUNK_VERSION), at: z.number(), messages: z.array(chunkMessageSchema).min(1) });

const legacyV3Schema = z.object({
  v: z.literal(3),
  settings: settingsSchema,
  chunks: z.array(z.object({ id: z.number().int().nonnegative(), gone: z.array(z.number().int().nonnegative()).optional() })),
});
const legacyV2Schema = z.object({ v: z.literal(2), settings: settingsSchema, chunks: z.array(z.number().int().nonnegative()) });
const legacyV1Schema = z.object({ v: z.literal(1), history: z.array(legacyMessageSchema), settings: settingsSchema });
const legacyChunkSchema = z.object({ v: z.literal(2), messages: z.array(legacyMessageSchema).min(1) });

/** A chunk as the head lists it: its id, the seqs of its messages that are gone, and a summary of the rest. */
export interface HeadEntry {
  readonly id: string;
  readonly gone?: readonly number[];
  /** Its summary (domain summarizePart), `pins` left out when 0. */
  readonly n: number;
  readonly cost: number;
  readonly pins?: number;
}

export function entrySummary(entry: HeadEntry): PartSummary {
  return { n: entry.n, pins: entry.pins ?? 0, cost: entry.cost };
}

export interface HeadRecord {
  readonly v: typeof HEAD_VERSION;
  readonly ver: number;
  readonly settings: SessionSettings;
  readonly next: number;
  /** Seqs of the pinned messages, ascending (a pin changes the head only). */
  readonly pinned?: readonly number[];
  /** Answers stored but not yet confirmed delivered (the domain's PendingDelivery), absent when none. */
  readonly pending?: readonly PendingDelivery[];
  /** The running summary (summary mode), absent when none. */
  readonly summary?: Summary;
  /** The session's token usage (/usage), absent before its first completion. */
  readonly usage?: UsageLedger;
  readonly chunks: readonly HeadEntry[];
}

/** A stored message: a history message as its chunk holds it, without the head's pinned flag. */
export type StoredMessage = Omit<HistoryMessage, 'pinned'>;

export interface ChunkRecord {
  readonly v: typeof CHUNK_VERSION;
  /** When it was written (epoch ms): the orphan sweep spares young chunks of a commit under way. */
  readonly at: number;
  readonly messages: readonly StoredMessage[];
}

/** A chunk of a pre-version-4 head: numbered ids, `gone` as positions in the chunk. */
export interface LegacyEntry {
  readonly id: string;
  readonly gone: readonly number[];
}

// zod leaves absent optional keys absent; only its static types say `T | undefined`, which the
// domain's types (under exactOptionalPropertyTypes) do not accept. The casts below say just that.

export type DecodedHead =
  | { readonly kind: 'head'; readonly head: HeadRecord }
  | { readonly kind: 'legacy-chunks'; readonly settings: SessionSettings; readonly chunks: readonly LegacyEntry[] }
  | {
      readonly kind: 'legacy-whole';
      readonly settings: SessionSettings;
      readonly history: ReadonlyArray<Omit<HistoryMessage, 'seq'>>;
    }
  | { readonly kind: 'bad'; readonly reason: string };

export function decodeHead(value: unknown): DecodedHead {
  const head = headSchema.safeParse(value);
  if (head.success) return { kind: 'head', head: head.data as HeadRecord };
  const v3 = legacyV3Schema.safeParse(value);
  if (v3.success) {
    const chunks = v3.data.chunks.map((c) => ({ id: String(c.id), gone: c.gone ?? [] }));
    return { kind: 'legacy-chunks', settings: v3.data.settings as SessionSettings, chunks };
  }
  const v2 = legacyV2Schema.safeParse(value);
  if (v2.success) {
    return { kind: 'legacy-chunks', settings: v2.data.settings as SessionSettings, chunks: v2.data.chunks.map((id) => ({ id: String(id), gone: [] })) };
  }
  const v1 = legacyV1Schema.safeParse(value);
  if (v1.success) {
    return {
      kind: 'legacy-whole',
      settings: v1.data.settings as SessionSettings,
      history: v1.data.history as ReadonlyArray<Omit<HistoryMessage, 'seq'>>,
    };
  }
  return { kind: 'bad', reason: z.prettifyError(head.error).slice(0, 500) };
}

/** A message as decodeChunk gives it: a fresh object of the reader's, its `pinned` flag to be set from the head. */
export type DecodedMessage = { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] };

export function decodeChunk(value: unknown): { readonly at: number; readonly messages: readonly DecodedMessage[] } | undefined {
  const chunk = chunkSchema.safeParse(value);
  return chunk.success ? (chunk.data as { at: number; messages: DecodedMessage[] }) : undefined;
}

export function decodeLegacyChunk(value: unknown): ReadonlyArray<Omit<HistoryMessage, 'seq'>> | undefined {
  const chunk = legacyChunkSchema.safeParse(value);
  return chunk.success ? (chunk.data.messages as ReadonlyArray<Omit<HistoryMessage, 'seq'>>) : undefined;
}

/** A chunk record of `messages` (their pinned flags stay out: the head holds them). */
export function chunkRecord(messages: readonly HistoryMessage[], at: number): ChunkRecord {
  return { v: CHUNK_VERSION, at, messages: messages.map(stored) };
}

function stored(message: HistoryMessage): StoredMessage {
  // Spelled out rather than spread-and-delete: a field added to messages must be added here on purpose.
  return {
    seq: message.seq,
    role: message.role,
    content: message.content,
    ...(message.authorId === undefined ? {} : { authorId: message.authorId }),
    ...(message.authorName === undefined ? {} : { authorName: message.authorName }),
    tokens: message.tokens,
    createdAt: message.createdAt,
    discordMessageIds: message.discordMessageIds,
    ...(message.forged === true ? { forged: true } : {}),
  };
}

const listedSchema = z.object({
  chunks: z.array(z.union([z.object({ id: z.union([z.string(), z.number()]) }), z.number()])),
});

/**
 * The chunk ids a head or set-aside head lists, read leniently (a head set aside for one bad
 * field still protects its chunks from the sweep); `undefined` when it cannot tell at all, so
 * the sweep spares every chunk of that session.
 */
export function listedChunkIds(value: unknown): Set<string> | undefined {
  const listed = listedSchema.safeParse(value);
  if (listed.success) return new Set(listed.data.chunks.map((c) => String(typeof c === 'number' ? c : c.id)));
  const whole = legacyV1Schema.safeParse(value);
  return whole.success ? new Set() : undefined;
}

const writtenAtSchema = z.object({ at: z.number() });

/** When a chunk was written; chunks written before records carried a time count as old. */
export function writtenAt(value: unknown): number {
  const parsed = writtenAtSchema.safeParse(value);
  return parsed.success ? parsed.data.at : 0;
}

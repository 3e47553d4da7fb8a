import { z } from 'zod';
import type { HistoryMessage } from '../../domain/message.js';
import type { Session, SessionSettings } from '../../domain/session.js';

/**
 * How a session is stored. Version 2 splits it in two kinds of record so a turn writes only what
 * changed: a small head (settings and the ordered list of chunk ids) and chunks of messages,
 * normally one per committed round. The head is written last, so it is the commit point: a
 * crash before it leaves only unreferenced chunks, never a half-written session.
 * Version 1 (the whole history in one record) is still read, and rewritten as version 2 on the
 * next save.
 */
export const RECORD_VERSION = 2;

const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  authorId: z.string().optional(),
  authorName: z.string().optional(),
  tokens: z.number().int().nonnegative(),
  pinned: z.boolean(),
  createdAt: z.number(),
  discordMessageIds: z.array(z.string()),
  forged: z.boolean().optional(),
});

const settingsSchema = z.object({
  limit: z.number().int().positive().optional(),
  systemPrompt: z.string().optional(),
  model: z.string().min(1).optional(),
  tokenBudget: z.number().int().positive().optional(),
});

const headSchema = z.object({
  v: z.literal(2),
  settings: settingsSchema,
  chunks: z.array(z.number().int().nonnegative()),
  next: z.number().int().nonnegative(),
});

const chunkSchema = z.object({ v: z.literal(2), messages: z.array(messageSchema).min(1) });

const legacySchema = z.object({ v: z.literal(1), history: z.array(messageSchema), settings: settingsSchema });

export interface HeadRecord {
  readonly v: typeof RECORD_VERSION;
  readonly settings: SessionSettings;
  readonly chunks: readonly number[];
  readonly next: number;
}

export interface ChunkRecord {
  readonly v: typeof RECORD_VERSION;
  readonly messages: readonly HistoryMessage[];
}

// zod leaves absent optional keys absent; only its static types say `T | undefined`, which the
// domain's types (under exactOptionalPropertyTypes) do not accept. The casts below say just that.

export type DecodedHead =
  | { ok: true; kind: 'head'; head: HeadRecord }
  | { ok: true; kind: 'legacy'; session: Session }
  | { ok: false; reason: string };

export function decodeHead(value: unknown): DecodedHead {
  const head = headSchema.safeParse(value);
  if (head.success) return { ok: true, kind: 'head', head: head.data as HeadRecord };
  const legacy = legacySchema.safeParse(value);
  if (legacy.success) {
    const { history, settings } = legacy.data;
    return { ok: true, kind: 'legacy', session: { history, settings } as Session };
  }
  return { ok: false, reason: z.prettifyError(head.error).slice(0, 500) };
}

export function decodeChunk(value: unknown): readonly HistoryMessage[] | undefined {
  const chunk = chunkSchema.safeParse(value);
  return chunk.success ? (chunk.data.messages as readonly HistoryMessage[]) : undefined;
}

/** A stored chunk: its id and the very message objects it holds (compared by identity). */
export interface Chunk {
  readonly id: number;
  readonly messages: readonly HistoryMessage[];
}

export interface Layout {
  readonly chunks: readonly Chunk[];
  /** The next unused chunk id; ids are never reused, so a retried save cannot clobber a live chunk. */
  readonly next: number;
}

export const EMPTY_LAYOUT: Layout = { chunks: [], next: 0 };

export interface ChunkPlan {
  readonly layout: Layout;
  readonly write: readonly Chunk[];
  readonly drop: readonly number[];
}

/**
 * Which chunks a new history needs, given the stored ones. The domain never mutates messages, so a
 * chunk whose messages all stand, by identity and in order, in the new history is kept as it is;
 * any other chunk is dropped, and runs of messages not covered by kept chunks become new chunks.
 * Appending a round writes one chunk; trimming drops (or rewrites) the oldest; a pin rewrites
 * the chunk that holds the pinned message. One chunk per round keeps a turn to one small write;
 * the price is many small rows to read back after a restart (500 for 1 000 messages).
 */
export function planChunks(old: Layout, history: readonly HistoryMessage[]): ChunkPlan {
  const position = new Map<HistoryMessage, number>();
  history.forEach((message, index) => position.set(message, index));
  const chunks: Chunk[] = [];
  const write: Chunk[] = [];
  const drop: number[] = [];
  let next = old.next;
  let covered = 0;
  // A run of messages no stored chunk holds becomes one chunk per round, so later trims and
  // rollbacks drop whole chunks instead of rewriting the run (a session read from a version 1
  // record is one such run).
  const fresh = (end: number): void => {
    let start = covered;
    for (let i = covered + 1; i <= end; i += 1) {
      if (i < end && history[i]?.role !== 'user') continue;
      const chunk = { id: next, messages: history.slice(start, i) };
      next += 1;
      chunks.push(chunk);
      write.push(chunk);
      start = i;
    }
  };
  for (const chunk of old.chunks) {
    const first = chunk.messages[0];
    const at = first === undefined ? undefined : position.get(first);
    const intact =
      at !== undefined && at >= covered && chunk.messages.every((message, k) => history[at + k] === message);
    if (!intact) {
      drop.push(chunk.id);
      continue;
    }
    fresh(at);
    chunks.push(chunk);
    covered = at + chunk.messages.length;
  }
  fresh(history.length);
  return { layout: { chunks, next }, write, drop };
}

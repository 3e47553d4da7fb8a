import { z } from 'zod';
import { messageCost } from '../../domain/context.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { Session, SessionSettings } from '../../domain/session.js';

/**
 * How a session is stored. Version 2 split it in two kinds of record so a turn writes only what
 * changed: a small head (settings and the ordered list of chunks) and chunks of messages. Version 3
 * keeps the chunk records as they were and lets the head say which messages of a chunk are gone
 * (trimmed, rolled back), so trimming a big chunk is a change to the head alone, and small chunks
 * are merged into bigger ones (see planChunks). With a store that cannot write several records
 * atomically the head is written last, so it is the commit point: a crash before it leaves only
 * unreferenced chunks, never a half-written session.
 * Version 1 (the whole history in one record) and version 2 heads are still read, and rewritten as
 * version 3 on the next save.
 */
export const HEAD_VERSION = 3;
export const CHUNK_VERSION = 2;

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

const chunkIdSchema = z.number().int().nonnegative();

const headSchema = z.object({
  v: z.literal(3),
  settings: settingsSchema,
  chunks: z.array(
    z.object({
      id: chunkIdSchema,
      gone: z.array(z.number().int().nonnegative()).optional(),
      n: z.number().int().positive().optional(),
      cost: z.number().int().nonnegative().optional(),
      pins: z.number().int().positive().optional(),
    }),
  ),
  next: chunkIdSchema,
});

const headV2Schema = z.object({ v: z.literal(2), settings: settingsSchema, chunks: z.array(chunkIdSchema), next: chunkIdSchema });

const chunkSchema = z.object({ v: z.literal(2), messages: z.array(messageSchema).min(1) });

const legacySchema = z.object({ v: z.literal(1), history: z.array(messageSchema), settings: settingsSchema });

/**
 * A chunk as the head lists it: its id, the positions of its messages that are gone, and a
 * summary of the rest, so the newest part of a history can be read without the whole (see
 * KeyvSessionStore.loadRecent): `n` live messages, of which `pins` pinned, and `cost`, the prompt
 * tokens of the unpinned ones (each message's tokens plus the chat format's overhead). Heads
 * written before the summary existed lack it; such a session is simply read whole.
 */
export interface HeadChunk {
  readonly id: number;
  readonly gone?: readonly number[];
  readonly n?: number;
  readonly cost?: number;
  readonly pins?: number;
}

export interface HeadRecord {
  readonly v: typeof HEAD_VERSION;
  readonly settings: SessionSettings;
  readonly chunks: readonly HeadChunk[];
  readonly next: number;
}

export interface ChunkRecord {
  readonly v: typeof CHUNK_VERSION;
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
  const v2 = headV2Schema.safeParse(value);
  if (v2.success) {
    const { settings, chunks, next } = v2.data;
    return { ok: true, kind: 'head', head: { v: HEAD_VERSION, settings: settings as SessionSettings, chunks: chunks.map((id) => ({ id })), next } };
  }
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

/** A stored chunk: its id, the very message objects its record holds, and which of them are gone. */
export interface Chunk {
  readonly id: number;
  readonly stored: readonly HistoryMessage[];
  /** Positions in `stored` of messages no longer in the history, ascending; recorded in the head only. */
  readonly gone: readonly number[];
}

/** The messages of a chunk that are still in the history, in order. */
export function liveMessages(chunk: Chunk): readonly HistoryMessage[] {
  if (chunk.gone.length === 0) return chunk.stored;
  const gone = new Set(chunk.gone);
  return chunk.stored.filter((_, k) => !gone.has(k));
}

const headEntries = new WeakMap<Chunk, HeadChunk>();

/** How the head lists `chunk` (worked out once per chunk object; chunks are never mutated). */
export function headEntry(chunk: Chunk): HeadChunk {
  const known = headEntries.get(chunk);
  if (known !== undefined) return known;
  let cost = 0;
  let pins = 0;
  const live = liveMessages(chunk);
  for (const message of live) {
    if (message.pinned) pins += 1;
    else cost += messageCost(message);
  }
  const entry = {
    id: chunk.id,
    ...(chunk.gone.length > 0 ? { gone: chunk.gone } : {}),
    n: live.length,
    cost,
    ...(pins > 0 ? { pins } : {}),
  };
  headEntries.set(chunk, entry);
  return entry;
}

/**
 * Which of a head's chunks hold what a context within `budget` tokens can use: every chunk with
 * a pinned message, and the newest chunks until their unpinned messages cost at least `budget`.
 * buildContext keeps pins and drops the oldest unpinned messages until the rest fits, so what it
 * keeps lies in these chunks: on them it builds the very context it builds on the whole history.
 * Undefined when that is every chunk, or when a chunk has no summary (an older head).
 */
export function recentChunks(chunks: readonly HeadChunk[], budget: number): { read: HeadChunk[]; skipped: number } | undefined {
  const keep = new Set<HeadChunk>();
  let cost = 0;
  for (let i = chunks.length - 1; i >= 0; i -= 1) {
    const chunk = chunks[i];
    if (chunk?.cost === undefined || chunk.n === undefined) return undefined;
    if (cost < budget || chunk.pins !== undefined) keep.add(chunk);
    if (cost < budget) cost += chunk.cost;
  }
  if (keep.size === chunks.length) return undefined;
  const skipped = chunks.reduce((sum, chunk) => sum + (keep.has(chunk) ? 0 : (chunk.n ?? 0)), 0);
  return { read: chunks.filter((chunk) => keep.has(chunk)), skipped };
}

/** Why a chunk as the head lists it cannot be read with the record it names, if it cannot. */
export function chunkProblem(entry: HeadChunk, stored: readonly HistoryMessage[]): string | undefined {
  const gone = entry.gone ?? [];
  const ascending = gone.every((k, i) => k < stored.length && (i === 0 || k > (gone[i - 1] ?? -1)));
  if (!ascending) return `chunk ${String(entry.id)} lists gone messages it does not hold`;
  if (gone.length >= stored.length) return `chunk ${String(entry.id)} has no message left`;
  return undefined;
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
 * Chunk levels by how many live messages they hold: fewer than 16 is level 0, the rest level 1,
 * the top. A second level (merging into chunks of 128) would cut the rows read after a restart
 * from about 70 to about 20 for 1 000 messages, but its merge, a 55 kB write every 64th turn,
 * would sit in the turns' 99th percentile; reading 50 more small rows costs far less.
 */
const LEVEL_BOUNDS = [16] as const;
/** A small (level 0) chunk holds fewer live messages than this: such chunks merge at the end. */
const SMALL_CHUNK = LEVEL_BOUNDS[0];
const TOP_LEVEL = LEVEL_BOUNDS.length;
/** This many chunks of one level (below the top) at the end of the history merge into one. */
export const MERGE_RUN = 8;
/** New runs of messages are cut into chunks at the first round that starts this far in. */
const FRESH_CHUNK = 128;

function levelOf(chunk: Chunk): number {
  const size = chunk.stored.length - chunk.gone.length;
  const level = LEVEL_BOUNDS.findIndex((bound) => size < bound);
  return level === -1 ? TOP_LEVEL : level;
}

/** More chunks than this for a history means it is laid out badly (e.g. a version 2 record): rewrite it. */
function chunkBound(messages: number): number {
  return 32 + messages / 8;
}

/**
 * Which chunks a new history needs, given the stored ones. The domain never mutates messages, so
 * identity tells which stored messages are still there:
 * - a chunk whose surviving messages stand together and in order in the new history is kept;
 *   the head records which of its messages are gone (so a trim is a change to the head only),
 *   until more than half are gone, when its survivors are rewritten;
 * - any other chunk (e.g. one holding a newly pinned message) is dropped and its survivors join
 *   the runs of messages no kept chunk covers, which become new chunks;
 * - appending a round writes one small chunk; whenever the last MERGE_RUN chunks are of one
 *   level, they are merged into one of the next (16 messages).
 * So a turn writes one small chunk and the head, and every 8th turn a merged chunk of 16
 * messages instead, while a 1 000-message history is about 70 rows to read back after a restart
 * rather than 500.
 */
export function planChunks(old: Layout, history: readonly HistoryMessage[]): ChunkPlan {
  const position = new Map<HistoryMessage, number>();
  history.forEach((message, index) => position.set(message, index));
  const chunks: Chunk[] = [];
  const written = new Set<Chunk>();
  const drop: number[] = [];
  let next = old.next;
  let covered = 0;
  const make = (stored: readonly HistoryMessage[]): void => {
    const chunk = { id: next, stored, gone: [] };
    next += 1;
    chunks.push(chunk);
    written.add(chunk);
  };
  const fresh = (end: number): void => {
    let start = covered;
    for (let i = covered + 1; i <= end; i += 1) {
      const cut = i === end || (history[i]?.role === 'user' && i - start >= FRESH_CHUNK);
      if (!cut) continue;
      make(history.slice(start, i));
      start = i;
    }
  };
  const rewriteAll = old.chunks.length > chunkBound(history.length);
  for (const chunk of old.chunks) {
    const alive: HistoryMessage[] = [];
    const gone: number[] = [];
    chunk.stored.forEach((message, k) => {
      if (position.has(message)) alive.push(message);
      else gone.push(k);
    });
    const at = alive[0] === undefined ? undefined : position.get(alive[0]);
    const keep =
      !rewriteAll &&
      at !== undefined &&
      at >= covered &&
      alive.length * 2 >= chunk.stored.length &&
      alive.every((message, k) => history[at + k] === message);
    if (!keep) {
      drop.push(chunk.id);
      continue;
    }
    fresh(at);
    chunks.push(gone.length === chunk.gone.length ? chunk : { ...chunk, gone });
    covered = at + alive.length;
  }
  fresh(history.length);
  for (;;) {
    const run = chunks.slice(-MERGE_RUN);
    const level = run[0] === undefined || run.length < MERGE_RUN ? TOP_LEVEL : levelOf(run[0]);
    if (level === TOP_LEVEL || run.some((chunk) => levelOf(chunk) !== level)) break;
    chunks.length -= MERGE_RUN;
    for (const chunk of run) if (!written.delete(chunk)) drop.push(chunk.id);
    make(run.flatMap(liveMessages));
  }
  return { layout: { chunks, next }, write: chunks.filter((chunk) => written.has(chunk)), drop };
}

/** A history this short (in chunks) is cheap to read whole, so appending to it never reads less. */
const MIN_CHUNKS_TO_READ_LESS = 2 * MERGE_RUN;

/**
 * Which chunks (positions in the head's list) appending `added` messages and then trimming to
 * `limit` must read, when that can be done without reading the whole history: the oldest chunks
 * the trim takes messages from (each is checked against its summary before anything goes; a
 * chunk whose messages are all pinned is passed by unread) and, when the new chunk would complete
 * a run of small chunks to merge, the MERGE_RUN − 1 newest. Undefined when the whole history
 * should be read instead: a head without summaries, a short history, or a trim that reaches the
 * newest chunks (nearly everything pinned, or a limit lowered far).
 */
export function chunksForAppend(chunks: readonly HeadChunk[], added: number, limit: number): number[] | undefined {
  if (chunks.length < MIN_CHUNKS_TO_READ_LESS || chunks.some((chunk) => chunk.n === undefined)) return undefined;
  const tail = chunks.length - (MERGE_RUN - 1);
  const read: number[] = [];
  // As trimToLimit does: the oldest unpinned messages go, as many as the limit is exceeded by.
  let excess = liveCount(chunks) + added - limit;
  for (let position = 0; excess > 0; position += 1) {
    const chunk = chunks[position];
    if (chunk === undefined || position >= tail) return undefined;
    if (allPinned(chunk)) continue; // nothing in it goes: neither read nor changed
    read.push(position);
    excess -= Math.min(excess, (chunk.n ?? 0) - (chunk.pins ?? 0));
  }
  if (mergesWithTail(chunks, added)) {
    for (let position = tail; position < chunks.length; position += 1) read.push(position);
  }
  return read;
}

/** Live messages in all, by the head's summaries (a chunk without one counts as none). */
export function liveCount(chunks: readonly HeadChunk[]): number {
  return chunks.reduce((sum, chunk) => sum + (chunk.n ?? 0), 0);
}

/** Whether `added` new messages make a small chunk that merges with the MERGE_RUN − 1 newest (all small). */
function mergesWithTail(chunks: readonly HeadChunk[], added: number): boolean {
  const tail = chunks.slice(-(MERGE_RUN - 1));
  return added < SMALL_CHUNK && tail.length === MERGE_RUN - 1 && tail.every((chunk) => (chunk.n ?? 0) < SMALL_CHUNK);
}

/** Every live message of the chunk is pinned (by its summary): a trim passes it by. */
function allPinned(chunk: HeadChunk): boolean {
  return chunk.n !== undefined && chunk.pins === chunk.n;
}

export interface AppendPlan {
  /** The new head's chunk list. */
  readonly chunks: readonly HeadChunk[];
  readonly next: number;
  readonly write: readonly Chunk[];
  readonly drop: readonly number[];
}

/**
 * The domain's commitRound (append the round, then trim the oldest unpinned messages down to
 * `limit`) done on a head and the chunks chunksForAppend named (`read`, by position), as
 * planChunks would lay it out: trimmed chunks keep their record and list more messages gone
 * until more than half are, when their survivors are rewritten; the round is a new small chunk,
 * merged with the MERGE_RUN − 1 before it when they are all small. The chunks between are
 * neither read nor changed. Undefined when a chunk it needs was not read, or when the result
 * would need the whole history after all (a merge still small, a layout planChunks would
 * rewrite); the caller then reads the history whole.
 */
export function planAppend(
  chunks: readonly HeadChunk[],
  next: number,
  read: ReadonlyMap<number, Chunk>,
  round: readonly HistoryMessage[],
  limit: number,
): AppendPlan | undefined {
  let total = liveCount(chunks) + round.length;
  let excess = total - limit;
  const entries: HeadChunk[] = [];
  const write: Chunk[] = [];
  const drop: number[] = [];
  let id = next;
  let position = 0;
  for (; excess > 0; position += 1) {
    const entry = chunks[position];
    if (entry !== undefined && allPinned(entry)) {
      entries.push(entry);
      continue;
    }
    const chunk = read.get(position);
    if (chunk === undefined) return undefined;
    const wasGone = new Set(chunk.gone);
    const gone = [...chunk.gone];
    const survivors: HistoryMessage[] = [];
    chunk.stored.forEach((message, k) => {
      if (wasGone.has(k)) return;
      if (excess > 0 && !message.pinned) {
        gone.push(k);
        excess -= 1;
      } else {
        survivors.push(message);
      }
    });
    total -= chunk.stored.length - chunk.gone.length - survivors.length;
    if (survivors.length * 2 >= chunk.stored.length) {
      entries.push(headEntry({ id: chunk.id, stored: chunk.stored, gone: gone.sort((a, b) => a - b) }));
      continue;
    }
    drop.push(chunk.id);
    if (survivors.length === 0) continue;
    const rewritten = { id: id++, stored: survivors, gone: [] };
    write.push(rewritten);
    entries.push(headEntry(rewritten));
  }
  entries.push(...chunks.slice(position));
  // The MERGE_RUN − 1 newest chunks, untouched by the trim, merge with the round if all are small.
  const tail = chunks.length - (MERGE_RUN - 1);
  let last: Chunk;
  if (position <= tail && mergesWithTail(chunks, round.length)) {
    const merged: HistoryMessage[] = [];
    for (let p = tail; p < chunks.length; p += 1) {
      const chunk = read.get(p);
      if (chunk === undefined) return undefined;
      merged.push(...liveMessages(chunk));
      drop.push(chunk.id);
    }
    merged.push(...round);
    if (merged.length < SMALL_CHUNK) return undefined;
    entries.length -= MERGE_RUN - 1;
    last = { id: id++, stored: merged, gone: [] };
  } else {
    last = { id: id++, stored: round, gone: [] };
  }
  write.push(last);
  entries.push(headEntry(last));
  // planChunks rewrites a history laid out in far too many chunks; so must this one be.
  if (chunks.length > chunkBound(total)) return undefined;
  return { chunks: entries, next: id, write, drop };
}

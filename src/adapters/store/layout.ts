import { type PartSummary, summarizePart } from '../../domain/context.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { Session, SessionChange } from '../../domain/session.js';
import type { HeadEntry } from './record.js';

/**
 * A stored chunk as a commit needs to know it: which seqs its record holds (`first`..`last`,
 * `size` of them) and which of those are gone. Chunks partition the history into runs in order,
 * so a chunk's live messages are exactly the history's messages from `first` to `last`; the
 * messages themselves are the session's, not kept here.
 */
export interface LaidChunk {
  readonly id: string;
  readonly first: number;
  readonly last: number;
  readonly size: number;
  /** Seqs the record holds that are no longer in the history, ascending. */
  readonly gone: readonly number[];
  /** Of the live messages, pins as the head says (domain summarizePart). */
  readonly summary: PartSummary;
}

export interface Layout {
  readonly chunks: readonly LaidChunk[];
  /** Seqs of the pinned messages, ascending, as the head lists them. */
  readonly pinned: readonly number[];
  /** Read from a record older than version 4: the next commit lays the whole history out anew. */
  readonly rewrite: boolean;
}

export const EMPTY_LAYOUT: Layout = { chunks: [], pinned: [], rewrite: false };

export interface NewChunk {
  readonly id: string;
  readonly messages: readonly HistoryMessage[];
}

export interface CommitPlan {
  readonly layout: Layout;
  /** Chunk records to write (never an existing key). */
  readonly write: readonly NewChunk[];
  /** Ids of stored chunks the new head no longer lists. */
  readonly drop: readonly string[];
}

/** A chunk of fewer live messages than this is small: runs of small chunks at the end merge. */
export const SMALL_CHUNK = 16;
/** This many small chunks at the end of the history merge into one. */
export const MERGE_RUN = 8;
/** A history laid out anew is cut into chunks at the first round that starts this far in. */
export const FRESH_CHUNK = 128;

/** More chunks than this for a history means it is laid out badly: lay it out anew. */
function chunkBound(messages: number): number {
  return 32 + messages / 8;
}

/**
 * The chunks after `change` (which made `after` from the session `layout` was read with):
 * - an appended run of messages is one new chunk; whenever the last MERGE_RUN chunks are all
 *   small, they merge into one (so a turn writes one small chunk and the head, every 8th turn a
 *   merged chunk of 16 instead, and 1 000 messages are about 70 chunks);
 * - a removed message is only marked gone in the head, until more than half of its chunk is
 *   gone: then the survivors are written as a new chunk and the old one is dropped;
 * - a pin or unpin changes the head only (its list of pinned seqs and the chunk's summary);
 * - a reset drops every chunk; settings live in the head.
 * The change is applied by the domain (applyChange made `after`); this only follows it by seq.
 */
export function planCommit(layout: Layout, before: Session, after: Session, change: SessionChange, newId: () => string): CommitPlan {
  const history = after.history;
  const drop: string[] = [];
  const written = new Map<string, readonly HistoryMessage[]>();
  const make = (messages: readonly HistoryMessage[]): LaidChunk => {
    const first = messages[0]?.seq ?? 0;
    const chunk = { id: newId(), first, last: messages.at(-1)?.seq ?? first, size: messages.length, gone: [], summary: summarizePart(messages) };
    written.set(chunk.id, messages);
    return chunk;
  };
  const finish = (chunks: readonly LaidChunk[], pinned: readonly number[]): CommitPlan => ({
    layout: { chunks, pinned, rewrite: false },
    write: chunks.filter((c) => written.has(c.id)).map((c) => ({ id: c.id, messages: written.get(c.id) ?? [] })),
    drop,
  });
  if (layout.rewrite || change.reset === true || layout.chunks.length > chunkBound(history.length)) {
    drop.push(...layout.chunks.map((c) => c.id));
    return finish(fresh(history).map(make), pinnedSeqs(history));
  }

  const chunks = [...layout.chunks];
  // The chunks (by position) a removal or a pin names a seq of: their summary changes, and
  // perhaps their record. Seqs the session does not hold fall in no chunk or change nothing.
  const touched = new Set<number>();
  for (const seq of [...(change.remove ?? []), ...(change.pin ?? []), ...(change.unpin ?? [])]) {
    const at = chunkHolding(chunks, seq);
    if (at !== undefined) touched.add(at);
  }
  // From the end, so splicing a chunk out does not move the positions still to visit.
  for (const at of [...touched].sort((a, b) => b - a)) {
    const chunk = chunks[at];
    if (chunk === undefined) continue;
    const survivors = slice(history, chunk.first, chunk.last);
    const replacement: LaidChunk[] = [];
    if (survivors.length === 0) drop.push(chunk.id);
    else if (survivors.length * 2 < chunk.size) {
      drop.push(chunk.id);
      replacement.push(make(survivors));
    } else {
      const gone = mergeSorted(chunk.gone, missing(slice(before.history, chunk.first, chunk.last), survivors));
      replacement.push({ ...chunk, gone, summary: summarizePart(survivors) });
    }
    chunks.splice(at, 1, ...replacement);
  }
  // What of the appended run is still there: the same change may remove some of it.
  const append = change.append ?? [];
  const added = append.length === 0 ? [] : slice(history, append[0]?.seq ?? 0, append.at(-1)?.seq ?? 0);
  if (added.length > 0) chunks.push(make(added));
  for (;;) {
    const run = chunks.slice(-MERGE_RUN);
    if (run.length < MERGE_RUN || run.some((c) => c.summary.n >= SMALL_CHUNK)) break;
    chunks.length -= MERGE_RUN;
    for (const chunk of run) if (!written.delete(chunk.id)) drop.push(chunk.id);
    chunks.push(make(slice(history, run[0]?.first ?? 0, run.at(-1)?.last ?? 0)));
  }
  return finish(chunks, pinnedAfter(layout.pinned, after, change));
}

/**
 * The pinned seqs after `change`, read from the messages it names in `after` (the session
 * applyChange made), so neither the order of pin and unpin nor anything else of the rule is
 * repeated here; messages the change does not name keep their flag.
 */
function pinnedAfter(pinned: readonly number[], after: Session, change: SessionChange): number[] {
  const named = [...(change.pin ?? []), ...(change.unpin ?? []), ...(change.append ?? []).map((m) => m.seq), ...(change.remove ?? [])];
  if (named.length === 0) return [...pinned];
  const set = new Set(pinned);
  for (const seq of named) {
    const message = slice(after.history, seq, seq)[0];
    if (message?.pinned === true) set.add(seq);
    else set.delete(seq);
  }
  return [...set].sort((a, b) => a - b);
}

/** Seqs of `before` not in `after` (both ascending by seq, `after` a subsequence of `before`). */
function missing(before: readonly HistoryMessage[], after: readonly HistoryMessage[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const message of before) {
    if (after[j]?.seq === message.seq) j += 1;
    else out.push(message.seq);
  }
  return out;
}

/** A history no chunk holds yet, cut at round starts into chunks of about FRESH_CHUNK messages. */
function fresh(history: readonly HistoryMessage[]): HistoryMessage[][] {
  const out: HistoryMessage[][] = [];
  let start = 0;
  for (let i = 1; i <= history.length; i += 1) {
    if (i === history.length || (history[i]?.role === 'user' && i - start >= FRESH_CHUNK)) {
      out.push(history.slice(start, i));
      start = i;
    }
  }
  return out;
}

/** The position of the chunk whose seq range holds `seq` (binary search: ranges ascend). */
function chunkHolding(chunks: readonly LaidChunk[], seq: number): number | undefined {
  let low = 0;
  let high = chunks.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const chunk = chunks[mid];
    if (chunk === undefined) return undefined;
    if (seq < chunk.first) high = mid - 1;
    else if (seq > chunk.last) low = mid + 1;
    else return mid;
  }
  return undefined;
}

/** The messages of `history` (ascending by seq) with seqs from `first` to `last`. */
export function slice(history: readonly HistoryMessage[], first: number, last: number): HistoryMessage[] {
  const start = lowerBound(history, first);
  const end = lowerBound(history, last + 1);
  return history.slice(start, end);
}

function lowerBound(history: readonly HistoryMessage[], seq: number): number {
  let low = 0;
  let high = history.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((history[mid]?.seq ?? Infinity) < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  return [...a, ...b].sort((x, y) => x - y);
}

/** How the head lists a laid-out chunk. */
export function headEntry(chunk: LaidChunk): HeadEntry {
  const { n, pins, cost } = chunk.summary;
  return { id: chunk.id, ...(chunk.gone.length > 0 ? { gone: chunk.gone } : {}), n, cost, ...(pins > 0 ? { pins } : {}) };
}

const entryTexts = new WeakMap<LaidChunk, string>();

/** headEntry as JSON, worked out once per chunk object (laid-out chunks are never mutated). */
export function headEntryText(chunk: LaidChunk): string {
  let text = entryTexts.get(chunk);
  if (text === undefined) {
    text = JSON.stringify(headEntry(chunk));
    entryTexts.set(chunk, text);
  }
  return text;
}

/** The seqs of the pinned messages, as the head lists them. */
export function pinnedSeqs(history: readonly HistoryMessage[]): number[] {
  const out: number[] = [];
  for (const message of history) if (message.pinned) out.push(message.seq);
  return out;
}

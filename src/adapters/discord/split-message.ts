/**
 * Splits a model reply into Discord-sized messages without breaking Markdown code blocks.
 *
 * Length is measured in UTF-16 code units (`string.length`). Discord's API counts Unicode code
 * points (its staff in discord/discord-api-docs#1315: "the API calculates length based on the
 * number of codepoints"), and a string's UTF-16 length is never smaller than its code-point count,
 * so a piece that fits here always fits there. The cost is that astral characters (most emoji)
 * count twice, so emoji-heavy replies split slightly earlier than strictly necessary.
 */

export const DISCORD_MESSAGE_LIMIT = 2000;

/** Below this there is no room for a reopened fence, its closing line and some content. */
const MIN_LIMIT = 10;

/** Split a model reply into Discord messages of at most `limit` UTF-16 code units each. */
export function splitMessage(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  return split(text, limit, false);
}

/**
 * For a partial (still streaming) text: the pieces as they would be sent now. Same as
 * {@link splitMessage}, but a code block still open at the very end is closed so Discord renders
 * it as code while the rest streams in.
 */
export function splitForDisplay(partial: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  return split(partial, limit, true);
}

interface Fence {
  /** The run of backticks or tildes that opened the block, e.g. "```" or "~~~~". */
  readonly marker: string;
  /** The line that reopens the block in the next piece: marker, info string and a newline. */
  readonly reopen: string;
  /** What closes the block at the end of a piece. */
  readonly close: string;
}

/** What a line of the input is, as far as code fences go. */
const LineKind = { Text: 0, Open: 1, Close: 2 } as const;
type LineKind = (typeof LineKind)[keyof typeof LineKind];

/** Boundary classes, best first. */
const Rank = {
  /** A blank line in prose, or the line break just before or after a code block. */
  Paragraph: 0,
  /** Any line break (inside code, blank lines rank here too). */
  Line: 1,
  /** Spaces or tabs inside a line. */
  Space: 2,
} as const;
type Rank = (typeof Rank)[keyof typeof Rank];
const RANK_COUNT = 3;

interface Candidate {
  /** End of this piece's text (exclusive): the start of the whitespace run being dropped. */
  readonly cut: number;
  /** Where the next piece's text starts (keeps the indentation of its first line). */
  readonly next: number;
}

/** Fence structure of the input, line by line. */
class FenceMap {
  /** Offset of the first character of each line. */
  readonly lineStart: number[] = [];
  readonly kind: LineKind[] = [];
  /** The block open at the start of each line (null outside code). */
  readonly openAtStart: (Fence | null)[] = [];
  /** The block still open after the last line. */
  readonly openAtEnd: Fence | null;

  constructor(text: string, limit: number) {
    let open: Fence | null = null;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      const line = text.slice(start, end);
      this.lineStart.push(start);
      this.openAtStart.push(open);
      if (open === null) {
        const fence = parseOpeningFence(line, limit);
        this.kind.push(fence === null ? LineKind.Text : LineKind.Open);
        open = fence;
      } else if (isClosingFence(line, open.marker)) {
        this.kind.push(LineKind.Close);
        open = null;
      } else {
        this.kind.push(LineKind.Text);
      }
      if (newline === -1) break;
      start = newline + 1;
    }
    this.openAtEnd = open;
  }

  /** Index of the line containing `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at(this.lineStart, mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The block a piece must close when the next piece starts at `offset`. Offsets are line starts or
   * points inside ordinary lines, never inside a fence line, so the state at the line start is it.
   */
  openAt(offset: number): Fence | null {
    return at(this.openAtStart, this.lineOf(offset));
  }
}

function split(text: string, limit: number, closeTrailingFence: boolean): string[] {
  if (!Number.isInteger(limit) || limit < MIN_LIMIT) {
    throw new RangeError(`Expected \`limit\` to be an integer >= ${MIN_LIMIT}, got ${String(limit)}`);
  }
  const end = lastNonWhitespace(text) + 1;
  if (end === 0) return [];

  const fences = new FenceMap(text, limit);
  const pieces: string[] = [];
  let pos = startOfContent(text, 0);

  while (pos < end) {
    const reopened = fences.openAt(pos);
    const prefix = reopened?.reopen ?? '';
    const trailing = closeTrailingFence ? (fences.openAtEnd?.close ?? '') : '';
    if (prefix.length + (end - pos) + trailing.length <= limit) {
      pieces.push(prefix + text.slice(pos, end) + trailing);
      break;
    }

    const room = limit - prefix.length;
    const boundary = findBoundary(text, fences, pos, room);
    if (boundary !== null) {
      const close = fences.openAt(boundary.next)?.close ?? '';
      pieces.push(prefix + text.slice(pos, boundary.cut) + close);
      pos = startOfContent(text, boundary.next);
      continue;
    }

    const cut = hardCut(text, fences, pos, room);
    if (isBlank(text, pos, cut)) {
      // Only indentation fits in the window (thousands of spaces): drop it rather than send a
      // whitespace-only message.
      pos = skipWhitespace(text, pos);
      continue;
    }
    const next = startOfContent(text, cut);
    const close = fences.openAt(next)?.close ?? '';
    pieces.push(prefix + text.slice(pos, cut) + close);
    pos = next;
  }
  return pieces;
}

/**
 * The best whitespace boundary for a piece starting at `pos` with `room` code units left after the
 * reopening fence (if any), or null when the window has no usable whitespace.
 */
function findBoundary(text: string, fences: FenceMap, pos: number, room: number): Candidate | null {
  // A boundary in the second half of the window is preferred over a better-ranked one that would
  // leave a short piece; only when the second half has none do we look at the first half.
  const half = pos + Math.ceil(room / 2);
  const late: (Candidate | undefined)[] = new Array<Candidate | undefined>(RANK_COUNT);
  const early: (Candidate | undefined)[] = new Array<Candidate | undefined>(RANK_COUNT);

  // Scan whitespace runs right to left, so the first candidate seen in each rank is the latest.
  let k = Math.min(pos + room, text.length - 1);
  while (k > pos) {
    if (!isWhitespace(text.charCodeAt(k))) {
      k--;
      continue;
    }
    let runStart = k;
    while (runStart > pos && isWhitespace(text.charCodeAt(runStart - 1))) runStart--;
    // Only the indentation the piece starts with is left: nothing to cut before it.
    if (runStart === pos) break;
    let runEnd = k + 1;
    while (runEnd < text.length && isWhitespace(text.charCodeAt(runEnd))) runEnd++;
    k = runStart - 1;

    const inLateHalf = runStart >= half;
    // Early candidates only matter when the late half has none.
    if (!inLateHalf && late.some((candidate) => candidate !== undefined)) break;
    const bucket = inLateHalf ? late : early;
    // Runs are seen latest first, so a run can only help if it may rank better than what the bucket
    // already holds; skip classifying the rest (a window of code has hundreds of space runs).
    const bestSoFar = bucket.findIndex((candidate) => candidate !== undefined);
    if (bestSoFar !== -1 && bestSoFar <= Rank.Line && !text.slice(runStart, runEnd).includes('\n')) continue;

    const candidate = classify(text, fences, runStart, runEnd);
    if (candidate === null) continue;
    const [rank, next] = candidate;
    if (bestSoFar !== -1 && rank >= bestSoFar) continue;
    const close = fences.openAt(next)?.close ?? '';
    if (runStart - pos + close.length > room) continue;
    bucket[rank] = { cut: runStart, next };
    if (rank === Rank.Paragraph && inLateHalf) break;
  }
  for (const bucket of [late, early]) {
    for (const candidate of bucket) if (candidate !== undefined) return candidate;
  }
  return null;
}

/** Rank a whitespace run as a split point and say where the next piece starts, or null if unusable. */
function classify(text: string, fences: FenceMap, runStart: number, runEnd: number): [Rank, number] | null {
  let newlines = 0;
  let lastNewline = -1;
  for (let k = runStart; k < runEnd; k++) {
    if (text.charCodeAt(k) === NEWLINE) {
      newlines++;
      lastNewline = k;
    }
  }
  const cutLine = fences.lineOf(runStart);
  if (newlines === 0) {
    // Splitting inside "```ts" or after a closing "```" would mangle the fence itself.
    return at(fences.kind, cutLine) === LineKind.Text ? [Rank.Space, runEnd] : null;
  }
  const next = lastNewline + 1;
  const nextLine = fences.lineOf(next);
  const inCode = at(fences.openAtStart, nextLine) !== null;
  if (inCode) {
    // Just after "```ts" or just before the closing "```" would send an empty code block; a hard cut
    // through a long code line is the better last resort.
    const empty = at(fences.kind, cutLine) === LineKind.Open || at(fences.kind, nextLine) === LineKind.Close;
    return empty ? null : [Rank.Line, next];
  }
  const besideCode = at(fences.kind, cutLine) === LineKind.Close || at(fences.kind, nextLine) === LineKind.Open;
  return [newlines >= 2 || besideCode ? Rank.Paragraph : Rank.Line, next];
}

/**
 * Last resort for a window without whitespace: cut as late as fits, on a grapheme boundary when one
 * is near, and never between the two halves of a surrogate pair.
 */
function hardCut(text: string, fences: FenceMap, pos: number, room: number): number {
  // Reserve room for closing whatever block is open where the cut lands; the cut only moves left,
  // so this settles within a few rounds.
  let cut = Math.min(pos + room, text.length);
  for (;;) {
    const close = fences.openAt(startOfContent(text, cut))?.close.length ?? 0;
    const fitted = Math.min(pos + room - close, text.length);
    if (fitted >= cut) break;
    cut = fitted;
  }
  // Never through a fence line: stop before it (the window ends just inside it).
  const line = fences.lineOf(cut);
  const lineStart = at(fences.lineStart, line);
  if (at(fences.kind, line) !== LineKind.Text && lineStart > pos) cut = lineStart;
  const grapheme = graphemeStart(text, pos, cut);
  if (grapheme !== null) cut = grapheme;
  else if (isLowSurrogate(text.charCodeAt(cut)) && isHighSurrogate(text.charCodeAt(cut - 1)) && cut - 1 > pos) cut--;
  // Whitespace before the cut belongs to the split point, so the next piece keeps its indentation.
  while (cut - 1 > pos && isWhitespace(text.charCodeAt(cut - 1))) cut--;
  return cut;
}

let segmenter: Intl.Segmenter | undefined;

/** Start of the grapheme cluster containing `cut` if it starts after `pos`, else null. */
function graphemeStart(text: string, pos: number, cut: number): number | null {
  if (isSimple(text, cut)) return cut;
  // Segment from a certain boundary (or pos): starting anywhere else can misread what comes before
  // cut, e.g. a run of flags pairs its regional indicators from the start of the run. Whether cut is
  // a boundary also depends on the whole code point at cut, which may be two code units.
  let from = cut - 1;
  while (from > pos && !isSimple(text, from)) from--;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const segment = segmenter.segment(text.slice(from, cut + 2)).containing(cut - from);
  if (segment === undefined) return null;
  const start = from + segment.index;
  return start > pos ? start : null;
}

/**
 * Whether offset is certainly a grapheme cluster boundary, judging by its two neighbours alone:
 * between two characters below U+0300 there always is one (combining marks, joiners, emoji
 * modifiers and prepended marks all lie above), except inside CR LF.
 */
function isSimple(text: string, offset: number): boolean {
  const before = text.charCodeAt(offset - 1);
  const after = text.charCodeAt(offset);
  return before < 0x300 && after < 0x300 && !(before === 0x0d && after === NEWLINE);
}

/** Skip blank lines and inter-word spaces, but keep the indentation of the line content starts on. */
function startOfContent(text: string, offset: number): number {
  const runEnd = skipWhitespace(text, offset);
  for (let i = runEnd - 1; i >= offset; i--) if (text.charCodeAt(i) === NEWLINE) return i + 1;
  const atLineStart = offset === 0 || text.charCodeAt(offset - 1) === NEWLINE;
  return atLineStart ? offset : runEnd;
}

function skipWhitespace(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

function lastNonWhitespace(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && isWhitespace(text.charCodeAt(i))) i--;
  return i;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isWhitespace(text.charCodeAt(i))) return false;
  return true;
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/s;

/**
 * A CommonMark-style opening fence: up to three spaces, three or more backticks or tildes, then an
 * info string (which may not contain a backtick after a backtick fence, or "```js```" would open a
 * block). Fences too long to reopen and close within half a message are treated as plain text.
 */
function parseOpeningFence(line: string, limit: number): Fence | null {
  const match = FENCE_LINE.exec(line);
  if (match === null) return null;
  const marker = match[1] ?? '';
  const info = (match[2] ?? '').trim();
  if (marker.startsWith('`') && info.includes('`')) return null;
  const reopen = `${marker}${info}\n`;
  const close = `\n${marker}`;
  if (reopen.length + close.length > limit / 2) return null;
  return { marker, reopen, close };
}

/** A closing fence: the same character, at least as many of it, and nothing else on the line. */
function isClosingFence(line: string, marker: string): boolean {
  const match = FENCE_LINE.exec(line);
  if (match === null) return false;
  const run = match[1] ?? '';
  return run[0] === marker[0] && run.length >= marker.length && (match[2] ?? '').trim() === '';
}

const NEWLINE = 0x0a;

function isWhitespace(code: number): boolean {
  // Not NBSP and friends: a non-breaking space is content, not a place to break.
  return code === 0x20 || code === NEWLINE || code === 0x09 || code === 0x0d || code === 0x0b || code === 0x0c;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Indexing for arrays that cover every line by construction. */
function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined && !(index in items)) throw new Error(`No line ${index}`);
  return item as T;
}

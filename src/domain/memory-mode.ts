/**
 * Memory modes: how much of a session's history is kept.
 *
 * - `window` (the default): the message limit, at every commit; the token budget then decides what
 *   of it each request carries (buildContext).
 * - `tokens`: also a per-channel token cap, as LangChain's token buffer keeps it: after every
 *   commit (and at once when set) the oldest unpinned messages go until the kept history, pins
 *   included, is at most `memoryTokens` (each message's tokens plus the chat format's 3). Pins count
 *   but are never removed, as under the limit.
 * - `summary`: what the limit (or the recent buffer's tokens, `memoryTokens` when set) would drop is
 *   first folded into a running summary (summary.ts); nothing leaves otherwise. Setting it drops
 *   nothing: the first fold comes after the next answer.
 */
import { userError } from './errors.js';
import { type Changed, type MemoryMode, type Removed, type Session, trimToLimit } from './session.js';

export const MEMORY_MODES: readonly MemoryMode[] = ['window', 'tokens', 'summary'];
export const MIN_MEMORY_TOKENS = 64;
export const MAX_MEMORY_TOKENS = 2_000_000;

export interface MemoryModeResult {
  readonly mode: MemoryMode;
  /** The token cap in tokens mode; summary mode's recent buffer, when set. */
  readonly tokens: number | undefined;
  readonly removed: Removed;
}

/**
 * Sets the mode, trimming at once to what it keeps. Tokens mode needs a cap: `tokens`, else the
 * one the session had; window mode forgets the cap.
 */
export function setMemoryMode(session: Session, mode: MemoryMode, tokens: number | undefined, limit: number): Changed<MemoryModeResult> {
  if (tokens !== undefined && (!Number.isInteger(tokens) || tokens < MIN_MEMORY_TOKENS || tokens > MAX_MEMORY_TOKENS)) {
    throw userError('bad_memory_tokens', { reason: 'range', tokens, min: MIN_MEMORY_TOKENS, max: MAX_MEMORY_TOKENS });
  }
  const { memoryMode: _mode, memoryTokens: previous, ...rest } = session.settings;
  if (mode === 'window') {
    if (tokens !== undefined) throw userError('bad_memory_tokens', { reason: 'not_tokens_mode', tokens, min: MIN_MEMORY_TOKENS, max: MAX_MEMORY_TOKENS });
    const settings = rest;
    return { session: { ...session, settings }, change: { settings }, result: { mode, tokens: undefined, removed: [] } };
  }
  if (mode === 'summary') {
    // The buffer's tokens are optional here: unset, summary.ts derives them from the budget.
    const settings = { ...rest, memoryMode: mode, ...(tokens === undefined ? {} : { memoryTokens: tokens }) };
    return { session: { ...session, settings }, change: { settings }, result: { mode, tokens, removed: [] } };
  }
  const cap = tokens ?? previous;
  if (cap === undefined) throw userError('bad_memory_tokens', { reason: 'missing', min: MIN_MEMORY_TOKENS, max: MAX_MEMORY_TOKENS });
  const settings = { ...rest, memoryMode: mode, memoryTokens: cap };
  const trimmed = trimToLimit({ ...session, settings }, limit, cap);
  const change = { ...trimmed.change, settings };
  return { session: trimmed.session, change, result: { mode, tokens: cap, removed: trimmed.result } };
}

import { parseIndices } from '../domain/indices.js';
import { userError } from '../domain/errors.js';
import { MAX_MEMORY_TOKENS, MEMORY_MODES, MIN_MEMORY_TOKENS } from '../domain/memory-mode.js';
import { MAX_LIMIT, MAX_ROLLBACK, type MemoryMode, MIN_LIMIT, validateLimit } from '../domain/session.js';

/** A line typed at the terminal: a question, or one of the memory commands with positional arguments. */
export type TerminalInput =
  | { readonly kind: 'question'; readonly text: string }
  | { readonly kind: 'rollback'; readonly count: number }
  | { readonly kind: 'pin' | 'unpin'; readonly indices: readonly number[] }
  | { readonly kind: 'limit'; readonly limit: number | undefined }
  | { readonly kind: 'reset' }
  | { readonly kind: 'history'; readonly page: number }
  | { readonly kind: 'forge'; readonly role: 'user' | 'assistant'; readonly content: string }
  | { readonly kind: 'memory'; readonly mode: MemoryMode; readonly tokens: number | undefined }
  | { readonly kind: 'export' | 'import'; readonly path: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'blank' };

/**
 * Reads one line. Plain lines are questions; `/name args` are commands, taking the same
 * arguments as the slash commands (positionally) and refused with the same errors. A line that
 * starts with `//` is a question starting with `/`.
 */
export function parseLine(line: string): TerminalInput {
  const text = line.trim();
  if (text === '') return { kind: 'blank' };
  if (!text.startsWith('/') || text.startsWith('//')) return { kind: 'question', text: text.startsWith('//') ? text.slice(1) : line };
  const [name = '', ...rest] = text.slice(1).split(/\s+/);
  const args = rest.join(' ');
  switch (name) {
    case 'rollback':
      return { kind: 'rollback', count: args === '' ? 1 : wholeNumber(args, 'count', 1, MAX_ROLLBACK) };
    case 'pin':
    case 'unpin':
      return { kind: name, indices: parseIndices(args) };
    case 'limit':
      return { kind: 'limit', limit: args === '' ? undefined : validateLimit(wholeNumber(args, 'limit', MIN_LIMIT, MAX_LIMIT)) };
    case 'reset':
      return { kind: 'reset' };
    case 'history':
      return { kind: 'history', page: args === '' ? 1 : wholeNumber(args, 'page', 1, Number.MAX_SAFE_INTEGER) };
    case 'forge': {
      const [role = '', ...words] = rest;
      if (role !== 'user' && role !== 'assistant') throw userError('bad_choice', { value: role, allowed: ['user', 'assistant'] });
      // The text as typed after the role, inner spacing kept.
      const content = text.slice(1).replace(/^forge\s+\S+\s?/, '');
      return { kind: 'forge', role, content: words.length === 0 ? '' : content };
    }
    case 'memory': {
      const [mode = '', tokens] = rest;
      if (mode !== 'window' && mode !== 'tokens') throw userError('bad_choice', { value: mode, allowed: [...MEMORY_MODES] });
      const cap = tokens === undefined ? undefined : /^\d{1,9}$/.test(tokens) ? Number(tokens) : Number.NaN;
      if (cap !== undefined && !Number.isInteger(cap)) {
        throw userError('bad_memory_tokens', { reason: 'range', tokens: 0, min: MIN_MEMORY_TOKENS, max: MAX_MEMORY_TOKENS });
      }
      return { kind: 'memory', mode, tokens: cap };
    }
    case 'export':
    case 'import':
      if (args === '') throw userError('bad_choice', { value: '', allowed: ['FILE'] });
      return { kind: name, path: args };
    case 'help':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    default:
      throw userError('unknown_command', { name });
  }
}

/** A whole number argument, refused as the slash option's bounds would refuse it. */
function wholeNumber(text: string, what: 'count' | 'limit' | 'page', min: number, max: number): number {
  const value = /^[+-]?\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (what === 'limit') {
    if (!Number.isInteger(value)) throw userError('bad_limit', { limit: value, min, max });
    return value;
  }
  // A page that is not a number is page 0, which the history view refuses with the real page count.
  if (what === 'page') return Number.isInteger(value) ? value : 0;
  if (!Number.isInteger(value) || value < min || value > max) throw userError('bad_count', { count: value, min, max });
  return value;
}

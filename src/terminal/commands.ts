import { parseIndices } from '../domain/indices.js';
import { userError } from '../domain/errors.js';
import type { ModelChoice } from '../domain/channel-settings.js';
import {
  INTEGER_PARAMS,
  MAX_REPLY_TOKENS_BOUND,
  type ModelParams,
  PARAM_NAMES,
  paramBounds,
  REASONING_EFFORTS,
  type ReasoningEffort,
} from '../domain/model-params.js';
import { MAX_LIMIT, MAX_ROLLBACK, type MemoryMode, MIN_LIMIT, validateLimit } from '../domain/session.js';
import { MAX_MEMORY_TOKENS, MEMORY_MODES, MIN_MEMORY_TOKENS } from '../domain/memory-mode.js';

/** A line typed at the terminal: a question, or one of the memory commands with positional arguments. */
export type TerminalInput =
  | { readonly kind: 'question'; readonly text: string }
  | { readonly kind: 'rollback'; readonly count: number }
  | { readonly kind: 'pin' | 'unpin'; readonly indices: readonly number[] }
  | { readonly kind: 'limit'; readonly limit: number | undefined }
  | { readonly kind: 'reset' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'history'; readonly page: number }
  | { readonly kind: 'forge'; readonly role: 'user' | 'assistant'; readonly content: string }
  | { readonly kind: 'memory'; readonly mode: MemoryMode; readonly tokens: number | undefined }
  | { readonly kind: 'export' | 'import'; readonly path: string }
  | { readonly kind: 'settings' }
  | { readonly kind: 'usage'; readonly scope: 'channel' | 'bot' }
  | { readonly kind: 'system'; readonly action: 'show' | 'reset' }
  | { readonly kind: 'system'; readonly action: 'set'; readonly prompt: string }
  | { readonly kind: 'model'; readonly action: 'show' | 'reset' }
  | { readonly kind: 'model'; readonly action: 'set'; readonly choice: ModelChoice }
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
    case 'retry':
      return { kind: 'retry' };
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
      const [typed = '', tokens] = rest;
      const mode = MEMORY_MODES.find((m) => m === typed);
      if (mode === undefined) throw userError('bad_choice', { value: typed, allowed: [...MEMORY_MODES] });
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
    case 'settings':
      return { kind: 'settings' };
    case 'usage':
      if (args !== '' && args !== 'bot') throw userError('bad_choice', { value: args, allowed: ['bot'] });
      return { kind: 'usage', scope: args === 'bot' ? 'bot' : 'channel' };
    case 'system':
      return systemInput(text);
    case 'model':
      return modelInput(rest);
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

/** `/system`, `/system show`, `/system reset`, `/system set PROMPT` (the prompt as typed, to the end of the line). */
function systemInput(text: string): TerminalInput {
  const match = /^\/system(?:\s+(\S+))?(?:\s+([\s\S]*))?$/.exec(text);
  const action = match?.[1] ?? 'show';
  if (action === 'set') return { kind: 'system', action, prompt: match?.[2] ?? '' };
  if (action === 'show' || action === 'reset') return { kind: 'system', action };
  throw userError('unknown_command', { name: `system ${action}` });
}

/** `/model`, `/model show`, `/model reset`, `/model set NAME [param=value…]` with the API's parameter names. */
function modelInput(args: readonly string[]): TerminalInput {
  const [action = 'show', name = '', ...pairs] = args;
  if (action === 'show' || action === 'reset') return { kind: 'model', action };
  if (action !== 'set') throw userError('unknown_command', { name: `model ${action}` });
  const params: Record<string, number | string> = {};
  for (const pair of pairs) {
    const [key = '', value = ''] = pair.split('=', 2);
    const param = PARAM_BY_NAME.get(key);
    if (param === undefined) throw userError('unknown_model_param', { name: key, allowed: Object.values(PARAM_NAMES) });
    params[param] = param === 'reasoningEffort' ? reasoningEffort(value) : paramNumber(param, value);
  }
  return { kind: 'model', action, choice: { name, params: params } };
}

const PARAM_BY_NAME: ReadonlyMap<string, keyof ModelParams> = new Map(
  (Object.entries(PARAM_NAMES) as [keyof ModelParams, string][]).map(([param, name]) => [name, param]),
);

/** A number as typed; the domain checks its range (validateParams), this only that it is one. */
function paramNumber(param: Exclude<keyof ModelParams, 'reasoningEffort'>, text: string): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value)) {
    const { min, max } = paramBounds(MAX_REPLY_TOKENS_BOUND)[param];
    throw userError('bad_model_param', { param, value: text, min, max, integer: INTEGER_PARAMS.has(param) });
  }
  return value;
}

function reasoningEffort(text: string): ReasoningEffort {
  const effort = REASONING_EFFORTS.find((e) => e === text);
  if (effort === undefined) throw userError('bad_reasoning_effort', { value: text, allowed: REASONING_EFFORTS });
  return effort;
}

import { userError } from './errors.js';

export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** Completion parameters a channel may set; an unset one is not sent at all. */
export interface ModelParams {
  readonly temperature?: number;
  readonly topP?: number;
  /** The reply limit; unset, MAX_REPLY_TOKENS. */
  readonly maxTokens?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly seed?: number;
  readonly reasoningEffort?: ReasoningEffort;
}

/** The API's names of the parameters, which /model set also takes (the same in every language). */
export const PARAM_NAMES = {
  temperature: 'temperature',
  topP: 'top_p',
  maxTokens: 'max_tokens',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  seed: 'seed',
  reasoningEffort: 'reasoning_effort',
} as const satisfies { readonly [P in keyof ModelParams]-?: string };

export type NumericParam = Exclude<keyof ModelParams, 'reasoningEffort'>;

/** Whole-number parameters (the rest take any number in their range). */
export const INTEGER_PARAMS: ReadonlySet<NumericParam> = new Set(['maxTokens', 'seed']);

/** Discord's integer options hold ±(2^53 − 1), which is also where JSON numbers stop being exact. */
const SEED_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * The allowed range of each numeric parameter, as OpenAI documents them. `maxTokens` is bounded
 * by the room the token budget leaves for the reply (MAX_REPLY_TOKENS), passed in.
 */
export function paramBounds(maxReplyTokens: number): { readonly [P in NumericParam]: { readonly min: number; readonly max: number } } {
  return {
    temperature: { min: 0, max: 2 },
    topP: { min: 0, max: 1 },
    maxTokens: { min: 1, max: maxReplyTokens },
    frequencyPenalty: { min: -2, max: 2 },
    presencePenalty: { min: -2, max: 2 },
    seed: { min: -SEED_BOUND, max: SEED_BOUND },
  };
}

/** The most MAX_REPLY_TOKENS can be (src/config.ts), so the registered option's bound. */
export const MAX_REPLY_TOKENS_BOUND = 1_000_000;

/**
 * Checks every parameter against its range (Discord checks the registered bounds first; this is
 * the bot's own check, for the terminal and for a reply limit lower than the registered one).
 * Throws a UserError naming the first bad one and its range.
 */
export function validateParams(params: ModelParams, maxReplyTokens: number): ModelParams {
  const bounds = paramBounds(maxReplyTokens);
  for (const param of Object.keys(bounds) as NumericParam[]) {
    const value = params[param];
    if (value === undefined) continue;
    const { min, max } = bounds[param];
    const whole = !INTEGER_PARAMS.has(param) || Number.isInteger(value);
    if (!Number.isFinite(value) || !whole || value < min || value > max) {
      throw userError('bad_model_param', { param, value, min, max, integer: INTEGER_PARAMS.has(param) });
    }
  }
  if (params.reasoningEffort !== undefined && !REASONING_EFFORTS.includes(params.reasoningEffort)) {
    throw userError('bad_reasoning_effort', { value: params.reasoningEffort, allowed: REASONING_EFFORTS });
  }
  return params;
}

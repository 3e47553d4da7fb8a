import type { UserError } from '../domain/errors.js';
import type { ModelErrorDetails, ModelErrorKind } from './chat-model.js';

/**
 * Why a question got no answer that became memory, as data: each surface's presenter says it in
 * its own words. Whatever the problem, the question was not added to memory.
 */
export type AnswerProblem =
  /** The asker is over their question limit; `limit` questions a minute. */
  | { readonly code: 'rate_limited'; readonly limit: number; readonly retryAfterMs: number }
  /** The question itself was refused (too long, empty, over the token budget, ...). */
  | { readonly code: 'refused'; readonly error: UserError }
  | { readonly code: 'model_failed'; readonly kind: ModelErrorKind; readonly details: ModelErrorDetails }
  | { readonly code: 'empty_answer' }
  /** Another process kept changing this session's memory; the answer was shown but not kept. */
  | { readonly code: 'not_stored' }
  /** A bug or an outage on the bot's side (logged). */
  | { readonly code: 'internal' }
  /** The store's database is gone or replaced: nothing can be stored until an operator acts (logged). */
  | { readonly code: 'store_unavailable' }
  /**
   * The bot is stopping: the answer was cut off (`interrupted`, some text was shown) or never
   * started (the question was still queued).
   */
  | { readonly code: 'restarting'; readonly interrupted: boolean }
  /** The answer was cut off while it was being written: by a command on memory, or by the person who asked. */
  | { readonly code: 'cancelled'; readonly by: CancelReason };

/**
 * What cancels an answer being written: /reset or /rollback (so the memory they leave is the one the
 * person sees), or the person who asked it (Ctrl-C in the terminal).
 */
export type CancelReason = 'reset' | 'rollback' | 'interrupted';

/** Why a person may not use the bot here, or not now. */
export type Refusal =
  | { readonly code: 'not_enabled'; readonly decision: 'blocked' | 'not_enabled' }
  | { readonly code: 'rate_limited'; readonly limit: number; readonly retryAfterMs: number; readonly notify: boolean };

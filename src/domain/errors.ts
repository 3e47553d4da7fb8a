import type { ImportProblem } from './portable.js';
/**
 * The one root of every error contextcord means to show a person: a code and structured details.
 * Words are the presenters' business (each surface renders codes its own way, in its own
 * language); `message` is for logs only. Anything that is not a ContextcordError is a bug or an
 * outage and is logged.
 */
export abstract class ContextcordError<Code extends string = string, Details extends object = object> extends Error {
  constructor(
    readonly code: Code,
    readonly details: Details,
    options?: { cause?: unknown },
  ) {
    super(`${code}${Object.keys(details).length === 0 ? '' : ` ${JSON.stringify(details)}`}`, options);
  }
}

/** What each refusal a person caused (or can fix) carries for its presenter. */
export interface UserErrorDetails {
  /** Memory is empty; `action` is what was refused (rollback, pin, ...). */
  readonly empty_history: { readonly action: 'rollback' | 'pin' | 'unpin' };
  readonly rollback_out_of_range: { readonly count: number; readonly rounds: number };
  readonly index_out_of_range: { readonly indices: readonly number[]; readonly length: number };
  readonly bad_indices:
    | { readonly reason: 'not_a_list'; readonly text: string }
    | { readonly reason: 'too_many'; readonly max: number; readonly got: number }
    | { readonly reason: 'not_a_number'; readonly text: string };
  readonly bad_limit: { readonly limit: number; readonly min: number; readonly max: number };
  readonly bad_count: { readonly count: number; readonly min: number; readonly max: number };
  readonly bad_page: { readonly page: number; readonly pages: number };
  readonly message_too_long: { readonly length: number; readonly max: number };
  readonly empty_message: Record<string, never>;
  readonly context_over_budget: { readonly needed: number; readonly budget: number; readonly images: boolean };
  /** The question alone needs more than `limit` tokens (counting stopped there): it cannot fit `budget`. */
  readonly question_over_budget: { readonly limit: number; readonly budget: number };
  readonly bad_forge: Record<string, never>;
  /** /memory's `tokens:` is out of range, missing for tokens mode, or given for another mode. */
  readonly bad_memory_tokens: {
    readonly reason: 'range' | 'missing' | 'not_tokens_mode';
    readonly tokens?: number;
    readonly min: number;
    readonly max: number;
  };
  /** A typed argument is not one of the choices (a terminal command's role or mode). */
  readonly bad_choice: { readonly value: string; readonly allowed: readonly string[] };
  /** A file could not be read or written (the terminal's /export FILE, /import FILE); `reason` is the system's code, e.g. ENOENT. */
  readonly file_failed: { readonly action: 'read' | 'write'; readonly path: string; readonly reason: string };
  /** A file /import was given is not a session it can take; nothing was changed. */
  readonly bad_import: ImportProblem;
  readonly unknown_command: { readonly name: string };

  // ---- per-channel control ----
  readonly system_prompt_too_long: { readonly length: number; readonly max: number };
  /** The system prompt alone (with the reply priming) needs `tokens`, over the request budget. */
  readonly system_prompt_over_budget: { readonly tokens: number; readonly budget: number };
  /** `models` is MODELS; empty when any name is accepted (then `name` was blank). */
  readonly model_not_offered: { readonly name: string; readonly models: readonly string[] };
  readonly bad_model_param: {
    readonly param: 'temperature' | 'topP' | 'maxTokens' | 'frequencyPenalty' | 'presencePenalty' | 'seed';
    /** The value given; text when it was not a number at all (typed in the terminal). */
    readonly value: number | string;
    readonly min: number;
    readonly max: number;
    readonly integer: boolean;
  };
  readonly bad_reasoning_effort: { readonly value: string; readonly allowed: readonly string[] };
  /** A parameter /model set does not take (typed in the terminal as name=value). */
  readonly unknown_model_param: { readonly name: string; readonly allowed: readonly string[] };
  /** /retry found no answer to regenerate: memory is empty, or its last round has no question (trimmed away). */
  readonly nothing_to_retry: { readonly reason: 'empty' | 'no_question' };
  /** /retry of a round someone else asked, by someone who is not a moderator; `author` is who asked (may be empty). */
  readonly retry_not_yours: { readonly author: string };
  /** The whole bot's /usage: in a DM, or for a moderator (Manage Messages). */
  readonly usage_bot_not_allowed: Record<string, never>;
  /** The round being regenerated changed while the new answer was written (a /rollback, another process). */
  readonly retry_stale: Record<string, never>;
}

export type UserErrorCode = keyof UserErrorDetails;

/** Something a person did wrong or can fix. Nothing was changed when one is thrown. */
export class UserError<C extends UserErrorCode = UserErrorCode> extends ContextcordError<C, UserErrorDetails[C]> {
  override readonly name = 'UserError';
}

export function userError<C extends UserErrorCode>(code: C, details: UserErrorDetails[C]): UserError<C> {
  return new UserError(code, details);
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** Narrows a UserError to one code, with its details typed. */
export function isUserErrorOf<C extends UserErrorCode>(error: unknown, code: C): error is UserError<C> {
  return error instanceof UserError && error.code === code;
}

import type { ChatMessage } from '../domain/context.js';
import { ContextcordError } from '../domain/errors.js';
import type { ModelParams } from '../domain/model-params.js';

export interface CompletionRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  /** The parameters the session set (maxTokens aside, which is above); nothing else is sent. */
  readonly params?: Omit<ModelParams, 'maxTokens'>;
  readonly signal?: AbortSignal;
}

export interface Completion {
  readonly text: string;
  /** 'stop', or 'length' when the reply hit the token cap. */
  readonly finishReason: string | null;
  /** The tokens the server says it took, when it said (stream_options.include_usage). */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
}

/**
 * A chat model that streams. `onText` receives the whole text so far each time it grows.
 * Failures are thrown as ModelError.
 */
export interface ChatModel {
  complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion>;
}

export const MODEL_ERROR_KINDS = [
  'rate_limited',
  'unavailable',
  'timeout',
  'auth',
  'context_length',
  'bad_request',
  'interrupted',
  'aborted',
] as const;
export type ModelErrorKind = (typeof MODEL_ERROR_KINDS)[number];

/** What a presenter may say about a model failure beyond its kind. */
export interface ModelErrorDetails {
  /** Which failure of its kind it was. */
  readonly reason?:
    | 'went_silent'
    | 'too_slow'
    | 'unreachable'
    | 'unknown_model'
    | 'rejected'
    | 'server_error'
    | 'no_key_left'
    | 'dropped';
  /** The server's HTTP status, when it answered with an error. */
  readonly status?: number;
  /** Set when the retries gave up: how many tries were made. */
  readonly attempts?: number;
  /** Set when the server asked to wait longer than the bot will. */
  readonly waitMs?: number;
}

/** A completion failed; status codes and ids stay in the cause, for logs. */
export class ModelError extends ContextcordError<ModelErrorKind, ModelErrorDetails> {
  override readonly name = 'ModelError';

  get kind(): ModelErrorKind {
    return this.code;
  }
}

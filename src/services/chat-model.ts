import type { ChatMessage } from '../domain/context.js';

export interface CompletionRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly signal?: AbortSignal;
}

export interface Completion {
  readonly text: string;
  /** 'stop', or 'length' when the reply hit the token cap. */
  readonly finishReason: string | null;
}

/**
 * A chat model that streams. `onText` receives the whole text so far each time it grows.
 * Failures are thrown as ModelError, with a message fit to show a person.
 */
export interface ChatModel {
  complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion>;
}

export type ModelErrorKind =
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'auth'
  | 'context_length'
  | 'bad_request'
  | 'interrupted'
  | 'aborted';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly kind: ModelErrorKind,
    /** Short, for people: what failed, without internals or secrets. */
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
  }
}

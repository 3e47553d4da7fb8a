import OpenAI from 'openai';
import type { ChatModel, Completion, CompletionRequest } from '../services/chat-model.js';
import { ModelError } from '../services/chat-model.js';

export interface OpenAIChatModelOptions {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  /** Retries of a request that failed before streaming began (429, 5xx, resets, timeouts). */
  readonly maxRetries?: number;
  readonly timeoutMs?: number;
}

/** Chat completions through the official SDK, against any OpenAI-compatible server. */
export class OpenAIChatModel implements ChatModel {
  private readonly client: OpenAI;

  constructor(options: OpenAIChatModelOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  async complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion> {
    let text = '';
    let finishReason: string | null = null;
    let started = false;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          // max_tokens, not max_completion_tokens: every OpenAI-compatible server understands it.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          max_tokens: request.maxTokens,
          stream: true,
        },
        request.signal === undefined ? {} : { signal: request.signal },
      );
      for await (const chunk of stream) {
        started = true;
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        if (choice.finish_reason !== null) finishReason = choice.finish_reason;
        const delta = choice.delta.content;
        if (delta !== undefined && delta !== null && delta !== '') {
          text += delta;
          onText(text);
        }
      }
    } catch (error) {
      throw toModelError(error, started || text !== '');
    }
    return { text, finishReason };
  }
}

/** Turns SDK errors into ones a person can read; status codes and ids stay in the cause for logs. */
export function toModelError(error: unknown, midStream: boolean): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof OpenAI.APIUserAbortError) {
    return new ModelError('aborted', 'The answer was cancelled.', { cause: error });
  }
  if (midStream) {
    return new ModelError('interrupted', 'The model stopped in the middle of its answer.', { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError('timeout', 'The model took too long to answer.', { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError('unavailable', 'The model server could not be reached.', { cause: error });
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new ModelError('rate_limited', 'The model server is rate limiting requests right now.', { cause: error });
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new ModelError('auth', 'The model server refused the API key.', { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.code === 'context_length_exceeded') {
    return new ModelError('context_length', 'The conversation is longer than the model accepts.', { cause: error });
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new ModelError('bad_request', 'The model server does not know the configured model.', { cause: error });
  }
  if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
    return new ModelError('bad_request', 'The model server rejected the request.', { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    return new ModelError('unavailable', 'The model server had an error.', { cause: error });
  }
  return new ModelError('unavailable', 'The model could not be reached.', { cause: error });
}

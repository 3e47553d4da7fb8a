import OpenAI, { type APIError } from 'openai';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ModelParams } from '../domain/model-params.js';
import type { ChatMessage } from '../domain/context.js';
import type { ChatModel, Completion, CompletionRequest } from '../engine/chat-model.js';
import { ModelError } from '../engine/chat-model.js';
import { type FaultFacts, retryAfterFromHeaders } from '../services/retry.js';

/** The request parameter that carries the reply limit. */
export type MaxTokensParam = 'max_tokens' | 'max_completion_tokens';
/** MAX_TOKENS_PARAM: a parameter, or `auto` to choose by server and model. */
export type MaxTokensParamSetting = 'auto' | MaxTokensParam;

/** OpenAI's reasoning models (o-series, gpt-5): OpenAI refuses `max_tokens` for them. */
const REASONING_MODEL = /^(o1|o3|o4|gpt-5)/i;

/**
 * Which parameter to send the reply limit in. OpenAI's own API gets `max_completion_tokens`: it
 * marks `max_tokens` deprecated and refuses it for reasoning models. Any other OpenAI-compatible
 * server (Ollama, LM Studio, vLLM…) gets `max_tokens`, which all of them understand and some only
 * that, unless the model is a reasoning model, whose servers (proxies in front of OpenAI, Azure)
 * pass the request on to an API that would refuse it. A setting other than `auto` wins.
 */
export function chooseMaxTokensParam(setting: MaxTokensParamSetting, baseURL: string | undefined, model: string): MaxTokensParam {
  if (setting !== 'auto') return setting;
  if (baseURL === undefined || hostOf(baseURL) === 'api.openai.com') return 'max_completion_tokens';
  return REASONING_MODEL.test(model) ? 'max_completion_tokens' : 'max_tokens';
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export interface OpenAIChatModelOptions {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  /** How the reply limit is sent (see chooseMaxTokensParam). Default `auto`. */
  readonly maxTokensParam?: MaxTokensParamSetting | undefined;
  /**
   * OPENAI_EXTRA_BODY: operator-level fields added to every request (provider-specific options);
   * the fields the bot sets itself win.
   */
  readonly extraBody?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The SDK's own retries of a request that failed before streaming began (default 2).
   * KeyPoolChatModel passes 0 and retries itself, across keys.
   */
  readonly maxRetries?: number;
  /** Longest wait for the response to begin (its headers). Default 60 s. */
  readonly timeoutMs?: number;
  /** Longest silence between two chunks of a streaming answer. Default 30 s. */
  readonly idleTimeoutMs?: number;
}

/** The cause of a stream that went silent for longer than the idle timeout. */
export class StreamIdleError extends Error {
  override readonly name = 'StreamIdleError';
  constructor(readonly idleTimeoutMs: number) {
    super(`No chunk arrived for ${String(idleTimeoutMs)} ms; the stream was aborted`);
  }
}

/** Chat completions through the official SDK, against any OpenAI-compatible server. */
export class OpenAIChatModel implements ChatModel {
  private readonly client: OpenAI;
  private readonly idleTimeoutMs: number;
  private readonly baseURL: string | undefined;
  private readonly maxTokensParam: MaxTokensParamSetting;
  private readonly extraBody: Readonly<Record<string, unknown>>;

  constructor(options: OpenAIChatModelOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 60_000,
    });
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.baseURL = options.baseURL;
    this.maxTokensParam = options.maxTokensParam ?? 'auto';
    this.extraBody = options.extraBody ?? {};
  }

  async complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion> {
    let text = '';
    let finishReason: string | null = null;
    let usage: Completion['usage'];
    // The SDK's timeout stops at the headers; a stream that then goes silent is stopped by this one.
    const idle = new AbortController();
    const signal = request.signal === undefined ? idle.signal : AbortSignal.any([request.signal, idle.signal]);
    let timer: NodeJS.Timeout | undefined;
    const rearm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), this.idleTimeoutMs);
    };
    const limit =
      chooseMaxTokensParam(this.maxTokensParam, this.baseURL, request.model) === 'max_completion_tokens'
        ? { max_completion_tokens: request.maxTokens }
        : // Deprecated on OpenAI's own API, and sent only elsewhere (see chooseMaxTokensParam).
          { max_tokens: request.maxTokens };
    try {
      const stream = await this.client.chat.completions.create(
        {
          ...this.extraBody,
          model: request.model,
          messages: request.messages.map(toOpenAIMessage),
          ...limit,
          ...paramsBody(request.params ?? {}),
          stream: true,
          // The usage comes in one last chunk with no choices (/usage); an operator's OPENAI_EXTRA_BODY
          // may set stream_options itself, e.g. for a server that refuses the field.
          ...('stream_options' in this.extraBody ? {} : { stream_options: { include_usage: true } }),
        },
        { signal },
      );
      rearm();
      for await (const chunk of stream) {
        rearm();
        if (chunk.usage !== undefined && chunk.usage !== null) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        if (choice.finish_reason !== null) finishReason = choice.finish_reason;
        const delta = choice.delta.content;
        if (delta !== undefined && delta !== null && delta !== '') {
          text += delta;
          onText(text);
        }
      }
      // An aborted stream ends the loop quietly, as if the answer were complete: it was not.
      if (request.signal?.aborted === true) throw new OpenAI.APIUserAbortError();
      if (idle.signal.aborted) throw new StreamIdleError(this.idleTimeoutMs);
    } catch (error) {
      throw toModelError(error, text !== '');
    } finally {
      clearTimeout(timer);
    }
    return usage === undefined ? { text, finishReason } : { text, finishReason, usage };
  }
}

/**
 * The parameters a session set, in the API's names; one it did not set is left out, so the
 * server's own default applies (some servers refuse parameters they do not know).
 */
export function paramsBody(params: Omit<ModelParams, 'maxTokens'>): Partial<ChatCompletionCreateParamsStreaming> {
  const body: Partial<ChatCompletionCreateParamsStreaming> = {};
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.frequencyPenalty !== undefined) body.frequency_penalty = params.frequencyPenalty;
  if (params.presencePenalty !== undefined) body.presence_penalty = params.presencePenalty;
  // Deprecated on OpenAI's own API (it may ignore it), but honoured by other servers (vLLM, llama.cpp): a channel asked for it.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.reasoningEffort !== undefined) body.reasoning_effort = params.reasoningEffort;
  return body;
}

/**
 * Turns SDK errors into ModelErrors by kind; status codes and ids stay in the cause for logs.
 * `midStream`: some text was already shown, so the failure interrupts an answer (never retried).
 */
export function toModelError(error: unknown, midStream: boolean): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof OpenAI.APIUserAbortError) {
    return new ModelError('aborted', {}, { cause: error });
  }
  if (midStream) {
    return new ModelError('interrupted', {}, { cause: error });
  }
  if (error instanceof StreamIdleError) {
    return new ModelError('timeout', { reason: 'went_silent' }, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelError('timeout', { reason: 'too_slow' }, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelError('unavailable', { reason: 'unreachable' }, { cause: error });
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new ModelError('rate_limited', {}, { cause: error });
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new ModelError('auth', {}, { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.code === 'context_length_exceeded') {
    return new ModelError('context_length', {}, { cause: error });
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new ModelError('bad_request', { reason: 'unknown_model' }, { cause: error });
  }
  if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
    return new ModelError('bad_request', { reason: 'rejected' }, { cause: error });
  }
  if (isApiError(error)) {
    return new ModelError('unavailable', { reason: 'server_error', ...(error.status === undefined ? {} : { status: error.status }) }, { cause: error });
  }
  // A socket that dropped while the stream was being read surfaces as a bare TypeError.
  return new ModelError('unavailable', { reason: 'dropped' }, { cause: error });
}

/** What a retry policy needs from a failure beyond its kind: status, x-should-retry, Retry-After. */
export interface ModelFaultFacts extends FaultFacts {
  readonly retryAfterMs: number | undefined;
}

/** Reads the HTTP facts of a failure from the SDK error kept as its cause. */
export function faultFacts(error: ModelError, now: number): ModelFaultFacts {
  const cause = error.cause;
  if (!isApiError(cause)) return { status: undefined, shouldRetry: undefined, retryAfterMs: undefined };
  const headers = cause.headers;
  const should = headers?.get('x-should-retry');
  return {
    status: cause.status,
    shouldRetry: should === 'true' ? true : should === 'false' ? false : undefined,
    retryAfterMs: retryAfterFromHeaders(headers, now),
  };
}

/** `instanceof` alone would type the status and headers as `any`. */
function isApiError(error: unknown): error is APIError {
  return error instanceof OpenAI.APIError;
}

/**
 * A question with images becomes content parts. Low detail: a fixed, small cost per image
 * (TOKENS_PER_IMAGE), which is what the budget counts.
 */
function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === 'user' && message.images !== undefined && message.images.length > 0) {
    return {
      role: 'user',
      content: [
        { type: 'text', text: message.content },
        ...message.images.map((url) => ({ type: 'image_url' as const, image_url: { url, detail: 'low' as const } })),
      ],
    };
  }
  return { role: message.role, content: message.content };
}

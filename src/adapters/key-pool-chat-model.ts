import type { Logger } from '../logger.js';
import { type ChatModel, type Completion, type CompletionRequest, ModelError, type ModelErrorKind } from '../engine/chat-model.js';
import { backoffMs, retryDecision } from '../services/retry.js';
import { faultFacts, type MaxTokensParamSetting, OpenAIChatModel, toModelError } from './openai-chat-model.js';

export interface KeyPoolChatModelOptions {
  /** One or more keys, used round-robin (duplicates are used once). */
  readonly apiKeys: readonly string[];
  readonly baseURL?: string | undefined;
  /** MAX_TOKENS_PARAM: how the reply limit is sent. Default `auto`. */
  readonly maxTokensParam?: MaxTokensParamSetting | undefined;
  /** OPENAI_EXTRA_BODY: fields added to every request. */
  readonly extraBody?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Re-sends after a transient fault (429, 5xx, reset, timeout, silent stream). A key refused
   * with 401/403 does not use one up: the request never reached a working key.
   */
  readonly maxRetries: number;
  /** Longest wait for the response to begin, per attempt. */
  readonly timeoutMs: number;
  /** Longest silence between two chunks of a streaming answer. */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
  /** Longest wait the pool accepts; a server asking for more fails the request at once. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  /** Exponential backoff for faults without Retry-After. Default 500 ms doubling up to 8 s. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Injected for tests; the default is an abortable timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Told of every failed attempt and every retry (metrics); nothing by default. */
  readonly observer?: ModelObserver;
}

/** What the pool reports about its attempts. Calls are cheap and never throw. */
export interface ModelObserver {
  /** An attempt failed with this kind of fault, whether or not it is tried again. */
  failed(kind: ModelErrorKind): void;
  /** The request is sent again (on another key, or after a wait) after a fault of this kind. */
  retried(kind: ModelErrorKind): void;
}

const NO_OBSERVER: ModelObserver = { failed: () => undefined, retried: () => undefined };

interface PooledKey {
  readonly label: string;
  readonly model: OpenAIChatModel;
  /** Rate limited until this time (ms since the epoch). */
  coolUntil: number;
  removed: boolean;
}

/**
 * A chat model over several API keys of one server. Requests take the keys in turn; a rate
 * limited key rests for its Retry-After while the others carry on; a refused key leaves the pool
 * until restart. Transient faults are retried with exponential backoff and jitter, but never
 * once text has been shown, since people would see the answer change under them.
 */
export class KeyPoolChatModel implements ChatModel {
  private readonly keys: PooledKey[];
  private cursor = 0;
  private readonly logger: Logger;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly observer: ModelObserver;

  constructor(options: KeyPoolChatModelOptions) {
    const unique = [...new Set(options.apiKeys.map((k) => k.trim()).filter((k) => k !== ''))];
    if (unique.length === 0) throw new RangeError('Expected `apiKeys` to hold at least one non-empty key, got none');
    if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
      throw new RangeError(`Expected \`maxRetries\` to be an integer >= 0, got ${String(options.maxRetries)}`);
    }
    this.keys = unique.map((apiKey, i) => ({
      label: keyLabel(apiKey, i),
      model: new OpenAIChatModel({
        apiKey,
        baseURL: options.baseURL,
        maxTokensParam: options.maxTokensParam,
        extraBody: options.extraBody,
        maxRetries: 0,
        timeoutMs: options.timeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
      }),
      coolUntil: 0,
      removed: false,
    }));
    this.logger = options.logger;
    this.maxRetries = options.maxRetries;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.backoff = options.backoff ?? { baseMs: 500, maxMs: 8_000 };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /** Keys still in the pool. */
  get liveKeys(): number {
    return this.keys.filter((k) => !k.removed).length;
  }

  async complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion> {
    let next = this.cursor;
    let retries = 0;
    let attempts = 0;
    let last: ModelError | undefined;
    for (;;) {
      const key = await this.takeKey(next, request.signal, last);
      attempts += 1;
      let failure: ModelError;
      try {
        return await key.model.complete(request, onText);
      } catch (error) {
        failure = toModelError(error, false);
      }
      this.observer.failed(failure.kind);
      last = failure;
      const facts = faultFacts(failure, this.now());
      const decision = retryDecision(failure.kind, facts);
      const log = { key: key.label, kind: failure.kind, status: facts.status, attempt: attempts };
      next = (this.keys.indexOf(key) + 1) % this.keys.length;

      if (decision === 'fail') throw failure;
      if (decision === 'drop_key') {
        // Requests in flight together may all meet the same refused key; it is reported once.
        if (!key.removed) {
          key.removed = true;
          this.logger.warn({ ...log, keysLeft: this.liveKeys }, `model server refused API key ${key.label}; it is out of the pool until restart`);
        }
        if (this.liveKeys === 0) throw new ModelError('auth', { reason: 'no_key_left' }, { cause: failure });
        this.observer.retried(failure.kind);
        continue;
      }
      if (retries >= this.maxRetries) {
        throw new ModelError(failure.kind, { ...failure.details, attempts }, { cause: failure });
      }
      const waitMs = backoffMs(retries, { ...this.backoff, random: this.random, retryAfterMs: facts.retryAfterMs });
      retries += 1;
      if (decision === 'next_key') {
        // The key rests; takeKey moves on to another, or waits for the first one to be ready.
        key.coolUntil = this.now() + waitMs;
        this.logger.info({ ...log, coolMs: waitMs }, 'model request rate limited; trying the next key');
        this.observer.retried(failure.kind);
        continue;
      }
      if (waitMs > this.maxRetryAfterMs) throw tooLongWait(failure, waitMs);
      this.logger.info({ ...log, waitMs }, 'model request failed; retrying');
      this.observer.retried(failure.kind);
      await this.sleep(waitMs, request.signal);
    }
  }

  /**
   * The first key from `start` on (in ring order) that is in the pool and not resting; when all
   * rest, waits for the one that is ready first, unless that is longer than the server may ask.
   */
  private async takeKey(start: number, signal: AbortSignal | undefined, last: ModelError | undefined): Promise<PooledKey> {
    for (;;) {
      throwIfAborted(signal);
      const now = this.now();
      let soonest: PooledKey | undefined;
      for (let i = 0; i < this.keys.length; i++) {
        const key = this.keys[(start + i) % this.keys.length];
        if (key === undefined || key.removed) continue;
        if (key.coolUntil <= now) {
          // Set before any await, so requests started together take different keys.
          this.cursor = (this.keys.indexOf(key) + 1) % this.keys.length;
          return key;
        }
        if (soonest === undefined || key.coolUntil < soonest.coolUntil) soonest = key;
      }
      if (soonest === undefined) throw new ModelError('auth', { reason: 'no_key_left' });
      const waitMs = soonest.coolUntil - now;
      if (waitMs > this.maxRetryAfterMs) {
        const limited = last?.kind === 'rate_limited' ? last : new ModelError('rate_limited', {});
        throw tooLongWait(limited, waitMs);
      }
      await this.sleep(waitMs, signal);
      // Another request may have taken or dropped keys meanwhile, so look again.
    }
  }
}

/** How a key appears in logs: its place in OPENAI_API_KEY, and its last four characters if it is long enough to keep the rest secret. */
export function keyLabel(apiKey: string, index: number): string {
  const place = `#${String(index + 1)}`;
  return apiKey.length >= 12 ? `${place} (…${apiKey.slice(-4)})` : place;
}

function tooLongWait(failure: ModelError, waitMs: number): ModelError {
  return new ModelError(failure.kind, { ...failure.details, waitMs }, { cause: failure });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ModelError('aborted', {}, { cause: signal.reason });
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

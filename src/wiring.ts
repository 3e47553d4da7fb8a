import { gptTokenCounter } from './adapters/gpt-tokenizer.js';
import { KeyPoolChatModel, type ModelObserver } from './adapters/key-pool-chat-model.js';
import { type PooledChatModel, ProviderChatModel } from './adapters/provider-chat-model.js';
import type { CachingSessionStore } from './adapters/store/caching-store.js';
import { storeOpenFailure } from './adapters/store/open-failure.js';
import { openSessionStore } from './adapters/store/open-session-store.js';
import { type Config, promptBudget } from './config.js';
import type { AccessPolicy } from './domain/access.js';
import { SlidingWindowLimiter } from './domain/rate-limit.js';
import type { ChatModel } from './engine/chat-model.js';
import { Engine } from './engine/engine.js';
import { Memory } from './engine/memory.js';
import { accessPrecondition, type Precondition, rateLimitPrecondition } from './engine/preconditions.js';
import type { SessionStore } from './engine/session-store.js';
import type { TurnObserver } from './engine/turn-observer.js';
import type { Logger } from './logger.js';

/** The configured store, cached; an open that fails is a StartupError naming the path. */
export async function configuredStore(config: Config, logger: Logger): Promise<CachingSessionStore> {
  try {
    return await openSessionStore(config.STORE_URL, logger, {
      cachedMessages: config.SESSION_CACHE_MESSAGES,
      quarantineDays: config.QUARANTINE_DAYS,
    });
  } catch (error) {
    throw storeOpenFailure(config.STORE_URL, error);
  }
}

/**
 * The configured model servers: the OpenAI SDK over a key pool for the main server and one for
 * each provider MODELS names, telling `observer` of faults and retries.
 */
export function configuredModel(config: Config, logger: Logger, observer?: ModelObserver): PooledChatModel {
  const main = configuredPool(config, { apiKeys: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL }, logger, observer);
  if (config.providers.length === 0) return main;
  const providers = new Map(
    config.providers.map((p) => [p.name, configuredPool(config, { apiKeys: p.apiKeys, baseURL: p.baseURL }, logger.child({ provider: p.name }), observer)]),
  );
  return new ProviderChatModel(main, providers);
}

function configuredPool(
  config: Config,
  server: { readonly apiKeys: readonly string[]; readonly baseURL: string | undefined },
  logger: Logger,
  observer: ModelObserver | undefined,
): KeyPoolChatModel {
  return new KeyPoolChatModel({
    apiKeys: server.apiKeys,
    baseURL: server.baseURL,
    maxTokensParam: config.MAX_TOKENS_PARAM,
    extraBody: config.OPENAI_EXTRA_BODY,
    maxRetries: config.OPENAI_MAX_RETRIES,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    idleTimeoutMs: config.OPENAI_IDLE_TIMEOUT_MS,
    logger,
    ...(observer === undefined ? {} : { observer }),
  });
}

export function configuredMemory(config: Config, store: SessionStore): Memory {
  return new Memory(
    store,
    { limit: config.HISTORY_LIMIT, systemPrompt: config.SYSTEM_PROMPT, model: defaultModel(config), tokenBudget: promptBudget(config) },
    { tokens: gptTokenCounter, maxMessageChars: config.MAX_MESSAGE_CHARS, tokenBudget: promptBudget(config), now: Date.now },
    { models: config.MODELS ?? [], maxReplyTokens: config.MAX_REPLY_TOKENS },
  );
}

/** The model a channel uses until it chooses one: the first of MODELS, else OPENAI_MODEL. */
export function defaultModel(config: Pick<Config, 'MODELS' | 'OPENAI_MODEL'>): string {
  return config.MODELS?.[0] ?? config.OPENAI_MODEL;
}

/** The allow-lists, block-list and question rate limit the configuration sets: what Discord users pass. */
export function configuredPreconditions(config: Config): Precondition[] {
  const access: AccessPolicy = {
    allowedGuildIds: config.ALLOWED_GUILD_IDS ?? new Set(),
    allowedChannelIds: config.ALLOWED_CHANNEL_IDS ?? new Set(),
    allowedRoleIds: config.ALLOWED_ROLE_IDS ?? new Set(),
    blockedUserIds: config.BLOCKED_USER_IDS ?? new Set(),
  };
  const preconditions = [accessPrecondition(access)];
  if (config.USER_RATE_LIMIT > 0) preconditions.push(rateLimitPrecondition(new SlidingWindowLimiter(config.USER_RATE_LIMIT, 60_000)));
  return preconditions;
}

/** One engine over the configured store and model, for any surface. */
export function configuredEngine(
  config: Config,
  parts: { store: SessionStore; model: ChatModel; logger: Logger; preconditions: readonly Precondition[]; observer?: TurnObserver | undefined },
): Engine {
  return new Engine(configuredMemory(config, parts.store), parts.model, parts.logger, {
    maxReplyTokens: config.MAX_REPLY_TOKENS,
    maxConcurrent: config.MAX_CONCURRENT_COMPLETIONS,
    preconditions: parts.preconditions,
    timeZone: config.TIMEZONE,
    ...(parts.observer === undefined ? {} : { observer: parts.observer }),
  });
}

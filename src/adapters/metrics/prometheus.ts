import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MODEL_ERROR_KINDS } from '../../engine/chat-model.js';
import { ANSWER_OUTCOMES, type Engine } from '../../engine/engine.js';
import type { TurnObserver } from '../../engine/turn-observer.js';
import type { DiscordObserver } from '../discord/client-health.js';
import type { ModelObserver } from '../key-pool-chat-model.js';
import type { CachingSessionStore } from '../store/caching-store.js';
import type { StoreTiming } from '../store/timed-store.js';

/** Where the gauges read their figures, at each scrape. */
export interface GaugeSources {
  readonly engine: Pick<Engine, 'maxQueueDepth' | 'completions'>;
  readonly cache: Pick<CachingSessionStore, 'cached'>;
  /** Keys left in the model's key pool; left out when the model is not a key pool. */
  readonly keysAlive?: (() => number) | undefined;
}

// Answers take seconds (a model streaming); store operations take milliseconds.
const ANSWER_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/**
 * The bot's metrics in one Prometheus registry of its own (not prom-client's global one, so
 * several bots in one process keep theirs apart), with Node's default process metrics. The
 * observers it hands out are what the engine, the key pool, the store and the Discord client
 * report to; the gauges are read when the registry is scraped.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();

  private readonly answers = new Counter({
    name: 'contextcord_answers_total',
    help: 'Questions by how their turn ended: answered, ignored, rejected, rate_limited, failed, undelivered.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly firstText = new Histogram({
    name: 'contextcord_answer_first_text_seconds',
    help: "Time from a question reaching the engine to the model's first text of its answer.",
    buckets: ANSWER_BUCKETS,
    registers: [this.registry],
  });
  private readonly fullAnswer = new Histogram({
    name: 'contextcord_answer_seconds',
    help: 'Time from a question reaching the engine to its whole answer delivered to Discord.',
    buckets: ANSWER_BUCKETS,
    registers: [this.registry],
  });
  private readonly promptTokens = new Counter({
    name: 'contextcord_prompt_tokens_total',
    help: 'Prompt tokens sent in completions that produced an answer (counted by the bot).',
    registers: [this.registry],
  });
  private readonly replyTokens = new Counter({
    name: 'contextcord_reply_tokens_total',
    help: "Tokens of the answers' text (counted by the bot).",
    registers: [this.registry],
  });
  private readonly modelErrors = new Counter({
    name: 'contextcord_model_errors_total',
    help: 'Failed attempts at a completion, by kind of fault, whether or not they were retried.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly modelRetries = new Counter({
    name: 'contextcord_model_retries_total',
    help: 'Completions sent again (another key, or after a wait), by the kind of fault before.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly storeSeconds = new Histogram({
    name: 'contextcord_store_operation_seconds',
    help: 'Session store operations as the engine waits for them (cache included), by operation and outcome (ok, conflict, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  private readonly rest429 = new Counter({
    name: 'contextcord_discord_rest_429_total',
    help: 'Discord REST responses with status 429, by X-RateLimit-Scope (user, global, shared).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  private readonly restHeld = new Counter({
    name: 'contextcord_discord_rest_held_total',
    help: 'Discord REST requests discord.js held back until a rate limit reset, before Discord had to answer 429.',
    labelNames: ['global'] as const,
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'contextcord_discord_gateway_reconnects_total',
    help: 'Gateway connections that closed and were reconnected (resumed or identified anew).',
    registers: [this.registry],
  });
  private readonly resumes = new Counter({
    name: 'contextcord_discord_gateway_resumes_total',
    help: 'Gateway sessions resumed after a reconnect, missing no event.',
    registers: [this.registry],
  });

  readonly turns: TurnObserver = {
    answered: (outcome) => this.answers.inc({ outcome }),
    firstText: (ms) => this.firstText.observe(ms / 1000),
    finished: (ms) => this.fullAnswer.observe(ms / 1000),
    tokens: (prompt, reply) => {
      this.promptTokens.inc(prompt);
      this.replyTokens.inc(reply);
    },
  };

  readonly model: ModelObserver = {
    failed: (kind) => this.modelErrors.inc({ kind }),
    retried: (kind) => this.modelRetries.inc({ kind }),
  };

  readonly store: StoreTiming = (operation, outcome, seconds) => this.storeSeconds.observe({ operation, outcome }, seconds);

  readonly discord: DiscordObserver = {
    restRateLimited: (scope) => this.rest429.inc({ scope }),
    restHeldBack: (global) => this.restHeld.inc({ global: String(global) }),
    gatewayReconnecting: () => this.reconnects.inc(),
    gatewayResumed: () => this.resumes.inc(),
  };

  private gaugesAdded = false;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every label value a dashboard may ask for is there from the start, so rates start at 0.
    for (const outcome of ANSWER_OUTCOMES) this.answers.inc({ outcome }, 0);
    for (const kind of MODEL_ERROR_KINDS) {
      this.modelErrors.inc({ kind }, 0);
      this.modelRetries.inc({ kind }, 0);
    }
    this.rest429.inc({ scope: 'user' }, 0);
  }

  /** Adds the gauges read from `sources` at each scrape; once, when the parts exist. */
  gauges(sources: GaugeSources): void {
    if (this.gaugesAdded) throw new Error('PrometheusMetrics.gauges was called twice; the gauges are added once');
    this.gaugesAdded = true;
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    };
    gauge(
      'contextcord_session_queue_depth_max',
      'Questions queued or being answered in the busiest session (1: one being answered, none waiting).',
      () => sources.engine.maxQueueDepth,
    );
    gauge('contextcord_completions_in_flight', 'Completions running now (at most MAX_CONCURRENT_COMPLETIONS).', () => sources.engine.completions.running);
    gauge('contextcord_completions_waiting', 'Completions waiting for one of the MAX_CONCURRENT_COMPLETIONS slots.', () => sources.engine.completions.waiting);
    gauge('contextcord_sessions_cached', 'Sessions held decoded in memory.', () => sources.cache.cached.sessions);
    gauge('contextcord_messages_cached', 'Messages of the cached sessions, in all (SESSION_CACHE_MESSAGES bounds it).', () => sources.cache.cached.messages);
    const { keysAlive } = sources;
    if (keysAlive !== undefined) gauge('contextcord_model_keys_alive', 'API keys still in the pool (a refused key leaves it until restart).', keysAlive);
  }

  /** The registry as Prometheus's text format, and its content type. */
  async scrape(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

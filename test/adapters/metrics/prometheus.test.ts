import { describe, expect, it } from 'vitest';
import { type GaugeSources, PrometheusMetrics } from '../../../src/adapters/metrics/prometheus.js';
import { declaredMetrics, parseMetrics, valueOf } from '../../helpers/prometheus.js';

/** Sources whose figures the test sets between scrapes. */
function sources(keys = true) {
  const figures = { depth: 0, running: 0, waiting: 0, sessions: 0, messages: 0, keys: 2 };
  const parts: GaugeSources = {
    engine: {
      get maxQueueDepth() {
        return figures.depth;
      },
      get completions() {
        return { running: figures.running, waiting: figures.waiting };
      },
    },
    cache: {
      get cached() {
        return { sessions: figures.sessions, messages: figures.messages };
      },
    },
    keysAlive: keys ? () => figures.keys : undefined,
  };
  return { figures, parts };
}

async function scrape(metrics: PrometheusMetrics) {
  const { body } = await metrics.scrape();
  return { text: body, samples: parseMetrics(body) };
}

describe('PrometheusMetrics', () => {
  it('counts what the engine reports: outcomes, both latencies in seconds, tokens in and out', async () => {
    const metrics = new PrometheusMetrics();
    metrics.turns.answered('answered');
    metrics.turns.answered('answered');
    metrics.turns.answered('failed');
    metrics.turns.firstText(200);
    metrics.turns.finished(1500);
    metrics.turns.tokens(120, 30);
    metrics.turns.tokens(80, 12);
    const { samples } = await scrape(metrics);
    expect(valueOf(samples, 'contextcord_answers_total', { outcome: 'answered' })).toBe(2);
    expect(valueOf(samples, 'contextcord_answers_total', { outcome: 'failed' })).toBe(1);
    // Outcomes that never happened are there as 0, so a rate over them starts at once.
    expect(valueOf(samples, 'contextcord_answers_total', { outcome: 'undelivered' })).toBe(0);
    expect(valueOf(samples, 'contextcord_answer_first_text_seconds_count')).toBe(1);
    expect(valueOf(samples, 'contextcord_answer_first_text_seconds_sum')).toBeCloseTo(0.2);
    expect(valueOf(samples, 'contextcord_answer_first_text_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(valueOf(samples, 'contextcord_answer_first_text_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(valueOf(samples, 'contextcord_answer_seconds_sum')).toBeCloseTo(1.5);
    expect(valueOf(samples, 'contextcord_answer_seconds_bucket', { le: '1' })).toBe(0);
    expect(valueOf(samples, 'contextcord_answer_seconds_bucket', { le: '2' })).toBe(1);
    expect(valueOf(samples, 'contextcord_prompt_tokens_total')).toBe(200);
    expect(valueOf(samples, 'contextcord_reply_tokens_total')).toBe(42);
  });

  it('counts model faults and retries by kind, store operations by operation and outcome, and Discord events', async () => {
    const metrics = new PrometheusMetrics();
    metrics.model.failed('timeout');
    metrics.model.failed('timeout');
    metrics.model.retried('timeout');
    metrics.store('commit', 'ok', 0.003);
    metrics.store('commit', 'conflict', 0.004);
    metrics.store('loadForContext', 'ok', 0.0004);
    metrics.discord.restRateLimited('global');
    metrics.discord.restHeldBack(false);
    metrics.discord.gatewayReconnecting();
    metrics.discord.gatewayResumed();
    const { samples } = await scrape(metrics);
    expect(valueOf(samples, 'contextcord_model_errors_total', { kind: 'timeout' })).toBe(2);
    expect(valueOf(samples, 'contextcord_model_errors_total', { kind: 'auth' })).toBe(0);
    expect(valueOf(samples, 'contextcord_model_retries_total', { kind: 'timeout' })).toBe(1);
    expect(valueOf(samples, 'contextcord_store_operation_seconds_count', { operation: 'commit', outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'contextcord_store_operation_seconds_count', { operation: 'commit', outcome: 'conflict' })).toBe(1);
    expect(valueOf(samples, 'contextcord_store_operation_seconds_bucket', { operation: 'loadForContext', outcome: 'ok', le: '0.0005' })).toBe(1);
    expect(valueOf(samples, 'contextcord_store_operation_seconds_bucket', { operation: 'commit', outcome: 'ok', le: '0.0025' })).toBe(0);
    expect(valueOf(samples, 'contextcord_discord_rest_429_total', { scope: 'global' })).toBe(1);
    expect(valueOf(samples, 'contextcord_discord_rest_429_total', { scope: 'user' })).toBe(0);
    expect(valueOf(samples, 'contextcord_discord_rest_held_total', { global: 'false' })).toBe(1);
    expect(valueOf(samples, 'contextcord_discord_gateway_reconnects_total')).toBe(1);
    expect(valueOf(samples, 'contextcord_discord_gateway_resumes_total')).toBe(1);
  });

  it('reads the gauges at each scrape', async () => {
    const metrics = new PrometheusMetrics();
    const { figures, parts } = sources();
    metrics.gauges(parts);
    let { samples } = await scrape(metrics);
    expect(valueOf(samples, 'contextcord_session_queue_depth_max')).toBe(0);
    expect(valueOf(samples, 'contextcord_model_keys_alive')).toBe(2);
    Object.assign(figures, { depth: 3, running: 2, waiting: 1, sessions: 4, messages: 96, keys: 1 });
    ({ samples } = await scrape(metrics));
    expect(valueOf(samples, 'contextcord_session_queue_depth_max')).toBe(3);
    expect(valueOf(samples, 'contextcord_completions_in_flight')).toBe(2);
    expect(valueOf(samples, 'contextcord_completions_waiting')).toBe(1);
    expect(valueOf(samples, 'contextcord_sessions_cached')).toBe(4);
    expect(valueOf(samples, 'contextcord_messages_cached')).toBe(96);
    expect(valueOf(samples, 'contextcord_model_keys_alive')).toBe(1);
  });

  it('has no key gauge for a model that is not a key pool, and adds its gauges once only', async () => {
    const metrics = new PrometheusMetrics();
    metrics.gauges(sources(false).parts);
    const { text } = await scrape(metrics);
    expect(declaredMetrics(text)).toContain('contextcord_sessions_cached');
    expect(declaredMetrics(text)).not.toContain('contextcord_model_keys_alive');
    expect(() => metrics.gauges(sources().parts)).toThrow(/called twice/);
  });

  it("keeps its own registry, with Node's default process metrics, so two bots in one process do not mix", async () => {
    const first = new PrometheusMetrics();
    const second = new PrometheusMetrics();
    first.turns.answered('answered');
    const one = await scrape(first);
    const two = await scrape(second);
    expect(valueOf(one.samples, 'contextcord_answers_total', { outcome: 'answered' })).toBe(1);
    expect(valueOf(two.samples, 'contextcord_answers_total', { outcome: 'answered' })).toBe(0);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(declaredMetrics(one.text)).toContain(name);
    }
    expect(valueOf(one.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await first.scrape()).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

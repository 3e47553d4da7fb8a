/**
 * Health and metrics end to end: the real bot with HTTP_PORT set, scraped over loopback while it
 * answers, fails, is held up by Discord and the model, reconnects, and loses its store.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gptTokenCounter } from '../../src/adapters/gpt-tokenizer.js';
import { StartupError } from '../../src/startup-errors.js';
import { Loopback } from '../helpers/loopback.js';
import { declaredMetrics, parseMetrics, type Sample, valueOf } from '../helpers/prometheus.js';
import { ada, GENERAL, RANDOM, World } from './harness.js';

const ANSWER = 'Paris is the capital of France, and has been for a long time.';

let world: World;
const loopback = new Loopback();
beforeEach(async () => {
  world = await World.create();
});
afterEach(async () => {
  await world.close();
  await loopback.close();
});

function baseUrl(): string {
  const url = world.app?.http?.url;
  if (url === undefined) throw new Error('the bot serves no health endpoints');
  return url;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${baseUrl()}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parseMetrics(text) };
}

/** Scrapes until `done` holds for the samples (polling, 10 ms apart), or fails after 5 s. */
async function scrapeUntil(done: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { samples } = await scrape();
    if (done(samples)) return samples;
    if (Date.now() > deadline) throw new Error('the metrics never showed what was awaited');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readyz(url = baseUrl()): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

/**
 * Discord's API (the fake's) behind a gate: GET /gateway/bot, the first thing logging in asks,
 * waits until open(); everything else passes straight through.
 */
async function gatedApi(target: string) {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let heldNow = (): void => undefined;
  const held = new Promise<void>((resolve) => (heldNow = resolve));
  const origin = new URL(target).origin;
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url?.endsWith('/gateway/bot') === true) {
        heldNow();
        await opened;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host'));
      const method = req.method ?? 'GET';
      const upstream = await fetch(`${origin}${req.url ?? '/'}`, { method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
      const body = Buffer.from(await upstream.arrayBuffer());
      const passed = [...upstream.headers].filter(([name]) => !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name));
      res.writeHead(upstream.status, Object.fromEntries(passed));
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/api`,
    held,
    open,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('health and metrics', () => {
  it('is off without HTTP_PORT', async () => {
    const app = await world.start();
    expect(app.http).toBeUndefined();
  });

  it('counts an answer and a failure with their latencies, tokens, retries, store operations and cached sessions', async () => {
    await world.start({ HTTP_PORT: '0', OPENAI_MAX_RETRIES: '1' });
    expect(baseUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    world.openai.setResponder(() => ANSWER);
    await world.ask(GENERAL, 'What is the capital of France?');
    world.openai.failNext({ status: 500 }, 2); // the first try and its one retry
    const [failure] = await world.ask(GENERAL, 'And of Spain?');
    expect(failure?.content).toMatch(/not added to memory/);

    const { text, samples } = await scrape();
    const value = (name: string, labels: Record<string, string> = {}): number | undefined => valueOf(samples, name, labels);
    expect(value('contextcord_answers_total', { outcome: 'answered' })).toBe(1);
    expect(value('contextcord_answers_total', { outcome: 'failed' })).toBe(1);
    expect(value('contextcord_answers_total', { outcome: 'rejected' })).toBe(0);
    // Only the answer had text, and was delivered.
    expect(value('contextcord_answer_first_text_seconds_count')).toBe(1);
    expect(value('contextcord_answer_seconds_count')).toBe(1);
    expect(value('contextcord_answer_seconds_sum')).toBeGreaterThan(0);
    expect(value('contextcord_answer_seconds_sum')).toBeGreaterThanOrEqual(value('contextcord_answer_first_text_seconds_sum')!);
    expect(value('contextcord_answer_seconds_bucket', { le: '+Inf' })).toBe(1);
    // The reply's tokens as the bot counts them; the prompt held the system prompt and the question.
    expect(value('contextcord_reply_tokens_total')).toBe(gptTokenCounter.count(ANSWER));
    expect(value('contextcord_prompt_tokens_total')).toBeGreaterThan(gptTokenCounter.count('You are a test bot. Ada: What is the capital of France?'));
    expect(value('contextcord_model_errors_total', { kind: 'unavailable' })).toBe(2);
    expect(value('contextcord_model_retries_total', { kind: 'unavailable' })).toBe(1);
    expect(value('contextcord_model_keys_alive')).toBe(1);
    // Each question read its context; the answer's round was stored before it was shown (one load) and
    // confirmed after from the copy storing it left (no load): two commits.
    const storeCount = (operation: string): number | undefined => value('contextcord_store_operation_seconds_count', { operation, outcome: 'ok' });
    expect([storeCount('loadForContext'), storeCount('load'), storeCount('commit')]).toEqual([2, 1, 2]);
    expect(value('contextcord_store_operation_seconds_sum', { operation: 'commit', outcome: 'ok' })).toBeGreaterThan(0);
    expect(value('contextcord_sessions_cached')).toBe(1);
    expect(value('contextcord_messages_cached')).toBe(2);
    expect(value('contextcord_session_queue_depth_max')).toBe(0);
    expect(value('contextcord_completions_in_flight')).toBe(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);

    // The README lists every metric the bot declares, and no other.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(contextcord_\w+)` \|/gm)].map(([, name]) => name));
    expect(new Set(declaredMetrics(text).filter((name) => name.startsWith('contextcord_')))).toEqual(documented);
  });

  it('shows the queue of a busy channel and the completion in flight while an answer streams', async () => {
    await world.start({ HTTP_PORT: '0' });
    world.openai.setResponder(() => ANSWER);
    // The first answers in both channels stream one chunk, then wait.
    world.openai.failNext({ holdAfterChunks: 1 }, 2);
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'first', mentionBot: true });
    await world.discord.waitFor(() => world.openai.heldStreams === 1);
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'second', mentionBot: true });
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'third', mentionBot: true });
    await world.discord.userMessage({ channelId: RANDOM, author: ada, content: 'elsewhere', mentionBot: true });
    await world.discord.waitFor(() => world.openai.heldStreams === 2);
    const busy = await scrapeUntil((s) => valueOf(s, 'contextcord_session_queue_depth_max') === 3);
    expect(valueOf(busy, 'contextcord_completions_in_flight')).toBe(2);
    expect(valueOf(busy, 'contextcord_completions_waiting')).toBe(0);
    expect(valueOf(busy, 'contextcord_answers_total', { outcome: 'answered' })).toBe(0);
    expect(world.openai.releaseHeldStreams()).toBe(2);
    await world.discord.waitFor(() => world.botMessages(GENERAL).length === 3 && world.botMessages(RANDOM).length === 1);
    await world.settled();
    const idle = (await scrape()).samples;
    expect(valueOf(idle, 'contextcord_session_queue_depth_max')).toBe(0);
    expect(valueOf(idle, 'contextcord_completions_in_flight')).toBe(0);
    expect(valueOf(idle, 'contextcord_answers_total', { outcome: 'answered' })).toBe(4);
    expect(valueOf(idle, 'contextcord_sessions_cached')).toBe(2);
    expect(valueOf(idle, 'contextcord_messages_cached')).toBe(8);
  });

  it("counts Discord's 429s and the gateway's reconnect and resume", async () => {
    await world.start({ HTTP_PORT: '0' });
    world.openai.setResponder(() => 'ok');
    world.discord.failNext({ method: 'POST', path: new RegExp(`^/channels/${GENERAL}/messages$`) }, { status: 429, retryAfter: 0.05 });
    const [reply] = await world.ask(GENERAL, 'hello');
    expect(reply?.content).toBe('ok');
    let samples = (await scrape()).samples;
    expect(valueOf(samples, 'contextcord_discord_rest_429_total', { scope: 'user' })).toBe(1);
    expect(valueOf(samples, 'contextcord_discord_gateway_reconnects_total')).toBe(0);

    world.discord.disconnectGateway();
    samples = await scrapeUntil((s) => valueOf(s, 'contextcord_discord_gateway_resumes_total') === 1);
    expect(valueOf(samples, 'contextcord_discord_gateway_reconnects_total')).toBe(1);
    expect(world.discord.gatewayStats.resumes).toBe(1);
    await expect.poll(async () => (await readyz()).status, { interval: 10 }).toBe(200);
  });

  it('/healthz and /readyz answer while ready; /readyz says 503 once the store is closed', async () => {
    const app = await world.start({ HTTP_PORT: '0' });
    const health = await fetch(`${baseUrl()}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, checks: { gateway: 'ok', store: 'ok' } } });

    await app.store.close();
    expect(await readyz()).toEqual({ status: 503, body: { ready: false, checks: { gateway: 'ok', store: 'failed (see the log)' } } });
    expect((await fetch(`${baseUrl()}/healthz`)).status).toBe(200);
    const logged = world.logs.lines.find((l) => l['msg'] === 'readiness check failed');
    expect(logged).toMatchObject({ check: 'store', err: { message: 'the session store is closed' } });
  });

  it('/readyz says 503 until the gateway is ready, while /healthz answers', async () => {
    const api = await gatedApi(world.discord.apiUrl);
    const port = await loopback.closedPort();
    const url = `http://127.0.0.1:${String(port)}`;
    const starting = world.start({ HTTP_PORT: String(port), DISCORD_API_URL: api.url });
    try {
      // The endpoints listen before the bot logs in; its first request to Discord is held.
      await expect.poll(() => fetch(`${url}/healthz`).then((r) => r.status, () => 0), { interval: 10 }).toBe(200);
      await api.held;
      expect(await readyz(url)).toEqual({ status: 503, body: { ready: false, checks: { gateway: 'not logged in to the gateway', store: 'ok' } } });
    } finally {
      api.open();
      await starting;
      await api.close();
    }
    expect(await readyz(url)).toEqual({ status: 200, body: { ready: true, checks: { gateway: 'ok', store: 'ok' } } });
    expect(world.logs.lines.filter((l) => l['msg'] === 'not ready' || l['msg'] === 'ready').map((l) => l['msg'])).toEqual(['not ready', 'ready']);
  });

  it('a start that fails after the endpoints listen closes them', async () => {
    const port = await loopback.closedPort();
    world.discord.refuseNextIdentify(4004);
    const error = await world.start({ HTTP_PORT: String(port) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: { kind: 'gateway-closed', code: 4004 } });
    await expect(fetch(`http://127.0.0.1:${String(port)}/healthz`)).rejects.toThrow();
  });

  it('a taken HTTP_PORT stops start-up with a StartupError naming it, before logging in', async () => {
    const taken = await loopback.silentServer();
    const error = await world.start({ HTTP_PORT: String(taken.port) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error).toMatchObject({ failure: { kind: 'http-listen', host: '127.0.0.1', port: taken.port }, cause: { code: 'EADDRINUSE' } });
    expect(world.discord.gatewayStats.identifies).toBe(0);
  });
});

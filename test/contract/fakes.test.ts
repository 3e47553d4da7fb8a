/**
 * The fakes' answers that the bot's flows do not reach (its requests are well formed, and it
 * always streams), checked against the API descriptions all the same: the fakes must stay
 * faithful on paths a future change of the bot may take.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERAL, GUILD, World, ada } from '../e2e/harness.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { FakeOpenAI } from '../fakes/fake-openai.js';
import { ContractRecorder } from './contracts.js';

const CHANNEL = '100000000000000010';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the fake Discord's errors conform", () => {
  async function discord(options: { rateLimit?: { limit: number; windowMs: number } } = {}) {
    const contract = new ContractRecorder();
    const fake = await FakeDiscord.start({ token: 'bot-token', observe: contract.observeDiscord, ...options });
    cleanups.push(() => fake.close());
    fake.addGuild({ id: GUILD, name: 'Test', channels: [{ id: CHANNEL, name: 'general' }] });
    const call = async (method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(`${fake.apiUrl}/v10${path}`, {
        method,
        headers: { ...(auth ? { authorization: 'Bot bot-token' } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    };
    return { fake, contract, call };
  }

  it('400 Invalid Form Body (50035) with nested field errors, 401, 403 and 404s', async () => {
    const { contract, call } = await discord();
    const tooLong = await call('POST', `/channels/${CHANNEL}/messages`, { content: 'x'.repeat(2001) });
    expect(tooLong).toMatchObject({ status: 400, body: { code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } });
    expect((await call('POST', `/channels/${CHANNEL}/messages`, { content: '   ' })).body).toMatchObject({ code: 50006 });
    expect((await call('POST', '/channels/100000000000000099/messages', { content: 'hi' })).body).toMatchObject({ code: 10003 });
    expect((await call('POST', `/channels/${CHANNEL}/typing`, undefined, false)).status).toBe(401);
    expect((await call('DELETE', `/channels/${CHANNEL}/messages/100000000000000099`)).body).toMatchObject({ code: 10008 });
    expect((await call('PATCH', `/channels/${CHANNEL}/messages/100000000000000099`, { content: 'x' })).body).toMatchObject({ code: 10008 });
    expect((await call('POST', '/webhooks/100000000000000001/not-a-token', { content: 'x' })).body).toMatchObject({ code: 10015 });
    expect((await call('POST', '/interactions/100000000000000001/not-a-token/callback', { type: 4, data: { content: 'x' } })).body).toMatchObject({
      code: 10062,
    });
    expect((await call('PUT', '/applications/100000000000000001/commands', [])).body).toMatchObject({ code: 50001 });
    expect(contract.problems).toEqual([]);
    expect(contract.discord.seen.size).toBeGreaterThanOrEqual(6);
  });

  it('its own per-route 429, headers included', async () => {
    const { contract, call } = await discord({ rateLimit: { limit: 1, windowMs: 60_000 } });
    expect((await call('POST', `/channels/${CHANNEL}/typing`)).status).toBe(204);
    const limited = await call('POST', `/channels/${CHANNEL}/typing`);
    expect(limited).toMatchObject({ status: 429, body: { global: false } });
    expect(contract.problems).toEqual([]);
  });

  it('acknowledging an interaction twice (40060)', async () => {
    const contract = new ContractRecorder();
    const world = await World.create({ discord: { observe: contract.observeDiscord } });
    cleanups.push(() => world.close());
    await world.start();
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'history' });
    await world.discord.waitFor(() => interaction.reply());
    const again = await fetch(`${world.discord.apiUrl}/v10/interactions/${interaction.id}/${interaction.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'twice' } }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: 40060 });
    expect(contract.problems).toEqual([]);
  });
});

describe("the fake OpenAI's answers conform", () => {
  async function openai() {
    const contract = new ContractRecorder();
    const fake = await FakeOpenAI.start({ observe: contract.observeOpenAI, apiKeys: ['sk-good'] });
    cleanups.push(() => fake.close());
    const client = (apiKey = 'sk-good') => new OpenAI({ apiKey, baseURL: fake.baseURL, maxRetries: 0 });
    /** The fake reports an exchange once its response is over, which can be after the SDK returned. */
    const settled = (count: number) => fake.requests.length >= count && contract.openai.seen.get('POST /chat/completions') === count;
    return { fake, contract, client, settled };
  }
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];

  it('a chat.completion (not streamed), and a stream with usage', async () => {
    const { contract, client, settled } = await openai();
    const completion = await client().chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 2 });
    expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'length' }] });
    const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let usage: unknown;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage).toMatchObject({ prompt_tokens: 1 });
    await waitUntil(() => settled(2));
    expect(contract.openai.eventsChecked).toBeGreaterThan(3);
    expect(contract.problems).toEqual([]);
  });

  it.each([
    ['a wrong key (401)', { key: 'sk-bad' }],
    ['an unknown model (404)', { model: 'no-such-model' }],
    ['a bad role (400)', { role: 'robot' }],
    ['both limit parameters (400)', { both: true }],
    ['max_tokens for a reasoning model (400)', { model: 'o3-mini', maxTokens: true }],
  ])('%s', async (_name, c: { key?: string; model?: string; role?: string; both?: boolean; maxTokens?: boolean }) => {
    const { fake, contract, client, settled } = await openai();
    fake.unknownModels.add('no-such-model');
    const body = {
      model: c.model ?? 'gpt-4o-mini',
      messages: [{ role: c.role ?? 'user', content: 'hi' }],
      ...(c.both === true || c.maxTokens === true ? { max_tokens: 5 } : {}),
      ...(c.both === true ? { max_completion_tokens: 5 } : {}),
    } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const error = await client(c.key).chat.completions.create(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    await waitUntil(() => settled(1));
    // The bad-role request breaks the request schema on purpose; the error body must still conform.
    const expected = c.role === undefined ? [] : [expect.stringMatching(/request body: \/messages\/0/)];
    expect(contract.problems).toEqual(expected);
  });

  it.each([
    ['503 overloaded', { status: 503 }],
    ['403 region', { status: 403 }],
    ['429 with Retry-After', { status: 429, retryAfterSeconds: 2 }],
  ])('injected %s', async (_name, fault) => {
    const { fake, contract, client, settled } = await openai();
    fake.failNext(fault);
    await expect(client().chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.APIError);
    await waitUntil(() => settled(1));
    expect(contract.problems).toEqual([]);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waitUntil: still false after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

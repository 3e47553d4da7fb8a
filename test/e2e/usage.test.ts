import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeInteractionReply, FakeUser } from '../fakes/fake-discord.js';
import type { ObservedOpenAIExchange } from '../fakes/fake-openai.js';
import { modelPrice } from '../../src/adapters/model-prices.js';
import { ada, bob, DM, GENERAL, RANDOM, World } from './harness.js';

const STRING = 3;
/** Send Messages and nothing else: not a moderator. */
const MEMBER = String(1n << 11n);

/** What the fake model reported for each completion: the usage of its stream's last event. */
type Reported = { prompt: number; completion: number };

describe('/usage end to end', () => {
  let world: World;
  const reported: Reported[] = [];

  beforeEach(async () => {
    reported.length = 0;
    const observe = (exchange: ObservedOpenAIExchange): void => {
      const last = exchange.events?.at(-1) as { usage?: { prompt_tokens: number; completion_tokens: number } | null } | undefined;
      if (last?.usage !== undefined && last.usage !== null) reported.push({ prompt: last.usage.prompt_tokens, completion: last.usage.completion_tokens });
    };
    world = await World.create({ openai: { observe } });
    await world.start();
  });
  afterEach(async () => {
    await world.close();
  });

  async function usage(channelId = GENERAL, user: FakeUser = ada, scope?: 'bot', permissions?: string): Promise<FakeInteractionReply> {
    const options = scope === undefined ? [] : [{ name: 'scope', type: STRING, value: scope }];
    const interaction = await world.discord.command({ channelId, user, name: 'usage', options, ...(permissions === undefined ? {} : { permissions }) });
    return world.discord.waitFor(() => interaction.reply());
  }

  const sum = (rows: readonly Reported[]) => rows.reduce((s, r) => ({ prompt: s.prompt + r.prompt, completion: s.completion + r.completion }), { prompt: 0, completion: 0 });
  const line = (label: string, s: Reported, n: number) => new RegExp(`\\*\\*${label}\\*\\*: ${String(s.prompt)} prompt \\+ ${String(s.completion)} completion tokens in ${String(n)} completions?(?! \\()`);

  it('asks for the usage, and shows exactly what the model reported, retries included; it survives a restart and stays in its channel', async () => {
    expect((await usage()).content).toContain('No completions counted yet in this channel.');
    await world.ask(GENERAL, 'first question about tea');
    await world.ask(GENERAL, 'a second, somewhat longer question about coffee and cake');
    // Every request asked for its usage, as OpenAI's API takes it.
    expect(world.openai.requests.every((r) => (r.body as { stream_options?: unknown }).stream_options !== undefined)).toBe(true);
    expect((world.openai.requests[0]?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(reported).toHaveLength(2);
    let reply = await usage();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(line('So far', sum(reported), 2));
    expect(reply.content).toMatch(line('Last 30 days', sum(reported), 2));

    const retry = await world.discord.command({ channelId: GENERAL, user: ada, name: 'retry' });
    await world.discord.waitFor(() => retry.reply());
    await world.settled();
    expect(reported).toHaveLength(3);
    reply = await usage();
    expect(reply.content).toMatch(line('So far', sum(reported), 3));

    await world.stopBot();
    await world.start();
    expect((await usage()).content).toMatch(line('So far', sum(reported), 3));
    expect((await usage(RANDOM)).content).toContain('No completions counted yet in this channel.');
    // /reset empties memory, not what it cost.
    const reset = await world.discord.command({ channelId: GENERAL, user: ada, name: 'reset' });
    await world.discord.waitFor(() => reset.reply());
    expect((await usage()).content).toMatch(line('So far', sum(reported), 3));
  });

  it('the whole bot’s totals span every channel, for a moderator or in a DM; a member asking for them is refused', async () => {
    await world.ask(GENERAL, 'one');
    await world.ask(RANDOM, 'two');
    await world.ask(DM, 'three');
    expect(reported).toHaveLength(3);
    const all = sum(reported);
    expect((await usage(DM, ada, 'bot')).content).toMatch(line('So far', all, 3));
    const moderator = await usage(GENERAL, bob, 'bot');
    expect(moderator.content).toContain('Usage of the whole bot');
    expect(moderator.content).toMatch(line('So far', all, 3));
    const refused = await usage(GENERAL, bob, 'bot', MEMBER);
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/whole bot’s usage is shown to moderators/);
    // The channel's own stays its own.
    expect((await usage(RANDOM, bob, undefined, MEMBER)).content).toMatch(line('So far', reported[1] ?? { prompt: -1, completion: -1 }, 1));
  });

  it('a model with a known price gets an estimated cost, from its list price', async () => {
    const set = await world.discord.command({ channelId: GENERAL, user: ada, name: 'model', options: [{ name: 'set', type: 1, options: [{ name: 'name', type: STRING, value: 'gpt-4o' }] }] });
    await world.discord.waitFor(() => set.reply());
    await world.ask(GENERAL, 'what does this cost?');
    const price = modelPrice('gpt-4o');
    const s = sum(reported);
    const cost = ((s.prompt * (price?.input ?? Number.NaN)) + s.completion * (price?.output ?? Number.NaN)) / 1_000_000;
    const reply = await usage();
    expect(reply.content).toContain(`• \`gpt-4o\`: ${String(s.prompt)} prompt + ${String(s.completion)} completion tokens in 1 completion · ≈ $${cost.toFixed(4)}`);
    expect(reply.content).not.toContain('No price is known');
  });

  it('a server that sends no usage is counted by the bot, and says so', async () => {
    await world.stopBot();
    await world.start({ OPENAI_EXTRA_BODY: JSON.stringify({ stream_options: { include_usage: false } }) });
    await world.ask(GENERAL, 'counted locally');
    expect(reported).toHaveLength(0);
    const reply = await usage();
    expect(reply.content).toMatch(/\d+ prompt \+ \d+ completion tokens in 1 completion \(1 counted by the bot: the server sent no usage\)/);
    const session = await world.app?.ctx.engine.memory.usage(GENERAL);
    expect(session?.days[0]).toMatchObject({ requests: 1, estimated: 1 });
    expect(session?.days[0]?.prompt).toBeGreaterThan(0);
  });
});

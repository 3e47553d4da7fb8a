import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser } from '../fakes/fake-discord.js';
import { channelId, World } from './harness.js';
import { seededRandom } from '../helpers/random.js';

const CHANNELS = 50;
const MENTIONS = 200;
const BURST = 20; // mentions sent at once into one channel

describe('load', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it('200 mentions over 50 channels, 20 at once in one, random latency and 5 % model errors: each answered exactly once, in order', async () => {
    const random = seededRandom(20261123);
    world = await World.create({ extraChannels: CHANNELS });
    await world.start({ MAX_CONCURRENT_COMPLETIONS: '8', HISTORY_LIMIT: '1000' });
    world.openai.setLatency(() => Math.floor(random() * 40));
    world.openai.setRandomFailureRate(0.05, { status: 500 });
    world.openai.setResponder((r) => `re: ${String(r.body.messages.at(-1)?.content)}`);
    const users: FakeUser[] = Array.from({ length: 10 }, (_, i) => ({ id: String(200000000000000100n + BigInt(i)), username: `user${i}`, global_name: `User ${i}` }));

    const started = performance.now();
    const sent: FakeMessage[] = [];
    // The burst: 20 mentions into channel 0 without waiting.
    const burst = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        world.discord.userMessage({ channelId: channelId(0), author: users[i % users.length]!, content: `burst ${i}`, mentionBot: true }),
      ),
    );
    sent.push(...burst);
    // The rest spread over all channels, in quick succession.
    for (let i = BURST; i < MENTIONS; i += 1) {
      const channel = channelId(Math.floor(random() * CHANNELS));
      sent.push(await world.discord.userMessage({ channelId: channel, author: users[i % users.length]!, content: `question ${i}`, mentionBot: true }));
    }

    const replyCount = (): number =>
      sent.filter((m) => world.botMessages(m.channel_id).some((b) => (b.message_reference as { message_id?: string } | undefined)?.message_id === m.id)).length;
    await world.discord.waitFor(() => replyCount() === MENTIONS, 60_000);
    await world.settled();
    const elapsed = performance.now() - started;

    let answered = 0;
    let failed = 0;
    for (const m of sent) {
      const replies = world.botMessages(m.channel_id).filter((b) => (b.message_reference as { message_id?: string } | undefined)?.message_id === m.id);
      expect(replies, `replies to ${m.content}`).toHaveLength(1);
      if (replies[0]?.content.startsWith('re: ')) answered += 1;
      else {
        expect(replies[0]?.content).toMatch(/not added to memory/);
        failed += 1;
      }
    }

    // Every successful round is stored, and each channel's memory follows arrival order.
    let stored = 0;
    const channels = [...new Set(sent.map((m) => m.channel_id))];
    for (const channel of channels) {
      const session = await world.app!.ctx.engine.memory.read(channel);
      const questions = session.history.filter((h) => h.role === 'user');
      stored += questions.length;
      const arrival = sent.filter((m) => m.channel_id === channel).map((m) => m.id);
      const storedOrder = questions.map((q) => q.discordMessageIds[0] ?? '');
      expect(storedOrder).toEqual(arrival.filter((id) => storedOrder.includes(id)));
      for (const q of questions) {
        const answer = session.history[session.history.indexOf(q) + 1];
        expect(answer?.content).toBe(`re: ${q.authorName}: ${q.content}`);
      }
    }
    expect(stored).toBe(answered);
    // Later answers in the burst channel saw the earlier rounds.
    const burstRequests = world.openai.requests.filter((r) => String(r.body.messages.at(-1)?.content).includes('burst 19'));
    expect(burstRequests.at(-1)?.body.messages.length).toBeGreaterThan(20);

    const modelRequests = world.openai.requests.length;
    console.log(
      `load: ${MENTIONS} mentions in ${channels.length} channels in ${(elapsed / 1000).toFixed(2)} s ` +
        `(${(MENTIONS / (elapsed / 1000)).toFixed(1)} mentions/s); answered ${answered}, failed after retries ${failed}; ` +
        `${modelRequests} model requests (${modelRequests - MENTIONS} retries); ${world.discord.requests.length} Discord REST calls`,
    );
  }, 90_000);
});

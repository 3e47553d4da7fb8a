/**
 * /retry end to end (issue 14): the real discord.js client and the real openai SDK against the fakes.
 * A retry that succeeds replaces the round; one that fails keeps it, in memory and on screen.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser } from '../fakes/fake-discord.js';
import { ada, bob, DM, GENERAL, RANDOM, World } from './harness.js';

/** Send Messages only: not a moderator. */
const MEMBER = String(1n << 11n);

describe('/retry end to end', () => {
  let world: World;
  let answers: string[];

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    answers = [];
    world.openai.setResponder(() => answers.shift() ?? 'unscripted');
  });
  afterEach(async () => {
    await world.close();
  });

  async function retry(user: FakeUser = ada, channelId = GENERAL, permissions?: string) {
    const interaction = await world.discord.command({ channelId, user, name: 'retry', ...(permissions === undefined ? {} : { permissions }) });
    const reply = await world.discord.waitFor(() => interaction.reply());
    await world.settled();
    return reply;
  }

  const live = (channelId: string): FakeMessage[] => world.botMessages(channelId).filter((m) => m.deleted !== true);
  const repliesTo = (m: FakeMessage): string | undefined => (m.message_reference as { message_id?: string } | undefined)?.message_id;
  const memory = async (channelId = GENERAL) => (await world.app?.ctx.engine.memory.read(channelId))?.history.map((m) => `${m.role}: ${m.content}`);
  const question = (content: string): FakeMessage | undefined => world.discord.messagesIn(GENERAL).find((m) => m.content.endsWith(content));

  it('sends the last question again with the history before it, replies to that question, and replaces the round', async () => {
    answers.push('Paris.', 'Berlin.', 'Berlin, on the Spree.');
    await world.ask(GENERAL, 'capital of France?');
    await world.ask(GENERAL, 'and of Germany?');

    const reply = await retry();
    expect(reply).toMatchObject({ ephemeral: true, content: '🔁 Regenerated the answer to **Ada**’s question: it replaced the previous answer in this channel’s memory.' });
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: capital of France?', 'assistant: Paris.', 'user: Ada: and of Germany?']);
    const newest = live(GENERAL).at(-1);
    expect(newest?.content).toBe('Berlin, on the Spree.');
    expect(repliesTo(newest as FakeMessage)).toBe(question('and of Germany?')?.id);
    expect(await memory()).toEqual(['user: capital of France?', 'assistant: Paris.', 'user: and of Germany?', 'assistant: Berlin, on the Spree.']);

    // The next question sees the new answer, not the old one; a restart keeps it.
    await world.stopBot();
    await world.start();
    answers.push('ok');
    await world.ask(GENERAL, 'thanks');
    expect(world.sentToModel()).toContain('assistant: Berlin, on the Spree.');
    expect(world.sentToModel()).not.toContain('assistant: Berlin.');
  });

  it('a retry whose model fails changes nothing, takes back what it showed, and says so to its user alone', async () => {
    answers.push('Paris.');
    await world.ask(GENERAL, 'capital of France?');
    const before = await world.app?.ctx.engine.memory.read(GENERAL);
    const shown = live(GENERAL).length;

    world.openai.failNext({ status: 400, message: 'bad request' });
    const refused = await retry();
    expect(refused).toMatchObject({
      ephemeral: true,
      content: '⚠️ The answer could not be regenerated. The model server rejected the request. Nothing was changed: the previous answer stays in memory.',
    });
    answers.push('Lyon? No: Par');
    world.openai.failNext({ breakStreamAfterChunks: 3 });
    const broken = await retry();
    expect(broken.content).toMatch(/^⚠️ The answer could not be regenerated\. The model stopped in the middle of its answer\. .*previous answer stays in memory\.$/);

    expect(await world.app?.ctx.engine.memory.read(GENERAL)).toEqual(before);
    expect(live(GENERAL)).toHaveLength(shown);
    expect(live(GENERAL).at(-1)?.content).toBe('Paris.');
  });

  it('is for the person who asked or a moderator; refusals are ephemeral and change nothing', async () => {
    expect(await retry(ada, RANDOM)).toMatchObject({ ephemeral: true, content: 'There is nothing to retry: this channel has no messages in memory.' });
    answers.push('Paris.');
    await world.ask(GENERAL, 'capital of France?');
    const notYours = await retry(bob, GENERAL, MEMBER);
    expect(notYours).toMatchObject({ ephemeral: true, content: 'Only Ada or a moderator (Manage Messages) can retry the last answer. Nothing was changed.' });
    expect(world.openai.requests).toHaveLength(1);

    answers.push('Paris, on the Seine.');
    expect((await retry(bob)).content).toMatch(/^🔁 Regenerated the answer to \*\*Ada\*\*’s question/); // bob moderates
    expect(await memory()).toEqual(['user: capital of France?', 'assistant: Paris, on the Seine.']);
    answers.push('Paris, France.');
    expect((await retry(ada, GENERAL, MEMBER)).content).toMatch(/^🔁 /); // ada asked it
  });

  it('works in a DM, where every round is the person’s own', async () => {
    answers.push('hello', 'hello again');
    await world.ask(DM, 'hi');
    expect((await retry(ada, DM)).content).toMatch(/^🔁 /);
    expect(await memory(DM)).toEqual(['user: hi', 'assistant: hello again']);
  });
});

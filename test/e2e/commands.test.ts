import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/fake-discord.js';
import { ada, GENERAL, RANDOM, World } from './harness.js';

const STRING = 3;
const INTEGER = 4;

describe('slash commands end to end', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder(() => 'ok');
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Array<{ name: string; type: number; value: string | number }> = [], user: FakeUser = ada, channelId = GENERAL) {
    const interaction = await world.discord.command({ channelId, user, name, options });
    const reply = await world.discord.waitFor(() => interaction.reply());
    return reply;
  }

  async function three(): Promise<void> {
    world.openai.setResponder((r) => `answer to ${String(r.body.messages.at(-1)?.content).replace('Ada: ', '')}`);
    for (const q of ['q1', 'q2', 'q3']) await world.ask(GENERAL, q);
  }

  function historyOfLastRequest(): string[] {
    return world.sentToModel().slice(1, -1); // without system prompt and the new question
  }

  it('/rollback removes the last round; the next request no longer carries it', async () => {
    await three();
    const reply = await run('rollback');
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toMatch(/Rolled back 1 round \(2 messages\)/);
    expect(reply.content).toContain('q3');
    await world.ask(GENERAL, 'next');
    expect(historyOfLastRequest()).toEqual(['user: Ada: q1', 'assistant: answer to q1', 'user: Ada: q2', 'assistant: answer to q2']);
  });

  it('/rollback count:2 removes two rounds; too many is an ephemeral error naming the number of rounds', async () => {
    await three();
    const refused = await run('rollback', [{ name: 'count', type: INTEGER, value: 5 }]);
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/holds 3 rounds.*from 1 to 3/);
    const done = await run('rollback', [{ name: 'count', type: INTEGER, value: 2 }]);
    expect(done.content).toMatch(/Rolled back 2 rounds/);
    await world.ask(GENERAL, 'next');
    expect(historyOfLastRequest()).toEqual(['user: Ada: q1', 'assistant: answer to q1']);
  });

  it('/pin keeps messages through /limit trimming; /unpin lets them go', async () => {
    await three();
    expect((await run('pin', [{ name: 'indices', type: STRING, value: '0 1' }])).content).toMatch(/Pinned `0`, `1`/);
    const limited = await run('limit', [{ name: 'messages', type: INTEGER, value: 3 }]);
    expect(limited.content).toMatch(/at most 3 messages.*Removed the 3 oldest unpinned messages/);
    await world.ask(GENERAL, 'next');
    expect(historyOfLastRequest()).toEqual(['user: Ada: q1', 'assistant: answer to q1', 'assistant: answer to q3']);
    expect((await run('unpin', [{ name: 'indices', type: STRING, value: '0' }])).content).toMatch(/Unpinned `0`/);
    // Memory was [q1 (pin), answer to q1 (pin), answer to next] after that round; now q1 is unpinned,
    // so committing the next round trims it first.
    await world.ask(GENERAL, 'after unpin');
    expect(historyOfLastRequest()).toEqual(['user: Ada: q1', 'assistant: answer to q1', 'assistant: answer to next']);
    await world.ask(GENERAL, 'last');
    expect(historyOfLastRequest()).toEqual(['assistant: answer to q1', 'user: Ada: after unpin', 'assistant: answer to after unpin']);
  });

  it('/pin with a bad index is an ephemeral error and pins nothing', async () => {
    await three();
    for (const value of ['0 99', '1,,x', '-0.5']) {
      const reply = await run('pin', [{ name: 'indices', type: STRING, value }]);
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toMatch(/out of range|not a whole number|not a list of indices/);
    }
    const session = await world.app?.ctx.engine.memory.read(GENERAL);
    expect(session?.history.some((m) => m.pinned)).toBe(false);
  });

  it('/limit without an option shows the limit, ephemerally', async () => {
    await three();
    const reply = await run('limit');
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/at most 100 messages; it holds 6 now \(0 pinned\)/);
  });

  it('/reset empties this channel only; the next request carries no history', async () => {
    await three();
    await world.ask(RANDOM, 'elsewhere');
    expect((await run('reset')).content).toMatch(/6 messages forgotten/);
    await world.ask(GENERAL, 'fresh');
    expect(historyOfLastRequest()).toEqual([]);
    await world.ask(RANDOM, 'still here?');
    expect(historyOfLastRequest()).toHaveLength(2);
  });

  it('/history lists index, speaker, pin mark and tokens, with the total against the budget', async () => {
    await three();
    await run('pin', [{ name: 'indices', type: STRING, value: '-1' }]);
    const reply = await run('history');
    expect(reply.ephemeral).toBe(true);
    const lines = reply.content.split('\n');
    expect(lines[0]).toMatch(/6 messages \(1 pinned\), limit 100 · \d+ of 7168 prompt tokens/);
    expect(lines[1]).toMatch(/^`0` \*\*Ada\*\* · \d+ tok · q1$/);
    expect(lines[6]).toMatch(/^`5` 📌 \*\*assistant\*\* · \d+ tok · answer to q3$/);
    const far = await run('history', [{ name: 'page', type: INTEGER, value: 3 }]);
    expect(far.ephemeral).toBe(true);
    expect(far.content).toMatch(/There is 1 page; page 3 does not exist/);
  });

  it('commands on an empty channel say there is nothing, and change nothing', async () => {
    const rollback = await run('rollback');
    expect(rollback).toMatchObject({ ephemeral: true });
    expect(rollback.content).toMatch(/nothing to roll back/);
    expect((await run('pin', [{ name: 'indices', type: STRING, value: '0' }])).content).toMatch(/no messages in memory/);
    expect((await run('history')).content).toMatch(/Nothing in memory yet/);
    expect((await run('reset')).content).toMatch(/already empty/);
  });

  describe('while an answer is being written', () => {
    /** Asks in GENERAL and waits until the partial answer is on screen; the model then holds the stream. */
    async function streaming(): Promise<void> {
      world.openai.setResponder(() => 'a long answer that is still being written');
      world.openai.failNext({ holdAfterChunks: 2 });
      const before = world.botMessages(GENERAL).length;
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'tell me more', mentionBot: true });
      await world.discord.waitFor(() => world.openai.heldStreams === 1 && world.botMessages(GENERAL).length === before + 1);
    }

    it('/history shows it in progress, not as memory', async () => {
      await three();
      await streaming();
      const reply = await run('history');
      expect(reply.content).toMatch(/⏳ Answering \*\*Ada\*\* now: that round is added to memory when the answer is complete\. \(tell me more\)/);
      expect(reply.content).toMatch(/^\*\*Memory of this channel\*\*: 6 messages/);
      world.openai.releaseHeldStreams();
      await world.settled();
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(8);
    });

    it('/reset cancels it: the reply says so, the cut-off answer says so, and memory is empty', async () => {
      await three();
      await streaming();
      const reply = await run('reset');
      expect(reply.content).toBe(
        '🧹 Memory of this channel cleared: 6 messages forgotten. Settings are kept.\n-# ✂️ The answer being written in this channel was cancelled by /reset and not added to memory.',
      );
      await world.settled();
      const said = world.botMessages(GENERAL).map((m) => m.content);
      expect(said.some((c) => c.endsWith('\n-# ⚠️ interrupted'))).toBe(true);
      expect(said).toContain('⚠️ This answer was cancelled by /reset while it was being written. Your message was not added to memory.');
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
    });

    it('/rollback takes back the answer on screen (never stored), not the round before it', async () => {
      await three();
      await streaming();
      const reply = await run('rollback');
      expect(reply.content).toBe('↩️ The answer being written in this channel was cancelled by /rollback and not added to memory.');
      await world.settled();
      const history = (await world.app?.ctx.engine.memory.read(GENERAL))?.history ?? [];
      expect(history.map((m) => m.content)).toEqual(['q1', 'answer to q1', 'q2', 'answer to q2', 'q3', 'answer to q3']);
    });

    it('/rollback count:2 takes back the answer on screen and the round before it', async () => {
      await three();
      await streaming();
      const reply = await run('rollback', [{ name: 'count', type: INTEGER, value: 2 }]);
      expect(reply.content).toMatch(/^↩️ Rolled back 1 round \(2 messages\):/);
      expect(reply.content).toMatch(/cancelled by \/rollback and not added to memory\.$/);
      await world.settled();
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(4);
    });
  });
});

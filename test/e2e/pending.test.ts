import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Memory } from '../../src/engine/memory.js';
import { en } from '../../src/presenters/en.js';
import { ada, DM, GENERAL, RANDOM, World } from './harness.js';

async function pendingIn(memory: Memory): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of memory.pendingSessions()) keys.push(key);
  return keys.sort();
}

/**
 * The pass after a start, through the real discord.js client against the fake Discord: answers
 * stored before a crash cut their delivery short are shown in full where they were asked.
 */
describe('answers a crash left pending delivery', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world.close();
  });

  it('are finished at the next start: the messages shown are edited, missing pieces sent, a deleted one sent anew, each marked', async () => {
    const app = await world.start();
    const [shown] = await world.ask(GENERAL, 'first question');
    const [gone] = await world.ask(RANDOM, 'another question');
    const memory = app.ctx.engine.memory;
    // As a crash would leave them: stored complete, shown cut short (or not at all), still marked.
    const long = `${'A long answer that needs several messages. '.repeat(130)}The end.`;
    const question = (content: string, id: string) => memory.message({ role: 'user', content, authorId: ada.id, authorName: 'Ada', discordMessageIds: [id] });
    const reply = (content: string, ids: string[]) => ({ ...memory.message({ role: 'assistant', content }), discordMessageIds: ids });
    await memory.storeAnswered(GENERAL, [question('tell me a lot', 'q-general'), reply(long, [shown!.id])]);
    await memory.storeAnswered(RANDOM, [question('and here?', 'q-random'), reply('A short answer.', [gone!.id])]);
    await world.ask(DM, 'in private');
    const dmQuestion = world.discord.messagesIn(DM).find((m) => m.content === 'in private')!;
    const dmRounds = (await memory.read(DM)).history.length;
    await memory.storeAnswered(DM, [question('in private?', dmQuestion.id), reply('A private answer.', [])]);
    expect(await pendingIn(memory)).toEqual([DM, GENERAL, RANDOM].sort());
    await world.discord.deleteMessage(RANDOM, gone!.id);
    await world.stopBot();

    const restarted = await world.start({ DELIVERY_GRACE_MS: '0' });
    await expect.poll(() => pendingIn(restarted.ctx.engine.memory), { timeout: 10_000 }).toEqual([]);
    const mark = `-# ↻ ${en.finishedAfterRestart}`;

    const general = world.botMessages(GENERAL).filter((m) => !m.deleted);
    const pieces = general.slice(general.indexOf(general.find((m) => m.id === shown!.id)!));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.map((m) => m.content).join('').replaceAll('\n', ' ')).toContain('The end.');
    expect(pieces.at(-1)?.content.endsWith(mark)).toBe(true);
    expect(pieces.every((m) => m.content.length <= 2000)).toBe(true);

    const random = world.botMessages(RANDOM).filter((m) => !m.deleted).at(-1);
    expect(random?.content).toBe(`A short answer.\n${mark}`);

    const dm = world.botMessages(DM).at(-1);
    expect(dm?.content).toBe(`A private answer.\n${mark}`);
    expect(dm?.message_reference).toMatchObject({ message_id: dmQuestion.id });

    // Memory kept every round, unmarked.
    const after = restarted.ctx.engine.memory;
    expect((await after.read(GENERAL)).history.at(-1)?.content).toBe(long);
    expect((await after.read(DM)).history).toHaveLength(dmRounds + 2);
    expect((await after.read(DM)).pending).toBeUndefined();
  });

  it('a fresh mark (another process may be delivering it) is left alone within DELIVERY_GRACE_MS', async () => {
    const app = await world.start();
    const memory = app.ctx.engine.memory;
    const [shown] = await world.ask(GENERAL, 'first question');
    await memory.storeAnswered(GENERAL, [
      memory.message({ role: 'user', content: 'q', discordMessageIds: ['q-1'] }),
      { ...memory.message({ role: 'assistant', content: 'still being delivered elsewhere' }), discordMessageIds: [shown!.id] },
    ]);
    await world.stopBot();
    const restarted = await world.start({ DELIVERY_GRACE_MS: '600000' });
    const report = await restarted.ctx.engine.finishPending(() => Promise.reject(new Error('must not be called')), 600_000);
    expect(report).toMatchObject({ waiting: 1, finished: 0, failed: 0 });
    expect(world.botMessages(GENERAL).find((m) => m.id === shown!.id)?.edits).toHaveLength(shown!.edits.length);
    expect(await pendingIn(restarted.ctx.engine.memory)).toEqual([GENERAL]);
  });
});

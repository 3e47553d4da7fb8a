import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { startBotProcess } from '../helpers/bot-process.js';
import { ada, bob, GENERAL, World } from './harness.js';

/**
 * Two bot processes on one SQLite file, as in a rolling deploy (the new bot up before the old one
 * exits) or the terminal chat next to the bot. Each runs against its own fake Discord, so both
 * answer in "the same" channel (same id, same session) without answering each other's mentions.
 */
describe('two bots sharing one store', () => {
  let first: World;
  let second: World;

  beforeEach(async () => {
    first = await World.create();
    second = await World.create();
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });

  it('answering one channel alternately: every round is stored, in order, and each bot sees the other’s rounds', async () => {
    const store = { STORE_URL: `sqlite://${join(first.dir.path, 'shared.sqlite')}` };
    await first.start(store);
    await second.start(store);
    for (const world of [first, second]) world.openai.setResponder((req) => `answer to ${String(req.body.messages.length - 1)}`);
    const rounds = 13;
    for (let i = 0; i < rounds; i += 1) {
      const world = i % 2 === 0 ? first : second;
      await world.ask(GENERAL, `question ${String(i)}`, i % 3 === 0 ? ada : bob);
    }
    const fromFirst = await first.app!.ctx.engine.memory.read(GENERAL);
    const fromSecond = await second.app!.ctx.engine.memory.read(GENERAL);
    expect(fromFirst.history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(
      Array.from({ length: rounds }, (_, i) => `question ${String(i)}`),
    );
    expect(fromSecond.history).toEqual(fromFirst.history);
    // Each bot's last question carried every earlier round, the other bot's included.
    expect(first.openai.lastRequest?.body.messages).toHaveLength(1 + 2 * (rounds - 1) + 1);
    expect(second.openai.lastRequest?.body.messages).toHaveLength(1 + 2 * (rounds - 2) + 1);
  });

  it('answers racing in both bots at once are kept, or their askers told; never lost silently (the store’s version check, then one retry)', async () => {
    const store = { STORE_URL: `sqlite://${join(first.dir.path, 'shared.sqlite')}` };
    await first.start(store);
    await second.start(store);
    const asked = [];
    for (let i = 0; i < 6; i += 1) {
      asked.push(first.ask(GENERAL, `from first ${String(i)}`), second.ask(GENERAL, `from second ${String(i)}`, bob));
    }
    await Promise.all(asked);
    await first.settled();
    await second.settled();
    const history = (await first.app!.ctx.engine.memory.read(GENERAL)).history;
    const questions = history.filter((m) => m.role === 'user').map((m) => m.content);
    // Every round is kept, or (beaten by the other writer twice in a row) its asker was told it was not:
    // never a silent loss, never a duplicate.
    const told = [...first.botMessages(GENERAL), ...second.botMessages(GENERAL)].filter((m) => m.content.includes('could not be added to memory'));
    expect(new Set(questions).size).toBe(questions.length);
    expect(questions.length + told.length).toBe(12);
    expect(questions.length).toBeGreaterThanOrEqual(10);
    // Each round stays whole: every question is followed by its own answer.
    for (let i = 0; i < history.length; i += 2) {
      expect(history[i]?.role).toBe('user');
      expect(history[i + 1]?.content).toBe(`You said: ${history[i]?.authorName ?? ''}: ${history[i]?.content ?? ''}`);
    }
    expect(first.app!.ctx.engine.memory.conflictRetries + second.app!.ctx.engine.memory.conflictRetries).toBeGreaterThan(0);
  });
});

describe('two bot processes sharing one SQLite file (a rolling deploy)', () => {
  let first: World;
  let second: World;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    first = await World.create();
    second = await World.create();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await first.close();
    await second.close();
  });

  it('answering one channel alternately from two processes, then the old one stopped: every round is stored', async () => {
    const store = `sqlite://${join(first.dir.path, 'shared.sqlite')}`;
    const launch = (world: World) => {
      const run = startBotProcess(world.processEnv({ STORE_URL: store }), world.dir.path);
      children.push(run.child);
      return run;
    };
    const reader = await openSessionStore(store, first.logs.logger, { cachedMessages: 0 });
    const old = launch(first);
    const fresh = launch(second);
    await first.discord.waitFor(() => old.output().includes('connected to Discord'), 15_000);
    await second.discord.waitFor(() => fresh.output().includes('connected to Discord'), 15_000);
    const rounds = 12;
    for (let i = 0; i < rounds; i += 1) {
      const world = i % 2 === 0 ? first : second;
      const before = world.botMessages(GENERAL).length;
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: `question ${String(i)}`, mentionBot: true });
      await world.discord.waitFor(() => world.botMessages(GENERAL).length > before, 10_000);
      // The round is committed just after its reply is delivered; the next question (to the other
      // process) is asked once the shared file holds it, as a person would ask after reading it.
      await expect.poll(async () => (await reader.load(GENERAL)).session.history.length, { timeout: 10_000 }).toBe(2 * (i + 1));
    }
    old.child.kill('SIGTERM');
    expect(await old.exited).toBe(0);
    // The new process carries on, with every round either of them answered.
    await second.discord.userMessage({ channelId: GENERAL, author: ada, content: 'what did we talk about?', mentionBot: true });
    await second.discord.waitFor(() => second.openai.requests.some((r) => String(r.body.messages.at(-1)?.content).includes('what did we')), 10_000);
    const last = second.openai.requests.at(-1)?.body.messages ?? [];
    const asked = last.filter((m) => m.role === 'user').map((m) => String(m.content));
    expect(asked).toEqual([...Array.from({ length: rounds }, (_, i) => `Ada: question ${String(i)}`), 'Ada: what did we talk about?']);
    expect(last.filter((m) => m.role === 'assistant')).toHaveLength(rounds);
    await reader.close();
  }, 60_000);
});

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBotProcess } from '../helpers/bot-process.js';
import { ada, bob, DISCORD_TOKEN, GENERAL, OPENAI_KEY, RANDOM, World } from './harness.js';

describe('stopping the bot process', () => {
  let world: World;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await world.close();
  });

  function botEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DISCORD_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: world.openai.baseURL,
      OPENAI_MAX_RETRIES: '0',
      DISCORD_API_URL: world.discord.apiUrl,
      STORE_URL: `sqlite://${join(world.dir.path, 'bot.sqlite')}`,
      LOG_LEVEL: 'info',
      ...extra,
    };
  }

  it('SIGTERM during a 30 s answer: exit 0 within 10 s, the cut-off reply says so, the queued question is told, memory unchanged', async () => {
    const run = startBotProcess(botEnv(), world.dir.path);
    child = run.child;
    await world.discord.waitFor(() => run.output().includes('connected to Discord'), 15_000);
    // 300 chunks of 4 characters, 100 ms apart: a 30 s answer.
    world.openai.setChunkDelay(100);
    world.openai.setResponder(() => 'word'.repeat(300));
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'tell me a long story', mentionBot: true });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length === 1, 10_000);
    await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'me next', mentionBot: true });
    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const messages = world.botMessages(GENERAL).map((m) => m.content);
    expect(messages[0]).toMatch(/^(word)+\n-# ⚠️ interrupted$/);
    expect(messages).toContain(
      '⚠️ This answer was interrupted because the bot is restarting. Your message was not added to memory. Please ask again in a moment.',
    );
    expect(messages).toContain("⚠️ I'm restarting, so I did not get to this. Your message was not added to memory. Please ask again in a moment.");
    expect(run.output()).toMatch(/"msg":"stopped"/);
    // Nothing of the cut-off round was stored: a new bot on the same file starts from an empty memory.
    world.openai.setChunkDelay(0);
    await world.start({ STORE_URL: `sqlite://${join(world.dir.path, 'bot.sqlite')}` });
    await world.ask(RANDOM, 'fresh');
    await world.ask(GENERAL, 'anything?');
    expect(world.openai.lastRequest?.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
  }, 30_000);

  it('a second signal exits at once with 143, closing the store first', async () => {
    const run = startBotProcess(botEnv({ SHUTDOWN_TIMEOUT_MS: '60000' }), world.dir.path);
    child = run.child;
    await world.discord.waitFor(() => run.output().includes('connected to Discord'), 15_000);
    world.openai.setChunkDelay(100);
    world.openai.setResponder(() => 'word'.repeat(300));
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'long one', mentionBot: true });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length === 1, 10_000);
    child.kill('SIGTERM');
    await world.discord.waitFor(() => run.output().includes('stopping'), 5_000);
    const second = Date.now();
    child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    expect(Date.now() - second).toBeLessThan(3_000);
    expect(run.output()).toMatch(/second signal: stopping at once/);
  }, 30_000);
});

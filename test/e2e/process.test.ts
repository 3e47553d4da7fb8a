import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOY_ENTRY, startBotProcess as startProcess } from '../helpers/bot-process.js';
import { DEFAULT_SYSTEM_PROMPT } from '../../src/config.js';
import { ada, bob, DISCORD_TOKEN, GENERAL, GUILD, OPENAI_KEY, RANDOM, World } from './harness.js';

describe('the bot process', () => {
  let world: World;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await world.close();
  });

  it('without configuration, exits 1 with one line naming what is missing', async () => {
    const run = startProcess({}, world.dir.path);
    child = run.child;
    expect(await run.exited).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^contextcord: Configuration problems: DISCORD_TOKEN: is required.*OPENAI_API_KEY: is required/);
  });

  it('a malformed value is named with what it expects, and no secret is echoed', async () => {
    const run = startProcess({ DISCORD_TOKEN, OPENAI_API_KEY: OPENAI_KEY, HISTORY_LIMIT: 'lots' }, world.dir.path);
    child = run.child;
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/HISTORY_LIMIT: expected a whole number from 1 to 1000/);
    expect(run.output()).not.toContain(DISCORD_TOKEN);
  });

  it('deploy-commands registers every command to DISCORD_GUILD_ID and exits 0', async () => {
    const run = startProcess(
      { DISCORD_TOKEN, OPENAI_API_KEY: OPENAI_KEY, DISCORD_API_URL: world.discord.apiUrl, DISCORD_GUILD_ID: GUILD },
      world.dir.path,
      DEPLOY_ENTRY,
    );
    child = run.child;
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/Registered 16 commands to guild/);
    const names = (world.discord.registeredCommands(GUILD) as Array<{ name: string }>).map((c) => c.name);
    expect(names.sort()).toEqual(['export', 'forge', 'history', 'import', 'limit', 'listen', 'memory', 'model', 'pin', 'reset', 'retry', 'rollback', 'settings', 'system', 'unpin', 'usage']);
  });

  it('on SIGTERM it finishes the answer in flight, stores it, and exits 0', async () => {
    const run = startProcess(
      {
        DISCORD_TOKEN,
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: world.openai.baseURL,
        DISCORD_API_URL: world.discord.apiUrl,
        STORE_URL: `sqlite://${join(world.dir.path, 'bot.sqlite')}`,
        LOG_LEVEL: 'info',
      },
      world.dir.path,
    );
    child = run.child;
    await world.discord.waitFor(() => run.output().includes('connected to Discord'), 15_000);
    world.openai.setChunkDelay(40);
    world.openai.setResponder(() => 'a slow answer that takes a little while to stream out fully');
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'take your time', mentionBot: true });
    await world.discord.waitFor(() => world.openai.requests.length === 1, 10_000);
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const reply = world.botMessages(GENERAL)[0];
    expect(reply?.content).toBe('a slow answer that takes a little while to stream out fully');
    expect(run.output()).toMatch(/"msg":"stopped"/);
    // The round was committed before the store closed: a new bot on the same file sees it.
    world.openai.setChunkDelay(0);
    await world.start({ STORE_URL: `sqlite://${join(world.dir.path, 'bot.sqlite')}` });
    await world.ask(GENERAL, 'still remember?');
    expect(world.sentToModel()).toContain('assistant: a slow answer that takes a little while to stream out fully');
  });

  describe('SYSTEM_PROMPT in .env', () => {
    /** Starts the bot with `.env` holding `lines` (and the fakes' addresses), asks once, returns the roles sent. */
    async function rolesSentWith(lines: string[]): Promise<Array<{ role: string; content: unknown }>> {
      writeFileSync(
        join(world.dir.path, '.env'),
        [
          `DISCORD_TOKEN=${DISCORD_TOKEN}`,
          `OPENAI_API_KEY=${OPENAI_KEY}`,
          `OPENAI_BASE_URL=${world.openai.baseURL}`,
          `DISCORD_API_URL=${world.discord.apiUrl}`,
          'STORE_URL=memory://',
          ...lines,
        ].join('\n'),
      );
      const run = startProcess({}, world.dir.path);
      child = run.child;
      await world.discord.waitFor(() => run.output().includes('connected to Discord'), 15_000);
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'hello', mentionBot: true });
      const request = await world.discord.waitFor(() => world.openai.requests[0], 10_000);
      return request.body.messages.map((m) => ({ role: m.role, content: m.content }));
    }

    it('set and empty (SYSTEM_PROMPT=): the model gets no system message', async () => {
      const sent = await rolesSentWith(['SYSTEM_PROMPT=']);
      expect(sent.map((m) => m.role)).toEqual(['user']);
    });

    it('left out: the model gets the default prompt first', async () => {
      const sent = await rolesSentWith(['OPENAI_MODEL=']);
      expect(sent[0]).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
      expect(sent.map((m) => m.role)).toEqual(['system', 'user']);
    });
  });

  describe('stopping', () => {
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
      const run = startProcess(botEnv(), world.dir.path);
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
      const run = startProcess(botEnv({ SHUTDOWN_TIMEOUT_MS: '60000' }), world.dir.path);
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
});

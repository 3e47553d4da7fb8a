import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecord, headKey } from '../../src/adapters/store/record.js';
import { SqliteBackend } from '../../src/adapters/store/sqlite-backend.js';
import { ada, bob, DISCORD_TOKEN, GENERAL, OPENAI_KEY, RANDOM, THREAD, World } from './harness.js';

describe('reliability and safety end to end', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world.close();
  });

  /** Lets the bot receive and handle what was dispatched, when nothing observable is expected. */
  async function quiet(): Promise<void> {
    await new Promise((r) => setTimeout(r, 150));
    await world.settled();
  }

  describe('who may use it', () => {
    it('outside ALLOWED_CHANNEL_IDS it stays silent and commands say it is not enabled', async () => {
      await world.start({ ALLOWED_CHANNEL_IDS: GENERAL });
      world.openai.setResponder(() => 'ok');
      await world.discord.userMessage({ channelId: RANDOM, author: ada, content: 'hello?', mentionBot: true });
      await quiet();
      expect(world.botMessages(RANDOM)).toEqual([]);
      expect(world.openai.requests).toHaveLength(0);
      const interaction = await world.discord.command({ channelId: RANDOM, user: ada, name: 'history' });
      expect(await world.discord.waitFor(() => interaction.reply())).toMatchObject({ ephemeral: true, content: 'contextcord is not enabled here.' });
      // The allowed channel, and a thread in it, work.
      await world.ask(GENERAL, 'allowed here');
      await world.ask(THREAD, 'and in its thread');
      expect(world.openai.requests).toHaveLength(2);
    });

    it('ignores blocked users', async () => {
      await world.start({ BLOCKED_USER_IDS: bob.id });
      world.openai.setResponder(() => 'ok');
      await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'hi', mentionBot: true });
      await quiet();
      expect(world.openai.requests).toHaveLength(0);
      await world.ask(GENERAL, 'hi from ada');
      expect(world.openai.requests).toHaveLength(1);
    });

    it('with ALLOWED_ROLE_IDS only members with the role are answered', async () => {
      await world.start({ ALLOWED_ROLE_IDS: '600000000000000001' });
      world.openai.setResponder(() => 'ok');
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'no role', mentionBot: true });
      await quiet();
      expect(world.openai.requests).toHaveLength(0);
      await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'with the role', mentionBot: true, memberRoles: ['600000000000000001'], nick: 'Bobby' });
      await world.discord.waitFor(() => world.openai.requests.length === 1);
      await world.settled();
      expect(world.sentToModel().at(-1)).toBe('user: Bobby: with the role'); // the server nickname is the speaker
    });
  });

  it('a user over USER_RATE_LIMIT gets one polite notice, then silence; others are unaffected', async () => {
    await world.start({ USER_RATE_LIMIT: '2' });
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'one');
    await world.ask(GENERAL, 'two');
    const [notice] = await world.ask(GENERAL, 'three');
    expect(notice?.content).toMatch(/faster than I answer \(at most 2 questions a minute\)/);
    const before = world.botMessages(GENERAL).length;
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'four', mentionBot: true });
    await quiet();
    expect(world.botMessages(GENERAL)).toHaveLength(before);
    await world.ask(GENERAL, 'bob is fine', bob);
    expect(world.openai.requests).toHaveLength(3);
    const session = await world.app?.ctx.engine.memory.read(GENERAL);
    expect(session?.history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['one', 'two', 'bob is fine']);
  });

  describe('bad input gets a clear answer and changes nothing', () => {
    it.each([
      ['only the mention', ''],
      ['zero-width characters', '\u200B\u200D\uFEFF'],
      ['over MAX_MESSAGE_CHARS', 'x'.repeat(101)],
    ])('%s', async (_name, content) => {
      await world.start({ MAX_MESSAGE_CHARS: '100' });
      const [reply] = await world.ask(GENERAL, content);
      expect(reply?.content).toMatch(/empty|the most I accept is 100/);
      expect(world.openai.requests).toHaveLength(0);
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
    });

    it('right-to-left and zero-width characters inside text are kept and answered', async () => {
      await world.start();
      world.openai.setResponder(() => 'שלום');
      await world.ask(GENERAL, 'مرحبا \u202Eabc\u200B def');
      expect(world.sentToModel().at(-1)).toBe('user: Ada: مرحبا \u202Eabc\u200B def');
    });
  });

  it('a model server with a smaller context than configured: retried once with a smaller budget, with a hint in the log', async () => {
    await world.start({ CONTEXT_TOKENS: '100000', MAX_REPLY_TOKENS: '100' });
    world.openai.setResponder(() => 'short answer');
    for (let i = 0; i < 4; i += 1) await world.ask(GENERAL, `question ${i} ${'padding words '.repeat(40)}`);
    world.openai.contextWindow = 400; // about 1 600 characters of prompt
    const requestsBefore = world.openai.requests.length;
    const [reply] = await world.ask(GENERAL, 'and now?');
    // The smaller context left messages out, which the answer says (the note is not stored).
    const kept = (world.openai.requests.at(-1)?.body.messages.length ?? 0) - 2;
    expect(reply?.content).toBe(`short answer\n-# ${String(8 - kept)} older messages left out to fit the context`);
    expect(world.openai.requests.length - requestsBefore).toBe(2);
    expect(world.openai.requests.at(-1)?.body.messages.length).toBeLessThan(world.openai.requests.at(-2)?.body.messages.length ?? 0);
    expect(world.logs.text()).toMatch(/Lower CONTEXT_TOKENS/);
  });

  describe('Discord faults are logged and skipped, never a crash', () => {
    it.each([
      ['the bot lacks Send Messages', { status: 403, code: 50013, message: 'Missing Permissions' }],
      ['the thread was archived', { status: 400, code: 50083, message: 'Thread is archived' }],
    ])('%s', async (_name, error) => {
      await world.start();
      world.openai.setResponder(() => 'ok');
      world.discord.failNext({ method: 'POST', path: new RegExp(`^/channels/${GENERAL}/messages$`) }, error);
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'hello', mentionBot: true });
      await world.discord.waitFor(() => world.openai.requests.length === 1);
      await quiet();
      expect(world.logs.text()).toMatch(/could not be delivered; nothing was committed/);
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
      // Still alive: the next question is answered.
      const [reply] = await world.ask(GENERAL, 'still there?');
      expect(reply?.content).toBe('ok');
    });

    it('the question deleted before the reply is sent', async () => {
      await world.start();
      world.openai.setLatency(200);
      world.openai.setResponder(() => 'too late');
      const asked = await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'quick, delete me', mentionBot: true });
      await world.discord.waitFor(() => world.openai.requests.length === 1);
      await world.discord.deleteMessage(GENERAL, asked.id);
      await quiet();
      await world.discord.waitFor(() => world.logs.text().includes('nothing was committed'));
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
      world.openai.setLatency(0);
      expect((await world.ask(GENERAL, 'next'))[0]?.content).toBe('too late');
    });

    it('a gateway disconnect loses no message: the client resumes and answers what was sent meanwhile', async () => {
      await world.start();
      world.openai.setResponder(() => 'ok');
      world.discord.disconnectGateway();
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'sent while disconnected', mentionBot: true });
      await world.discord.waitFor(() => world.botMessages(GENERAL).length === 1, 10_000);
      await world.settled();
      expect(world.sentToModel().at(-1)).toBe('user: Ada: sent while disconnected');
    });
  });

  it('a stored session that cannot be decoded is set aside; the channel starts fresh and the bot keeps going', async () => {
    await world.start();
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'before the damage');
    // Another process (or a bad disk) damages the head; the bot's cached copy is of an older version now.
    const other = await SqliteBackend.open(join(world.dir.path, 'contextcord.sqlite'));
    await other.put({ key: headKey(GENERAL), text: encodeRecord({ v: 1, history: 'not a list', settings: {} }) });
    await other.close();
    await world.ask(GENERAL, 'after the damage');
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: after the damage']);
    const line = world.logs.lines.find((l) => l.session === GENERAL && typeof l.quarantinedAs === 'string');
    expect(line?.msg).toMatch(/could not be decoded; it was set aside/);
  });

  it('the store file deleted while running: every answer and command says memory cannot be stored, loudly; nothing pretends', async () => {
    await world.start();
    world.openai.setResponder(() => 'noted');
    await world.ask(GENERAL, 'remember this');
    const file = join(world.dir.path, 'contextcord.sqlite');
    for (const path of [file, `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
    const replies = await world.ask(GENERAL, 'and this?');
    expect(replies.at(-1)?.content).toBe(
      "⚠️ I cannot store memory right now: the bot's database is unavailable. Your message was not added to memory. The bot's operator can see why in its logs.",
    );
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'history', options: [] });
    const reply = await world.discord.waitFor(() => interaction.reply());
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/database is unavailable, so nothing was changed/);
    const errors = world.logs.lines.filter((l) => l.level === 50 && /store is unavailable/.test(String(l.msg)));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(errors[0])).toContain(file);
  });

  it("the model's output can never run a command or trigger the bot, even when it mentions the bot", async () => {
    await world.start();
    world.openai.setResponder(() => `<@${world.discord.botUser.id}> /reset please, and answer yourself`);
    await world.ask(GENERAL, 'say something odd');
    await quiet();
    expect(world.openai.requests).toHaveLength(1);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(2);
  });

  it('secrets never appear in the logs, even when requests fail', async () => {
    await world.start();
    world.openai.failNext({ status: 401, code: 'invalid_api_key' }, 5);
    await world.ask(GENERAL, 'hello');
    world.discord.failNext({ method: 'POST', path: /messages$/ }, { status: 500 }, 8);
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'again', mentionBot: true });
    await quiet();
    await world.stopBot();
    const text = world.logs.text();
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toContain(DISCORD_TOKEN);
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(OPENAI_KEY.slice(0, -4));
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TYPING_DELAY_MS } from '../../src/adapters/discord/reply-sink.js';
import { ada, bob, DM, GENERAL, GUILD, HELPERS_ROLE, RANDOM, THREAD, World } from './harness.js';

describe('the bot end to end (real discord.js and openai SDK against fakes)', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world.close();
  });

  it('answers a mention with a streamed reply to the question, showing typing while the model is slow to start', async () => {
    await world.start();
    world.openai.setLatency(TYPING_DELAY_MS + 150);
    world.openai.setChunkDelay(15);
    world.openai.setResponder(() => 'The capital of France is Paris, a city on the Seine with many bridges.');
    const asked = await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'capital of France?', mentionBot: true });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length > 0);
    await world.settled();
    const [reply] = world.botMessages(GENERAL);
    expect(reply?.content).toBe('The capital of France is Paris, a city on the Seine with many bridges.');
    expect(reply?.edits.length).toBeGreaterThan(1); // it grew while streaming
    expect((reply?.message_reference as { message_id: string }).message_id).toBe(asked.id);
    const typing = world.discord.requests.findIndex((r) => r.method === 'POST' && r.path === `/channels/${GENERAL}/typing`);
    const posted = world.discord.requests.findIndex((r) => r.method === 'POST' && r.path === `/channels/${GENERAL}/messages`);
    expect(typing).toBeGreaterThanOrEqual(0);
    expect(typing).toBeLessThan(posted);
    // The model saw the question without the bot's mention, with the speaker's name.
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: capital of France?']);
    expect(world.openai.requests[0]?.body.stream).toBe(true);
    expect(world.openai.requests[0]?.body.model).toBe('fake-model');
  });

  it('shows no typing for an answer that starts at once', async () => {
    await world.start();
    world.openai.setResponder(() => 'Quick.');
    await world.ask(GENERAL, 'quick one?');
    await world.settled();
    expect(world.botMessages(GENERAL).map((m) => m.content)).toEqual(['Quick.']);
    expect(world.discord.requests.filter((r) => r.path === `/channels/${GENERAL}/typing`)).toEqual([]);
  });

  it('stops the typing delay once text is on its way, so no typing lingers after a slow reply', async () => {
    await world.start({}, { typingDelayMs: 300 });
    world.openai.setLatency(100);
    world.openai.setChunkDelay(60); // still streaming when the typing delay ends…
    world.openai.setResponder(() => 'Slow to post, still streaming.');
    world.discord.setRestLatency(400); // …and the first text still on its way to Discord
    await world.ask(GENERAL, 'slow one?');
    expect(world.botMessages(GENERAL).map((m) => m.content)).toEqual(['Slow to post, still streaming.']);
    expect(world.discord.requests.filter((r) => r.path === `/channels/${GENERAL}/typing`)).toEqual([]);
  });

  it('the second mention carries the first round', async () => {
    await world.start();
    world.openai.setResponder((r) => `answer ${r.body.messages.length}`);
    await world.ask(GENERAL, 'first question');
    await world.ask(GENERAL, 'second question', bob);
    expect(world.sentToModel()).toEqual([
      'system: You are a test bot.',
      'user: Ada: first question',
      'assistant: answer 2',
      'user: Bob: second question',
    ]);
  });

  it('channels, threads and DMs each have their own memory', async () => {
    await world.start();
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'in general');
    await world.ask(RANDOM, 'in random');
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: in random']);
    await world.ask(THREAD, 'in the thread');
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: in the thread']);
    await world.ask(DM, 'in a DM');
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: in a DM']);
    await world.ask(GENERAL, 'general again');
    expect(world.sentToModel()).toEqual([
      'system: You are a test bot.',
      'user: Ada: in general',
      'assistant: ok',
      'user: Ada: general again',
    ]);
  });

  it('answers a reply to its own message without a mention, and ignores what is not for it', async () => {
    await world.start();
    world.openai.setResponder(() => 'sure');
    const [first] = await world.ask(GENERAL, 'hello');
    await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'just chatting' });
    await world.discord.userMessage({ channelId: GENERAL, author: bob, content: '@everyone look', mentionEveryone: true });
    await world.discord.userMessage({ channelId: GENERAL, author: { id: '300000000000000001', username: 'otherbot', bot: true }, content: 'hi', mentionBot: true });
    await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'from a hook', mentionBot: true, webhookId: '400000000000000001' });
    await world.discord.userMessage({ channelId: GENERAL, author: bob, content: 'and what about this?', replyTo: first?.id ?? '' });
    await world.discord.waitFor(() => world.openai.requests.length === 2);
    await world.settled();
    expect(world.openai.requests).toHaveLength(2);
    expect(world.sentToModel()).toEqual([
      'system: You are a test bot.',
      'user: Ada: hello',
      'assistant: sure',
      'user: Bob: and what about this?',
    ]);
  });

  it('mentions in a question reach the model as names; the @everyone role (its id is the server\'s) as @everyone', async () => {
    await world.start();
    world.openai.setResponder(() => 'ok');
    const before = world.botMessages(GENERAL).length;
    await world.discord.userMessage({
      channelId: GENERAL,
      author: ada,
      content: `tell <@&${GUILD}>, <@&${HELPERS_ROLE}> and <@${bob.id}> about <#${RANDOM}>`,
      mentionBot: true,
      mentions: [bob],
    });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length > before);
    await world.settled();
    expect(world.sentToModel().at(-1)).toBe('user: Ada: tell @everyone, @helpers and @Bob about #random');
  });

  it('model output with @everyone, roles and users pings nobody', async () => {
    await world.start();
    world.openai.setResponder(() => '@everyone @here <@&500000000000000001> <@200000000000000002> wake up');
    const [reply] = await world.ask(GENERAL, 'ping everyone please');
    expect(reply?.content).toContain('@everyone');
    const sends = world.discord.requests.filter(
      (r) => (r.method === 'POST' || r.method === 'PATCH') && r.path.startsWith(`/channels/${GENERAL}/messages`),
    );
    expect(sends.length).toBeGreaterThan(0);
    for (const request of sends) {
      const allowed = (request.body as { allowed_mentions?: { parse?: unknown[] } }).allowed_mentions;
      expect(allowed?.parse).toEqual([]);
    }
  });

  it('a 5 000-character reply arrives in messages of at most 2 000 characters with code fences intact', async () => {
    await world.start({ MAX_REPLY_TOKENS: '4096' }); // the fake cuts replies at ~4 characters a token
    const code = Array.from({ length: 120 }, (_, i) => `    print("line ${i} of the program")`).join('\n');
    const long = `Here is the program:\n\n\`\`\`python\ndef main():\n${code}\n\`\`\`\n\n${'Some closing words. '.repeat(50)}`;
    expect(long.length).toBeGreaterThan(5000);
    world.openai.setResponder(() => long);
    const replies = await world.ask(GENERAL, 'write a long program');
    expect(replies.length).toBeGreaterThanOrEqual(3);
    for (const r of replies) {
      expect(r.content.length).toBeLessThanOrEqual(2000);
      expect((r.content.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(replies[1]?.content.startsWith('```python\n')).toBe(true);
    const session = await world.app?.ctx.engine.memory.read(GENERAL);
    expect(session?.history.at(-1)?.content).toBe(long); // memory holds the reply, not the pieces
    // Stored before it was shown in full: the messages it was in by then (so a start after a crash can finish it there).
    const stored = session?.history.at(-1)?.discordMessageIds ?? [];
    expect(replies.map((r) => r.id).slice(0, stored.length)).toEqual(stored);
  });

  it('a failed completion says so and leaves the session unchanged', async () => {
    await world.start({ OPENAI_MAX_RETRIES: '1' });
    world.openai.setResponder(() => 'fine');
    await world.ask(GENERAL, 'one');
    world.openai.failNext({ status: 500 }, 2); // the first try and the one retry
    const [failure] = await world.ask(GENERAL, 'two');
    expect(failure?.content).toMatch(/not added to memory/);
    const session = await world.app?.ctx.engine.memory.read(GENERAL);
    expect(session?.history.map((m) => m.content)).toEqual(['one', 'fine']);
    await world.ask(GENERAL, 'three');
    expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: one', 'assistant: fine', 'user: Ada: three']);
  });

  it('a reply cut off mid-stream is marked interrupted and nothing is committed', async () => {
    await world.start();
    world.openai.setChunkDelay(20);
    world.openai.setResponder(() => 'This answer will be cut off somewhere in the middle of it.');
    world.openai.failNext({ breakStreamAfterChunks: 4 });
    const messages = await world.ask(GENERAL, 'tell me');
    expect(messages.at(-1)?.content).toMatch(/stopped in the middle.*not added to memory/);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
  });

  it('a restart keeps the history', async () => {
    await world.start();
    world.openai.setResponder(() => 'remembered');
    await world.ask(GENERAL, 'remember this');
    await world.stopBot();
    await world.start();
    await world.ask(GENERAL, 'do you?');
    expect(world.sentToModel()).toEqual([
      'system: You are a test bot.',
      'user: Ada: remember this',
      'assistant: remembered',
      'user: Ada: do you?',
    ]);
  });

  it('registers the slash commands on start, memory-changing ones for Manage Messages only', async () => {
    await world.start({ REGISTER_COMMANDS_ON_START: 'true', DISCORD_GUILD_ID: GUILD });
    const registered = world.discord.registeredCommands(GUILD) as Array<{ name: string; default_member_permissions: string | null }>;
    const perms = Object.fromEntries(registered.map((c) => [c.name, c.default_member_permissions ?? null]));
    expect(perms).toEqual({
      rollback: '8192',
      pin: '8192',
      unpin: '8192',
      limit: '8192',
      reset: '8192',
      // For everyone: the person who asked retries their own answer; the bot checks who may (moderators, anyone's).
      retry: null,
      usage: null,
      history: null,
      forge: '8192',
      memory: '8192',
      export: null,
      import: '8192',
      settings: null,
      system: '8192',
      model: '8192',
      listen: '8192',
    });
  });
});

/**
 * Per-channel control end to end (issue 14): settings that live with the session, /settings,
 * /system, /model, /listen — the real discord.js client and the real openai SDK against the fakes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandsByName } from '../../commands/index.js';
import type { FakeCommandOption, FakeUser } from '../fakes/fake-discord.js';
import { FakeOpenAI } from '../fakes/fake-openai.js';
import { ada, bob, GENERAL, RANDOM, THREAD, World } from './harness.js';

const SUB = 1;
const STRING = 3;
const INTEGER = 4;
const NUMBER = 10;

describe('per-channel control end to end', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start({ TIMEZONE: 'UTC' });
    world.openai.setResponder(() => 'ok');
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: FakeCommandOption[] = [], user: FakeUser = ada, channelId = GENERAL) {
    const interaction = await world.discord.command({ channelId, user, name, options });
    return world.discord.waitFor(() => interaction.reply());
  }

  const sub = (name: string, options: FakeCommandOption[] = []): FakeCommandOption[] => [{ name, type: SUB, options }];
  const systemMessage = (): string | undefined => world.sentToModel().find((m) => m.startsWith('system: '));

  async function restart(): Promise<void> {
    await world.stopBot();
    await world.start({ TIMEZONE: 'UTC' });
  }

  describe('/system', () => {
    it('sets a persona for this channel only, with placeholders filled at each request; it survives /reset and a restart', async () => {
      const prompt = 'You are {bot} in #{channel} of {server}. Today is {date}, {time} UTC. Keep {this} as it is.';
      const set = await run('system', sub('set', [{ name: 'prompt', type: STRING, value: prompt }]));
      expect(set.ephemeral).toBe(false);
      expect(set.content).toMatch(/^🎭 This channel now uses this system prompt \(\d+ tokens\) from the next question on\.$/);

      await world.ask(GENERAL, 'hi');
      const today = new Date().toISOString().slice(0, 10);
      const bot = world.discord.botUser.global_name ?? world.discord.botUser.username;
      expect(systemMessage()).toMatch(
        new RegExp(`^system: You are ${bot} in #general of Test Server\\. Today is ${today}, \\d\\d:\\d\\d UTC\\. Keep \\{this\\} as it is\\.$`),
      );
      await world.ask(RANDOM, 'and here?');
      expect(systemMessage()).toBe('system: You are a test bot.');

      expect((await run('reset')).content).toMatch(/2 messages forgotten\. Settings are kept\./);
      await restart();
      await world.ask(GENERAL, 'still you?');
      expect(systemMessage()).toMatch(/^system: You are .* in #general of Test Server\./);
      expect(world.sentToModel()).toHaveLength(2); // the reset history stays empty

      const shown = await run('system', sub('show'));
      expect(shown.ephemeral).toBe(true);
      expect(shown.content).toContain('This channel uses its own system prompt');
      expect(shown.content).toContain('> You are {bot} in #{channel} of {server}.');
      expect(shown.content).toMatch(/Placeholders filled at each question: `\{date\}`, `\{time\}`, `\{server\}`, `\{channel\}`, `\{bot\}`\./);

      expect((await run('system', sub('reset'))).content).toBe('🎭 This channel uses the default system prompt again.');
      await world.ask(GENERAL, 'who now?');
      expect(systemMessage()).toBe('system: You are a test bot.');
      expect((await run('system', sub('reset'))).content).toBe('🎭 This channel already uses the default system prompt.');
    });

    it('refuses a prompt over 4 000 characters, or one that alone does not fit the budget, with the numbers; nothing changes', async () => {
      await world.stopBot();
      await world.start({ CONTEXT_TOKENS: '1280', MAX_REPLY_TOKENS: '256' });
      await run('system', sub('set', [{ name: 'prompt', type: STRING, value: 'the first persona' }]));
      const long = await run('system', sub('set', [{ name: 'prompt', type: STRING, value: 'x'.repeat(4001) }]));
      expect(long.ephemeral).toBe(true);
      expect(long.content).toBe('That system prompt is 4001 characters long; the most I accept is 4000. Nothing was changed.');
      // A budget of 1 024 prompt tokens; 800 distinct words are well over that in any tokenizer.
      const words = Array.from({ length: 800 }, (_, i) => `w${String(i * 7919)}`).join(' ');
      const wide = await run('system', sub('set', [{ name: 'prompt', type: STRING, value: words.slice(0, 4000) }]));
      expect(wide.ephemeral).toBe(true);
      expect(wide.content).toMatch(/^That system prompt alone needs \d+ tokens, but the budget for a whole request is 1024: no question could be answered\./);
      await world.ask(GENERAL, 'hi');
      expect(systemMessage()).toBe('system: the first persona');
    });
  });

  describe('/settings', () => {
    it('shows the effective settings, ephemerally, marking the ones this channel set', async () => {
      const plain = await run('settings');
      expect(plain.ephemeral).toBe(true);
      expect(plain.content.split('\n')).toEqual([
        '⚙️ **Settings of this channel**',
        '• System prompt: You are a test bot. (default)',
        '• Model: `fake-model` (default)',
        '• Parameters: none set (the server’s defaults apply) (default)',
        '• Listen mode: off: only mentions are answered (default)',
        '• Message limit: 100 (default)',
        '• Memory mode: window (the message limit) (default)',
        '• Token budget: 7168 (default)',
      ]);
      await run('system', sub('set', [{ name: 'prompt', type: STRING, value: 'Be *brief*.' }]));
      const own = await run('settings');
      expect(own.content).toContain('• System prompt: Be \\*brief\\*. **(this channel’s own)**');
      expect((await run('settings', [], ada, RANDOM)).content).toContain('• System prompt: You are a test bot. (default)');
      await run('memory', [{ name: 'mode', type: STRING, value: 'summary' }, { name: 'tokens', type: 4, value: 800 }]);
      expect((await run('settings')).content).toContain('• Memory mode: summary (older messages summarised), 800 tok **(this channel’s own)**');
    });
  });

  describe('/model', () => {
    /** The completion parameters of the last request: everything but the messages and the stream flags. */
    function sentParams(n = -1): Record<string, unknown> {
      const { messages: _messages, stream: _stream, stream_options: _options, ...rest } = (world.openai.requests.at(n)?.body ?? {}) as Record<string, unknown>;
      return rest;
    }

    it('sends exactly the parameters a channel set, and no other; reset goes back to none', async () => {
      await world.ask(GENERAL, 'plain');
      expect(sentParams()).toEqual({ model: 'fake-model', max_tokens: 1024 });
      const set = await run(
        'model',
        sub('set', [
          { name: 'name', type: STRING, value: 'other-model' },
          { name: 'temperature', type: NUMBER, value: 0.3 },
          { name: 'top_p', type: NUMBER, value: 0.9 },
          { name: 'max_tokens', type: INTEGER, value: 200 },
          { name: 'frequency_penalty', type: NUMBER, value: -0.5 },
          { name: 'presence_penalty', type: NUMBER, value: 1.5 },
          { name: 'seed', type: INTEGER, value: 42 },
          { name: 'reasoning_effort', type: STRING, value: 'low' },
        ]),
      );
      expect(set.ephemeral).toBe(false);
      expect(set.content).toBe(
        '🧠 This channel now uses `other-model`. Parameters: `temperature` 0.3, `top_p` 0.9, `max_tokens` 200, `frequency_penalty` -0.5, `presence_penalty` 1.5, `seed` 42, `reasoning_effort` low.',
      );
      await world.ask(GENERAL, 'tuned');
      expect(sentParams()).toEqual({
        model: 'other-model',
        max_tokens: 200,
        temperature: 0.3,
        top_p: 0.9,
        frequency_penalty: -0.5,
        presence_penalty: 1.5,
        seed: 42,
        reasoning_effort: 'low',
      });
      await world.ask(RANDOM, 'elsewhere');
      expect(sentParams()).toEqual({ model: 'fake-model', max_tokens: 1024 });

      // A new set replaces the parameters as a whole: only temperature is left.
      await run('model', sub('set', [{ name: 'name', type: STRING, value: 'other-model' }, { name: 'temperature', type: NUMBER, value: 1 }]));
      await world.stopBot();
      await world.start({ TIMEZONE: 'UTC' });
      await world.ask(GENERAL, 'after a restart');
      expect(sentParams()).toEqual({ model: 'other-model', max_tokens: 1024, temperature: 1 });
      const shown = await run('model', sub('show'));
      expect(shown).toEqual(expect.objectContaining({ ephemeral: true, content: '🧠 This channel uses its own choice of model `other-model`. Parameters: `temperature` 1.' }));

      expect((await run('model', sub('reset'))).content).toBe('🧠 This channel uses the default model `fake-model` again, with no parameters of its own.');
      await world.ask(GENERAL, 'reset');
      expect(sentParams()).toEqual({ model: 'fake-model', max_tokens: 1024 });
    });

    it('registers its bounds, so Discord refuses out-of-range values itself', () => {
      const definition = commandJson('model');
      const set = JSON.parse(JSON.stringify(definition.options?.find((o) => o.name === 'set'))) as { options: Array<Record<string, unknown>> };
      const bounds = Object.fromEntries(set.options.map((o): [string, unknown[]] => [String(o['name']), [o['min_value'], o['max_value']]]));
      expect(bounds).toMatchObject({
        temperature: [0, 2],
        top_p: [0, 1],
        max_tokens: [1, 1_000_000],
        frequency_penalty: [-2, 2],
        presence_penalty: [-2, 2],
        seed: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      });
      expect(set.options.find((o) => o['name'] === 'name')).toMatchObject({ required: true, autocomplete: true });
      expect(set.options.find((o) => o['name'] === 'reasoning_effort')?.['choices']).toEqual([
        { name: 'low', name_localizations: { 'zh-CN': '低' }, value: 'low' },
        { name: 'medium', name_localizations: { 'zh-CN': '中' }, value: 'medium' },
        { name: 'high', name_localizations: { 'zh-CN': '高' }, value: 'high' },
      ]);
    });

    it('checks max_tokens again against what the budget leaves; a refused value changes nothing', async () => {
      await run('model', sub('set', [{ name: 'name', type: STRING, value: 'kept' }, { name: 'seed', type: INTEGER, value: 1 }]));
      const refused = await run('model', sub('set', [{ name: 'name', type: STRING, value: 'other' }, { name: 'max_tokens', type: INTEGER, value: 5000 }]));
      expect(refused).toMatchObject({ ephemeral: true, content: 'max_tokens must be a whole number from 1 to 1024; got 5000. Nothing was changed.' });
      await world.ask(GENERAL, 'hi');
      expect(sentParams()).toEqual({ model: 'kept', max_tokens: 1024, seed: 1 });
    });
  });

  describe('/model with MODELS', () => {
    beforeEach(async () => {
      await world.stopBot();
      await world.start({ MODELS: 'fast-model, smart-model, ollama-ish/llama3', TIMEZONE: 'UTC' });
    });

    it('defaults to the first entry and accepts only the entries', async () => {
      await world.ask(GENERAL, 'hi');
      expect(world.openai.requests.at(-1)?.body.model).toBe('fast-model');
      const refused = await run('model', sub('set', [{ name: 'name', type: STRING, value: 'gpt-4o' }]));
      expect(refused.ephemeral).toBe(true);
      expect(refused.content).toBe('The model "gpt-4o" is not offered here: choose one of fast-model, smart-model, ollama-ish/llama3. Nothing was changed.');
      await run('model', sub('set', [{ name: 'name', type: STRING, value: 'smart-model' }]));
      await world.ask(GENERAL, 'again');
      expect(world.openai.requests.at(-1)?.body.model).toBe('smart-model');
      expect((await run('model', sub('show'))).content).toContain('-# Models offered: `fast-model`, `smart-model`, `ollama-ish/llama3`.');
    });

    it('autocompletes the name from MODELS, answering with callback type 8', async () => {
      const typing = async (value: string) => {
        const interaction = await world.discord.autocomplete({
          channelId: GENERAL,
          user: ada,
          name: 'model',
          options: [{ name: 'set', type: SUB, options: [{ name: 'name', type: STRING, value, focused: true }] }],
        });
        return world.discord.waitFor(() => interaction.choices());
      };
      expect(await typing('')).toEqual(['fast-model', 'smart-model', 'ollama-ish/llama3'].map((m) => ({ name: m, value: m })));
      expect(await typing('SMA')).toEqual([{ name: 'smart-model', value: 'smart-model' }]);
      expect(await typing('model')).toEqual([
        { name: 'fast-model', value: 'fast-model' },
        { name: 'smart-model', value: 'smart-model' },
      ]);
      expect(await typing('nothing like it')).toEqual([]);
    });
  });

  describe('providers and OPENAI_EXTRA_BODY', () => {
    it('sends provider/model to that provider’s server with its own key, the rest to the main one; extra fields go with every request', async () => {
      const ollama = await FakeOpenAI.start({ apiKeys: ['ollama-key-1', 'ollama-key-2'] });
      ollama.setResponder(() => 'from ollama');
      try {
        await world.stopBot();
        await world.start({
          MODELS: 'fake-model,ollama/llama3.1,meta-llama/llama-3-70b',
          OLLAMA_BASE_URL: ollama.baseURL,
          OLLAMA_API_KEY: 'ollama-key-1, ollama-key-2',
          OPENAI_EXTRA_BODY: '{"keep_alive":"5m","model":"not this one"}',
        });
        await run('model', sub('set', [{ name: 'name', type: STRING, value: 'ollama/llama3.1' }, { name: 'temperature', type: NUMBER, value: 0.2 }]));
        const [answer] = await world.ask(GENERAL, 'local please');
        expect(answer?.content).toBe('from ollama');
        expect(ollama.requests.map((r) => r.body)).toMatchObject([{ model: 'llama3.1', temperature: 0.2, keep_alive: '5m' }]);
        await world.ask(RANDOM, 'main server');
        // An entry whose prefix has no _BASE_URL is a model name of the main server, slash and all.
        await run('model', sub('set', [{ name: 'name', type: STRING, value: 'meta-llama/llama-3-70b' }]), ada, RANDOM);
        await world.ask(RANDOM, 'still the main server');
        expect(world.openai.requests.map((r) => r.body.model)).toEqual(['fake-model', 'meta-llama/llama-3-70b']);
        expect(world.openai.requests[0]?.body).toMatchObject({ keep_alive: '5m' });
        expect(ollama.requests).toHaveLength(1);
      } finally {
        await world.stopBot();
        await ollama.close();
      }
    });
  });

  describe('notes under an answer', () => {
    it('says how many stored messages the budget left out, and that an answer stopped at max_tokens; neither is stored', async () => {
      await world.stopBot();
      await world.start({ CONTEXT_TOKENS: '400', MAX_REPLY_TOKENS: '100' });
      world.openai.setResponder(() => 'short answer');
      for (let i = 0; i < 4; i += 1) await world.ask(GENERAL, `question ${String(i)} ${'padding words here '.repeat(30)}`);
      const [noted] = await world.ask(GENERAL, 'and now?');
      const sent = world.openai.requests.at(-1)?.body.messages.length ?? 0;
      const left = 8 - (sent - 2); // 8 stored messages; the request holds the system prompt, the kept ones and the question
      expect(left).toBeGreaterThan(0);
      expect(noted?.content).toBe(`short answer\n-# ${String(left)} older messages left out to fit the context`);

      await world.stopBot();
      await world.start();
      await run('reset');
      await run('model', sub('set', [{ name: 'name', type: STRING, value: 'fake-model' }, { name: 'max_tokens', type: INTEGER, value: 5 }]));
      world.openai.setResponder(() => 'a long answer that goes on and on well past five tokens');
      const [cut] = await world.ask(GENERAL, 'tell me everything');
      expect(cut?.content).toMatch(/\n-# the answer was cut off at its length limit \(max_tokens\)$/);
      const stored = (await world.app?.ctx.engine.memory.read(GENERAL))?.history ?? [];
      expect(stored.map((m) => m.content).join('\n')).not.toMatch(/left out|cut off/);
      expect(stored.at(-1)?.content).toBe(cut?.content.split('\n-# ')[0]);
    });
  });

  describe('reply context', () => {
    it('a mention in a reply to someone else’s message carries that message, quoted, and keeps it with the question', async () => {
      const theirs = await world.discord.userMessage({
        channelId: GENERAL,
        author: bob,
        content: 'The sky is green.\nTrust me.',
        attachments: [{ filename: 'proof.txt', content: 'green, obviously' }],
      });
      const before = world.botMessages(GENERAL).length;
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'is this right?', mentionBot: true, replyTo: theirs.id });
      await world.discord.waitFor(() => world.botMessages(GENERAL).length > before);
      await world.settled();
      const asked = world.sentToModel().at(-1) ?? '';
      expect(asked).toMatch(/^user: Ada: is this right\?\n\n\[quoted message from Bob\]\n> The sky is green\.\n> Trust me\.\n\n\[attachment proof\.txt\]\n```\w*\ngreen, obviously\n```$/);
      const stored = (await world.app?.ctx.engine.memory.read(GENERAL))?.history[0]?.content;
      expect(stored).toContain('[quoted message from Bob]\n> The sky is green.');

      // A reply to the bot's own answer continues the conversation: nothing is quoted.
      const answer = world.botMessages(GENERAL).at(-1);
      const more = world.botMessages(GENERAL).length;
      await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'and why?', mentionBot: true, replyTo: answer?.id ?? '' });
      await world.discord.waitFor(() => world.botMessages(GENERAL).length > more);
      await world.settled();
      expect(world.sentToModel().at(-1)).toBe('user: Ada: and why?');
    });
  });

  describe('/listen', () => {
    /** Posts without a mention, then asks with one: the answers in between show whether the first was heard. */
    async function unmentioned(channelId: string, content: string, author: FakeUser = ada): Promise<void> {
      await world.discord.userMessage({ channelId, author, content });
    }

    it('answers every message from a person in a listening channel, not in its thread, and never a bot', async () => {
      await unmentioned(GENERAL, 'before listening');
      const on = await run('listen', sub('on'));
      expect(on).toMatchObject({ ephemeral: false, content: '👂 This channel is now answered without a mention: every message from a person gets an answer.' });

      const before = world.botMessages(GENERAL).length;
      await unmentioned(GENERAL, 'no mention needed', bob);
      await world.discord.waitFor(() => world.botMessages(GENERAL).length > before);
      await world.settled();
      expect(world.sentToModel().at(-1)).toBe('user: Bob: no mention needed');

      await unmentioned(GENERAL, 'a bot talking', { id: '200000000000000099', username: 'otherbot', bot: true });
      await unmentioned(THREAD, 'in the thread');
      await world.ask(THREAD, 'mentioned in the thread');
      await world.ask(GENERAL, 'mentioned in the channel');
      const asked = world.openai.requests.map((r) => String(r.body.messages.at(-1)?.content));
      expect(asked).toEqual(['Bob: no mention needed', 'Ada: mentioned in the thread', 'Ada: mentioned in the channel']);

      expect((await run('settings')).content).toContain('• Listen mode: on: every message here is answered **(this channel’s own)**');
      await world.stopBot();
      await world.start({ TIMEZONE: 'UTC' });
      const off = await run('listen', sub('off'));
      expect(off.content).toBe('🔕 This channel is answered only when I am mentioned again.');
      await unmentioned(GENERAL, 'not heard any more');
      await world.ask(GENERAL, 'but this is');
      expect(world.openai.requests.map((r) => String(r.body.messages.at(-1)?.content)).slice(3)).toEqual(['Ada: but this is']);
      expect((await run('listen', sub('off'))).content).toBe('🔕 This channel was already answering mentions only.');
    });
  });
});

function commandJson(name: string) {
  const command = commandsByName.get(name);
  if (command === undefined) throw new Error(`no command ${name}`);
  return command.data.toJSON();
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { exportSchema } from '../../src/domain/portable.js';
import type { FakeAttachmentInput, FakeInteraction, FakeInteractionReply, FakeUser } from '../fakes/fake-discord.js';
import { ada, bob, GENERAL, RANDOM, World } from './harness.js';

const STRING = 3;
const INTEGER = 4;

const ATTACHMENT = 11;

type Option = { name: string; type: number; value?: string | number; attachment?: FakeAttachmentInput };

describe('portable memory end to end: /export', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder((r) => `answer to ${String(r.body.messages.at(-1)?.content).replace('Ada: ', '')}`);
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Option[] = [], user: FakeUser = ada, channelId = GENERAL, locale?: string): Promise<FakeInteractionReply> {
    const interaction = await world.discord.command({ channelId, user, name, options, ...(locale === undefined ? {} : { locale }) });
    return world.discord.waitFor(() => interaction.reply());
  }

  async function download(reply: FakeInteractionReply): Promise<string> {
    const file = reply.attachments[0];
    if (file === undefined) throw new Error('the reply has no file');
    const response = await fetch(file.url);
    expect(response.ok).toBe(true);
    return response.text();
  }

  it('sends the history with pins, speakers, roles and times, and the settings, as a JSON file only the asker sees', async () => {
    const before = Date.now();
    await world.ask(GENERAL, 'q1');
    await world.ask(GENERAL, 'q2');
    await run('pin', [{ name: 'indices', type: STRING, value: '0' }]);
    await run('limit', [{ name: 'messages', type: INTEGER, value: 50 }]);

    const reply = await run('export');
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/4 messages \(1 pinned\) and its settings/);
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0]?.filename).toMatch(new RegExp(`^contextcord-${GENERAL}-\\d{4}-\\d\\d-\\d\\d\\.json$`));

    const file = exportSchema.parse(JSON.parse(await download(reply)));
    expect(file.format).toBe('contextcord-session');
    expect(file.version).toBe(1);
    expect(file.settings).toEqual({ limit: 50 });
    expect(file.messages.map((m) => [m.role, m.content, m.pinned, m.authorName, m.authorId])).toEqual([
      ['user', 'q1', true, 'Ada', ada.id],
      ['assistant', 'answer to q1', false, undefined, undefined],
      ['user', 'q2', false, 'Ada', ada.id],
      ['assistant', 'answer to q2', false, undefined, undefined],
    ]);
    for (const m of file.messages) expect(Date.parse(m.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    // The upload went to the interaction callback as multipart, with the file described in payload_json.
    const callback = world.discord.requests.find((r) => r.path.includes('/callback') && r.files.length > 0);
    expect(callback?.files[0]?.contentType).toBeDefined();
  });

  it('exports an empty memory as a file with no messages; in zh-CN the words are Chinese', async () => {
    const reply = await run('export', [], ada, GENERAL, 'zh-CN');
    expect(reply.content).toMatch(/0 条消息/);
    const file = exportSchema.parse(JSON.parse(await download(reply)));
    expect(file.messages).toEqual([]);
    expect(file.settings).toEqual({});
  });
});

describe('portable memory end to end: /import', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder((r) => `answer to ${String(r.body.messages.at(-1)?.content).replace(/^\w+: /, '')}`);
  });
  afterEach(async () => {
    await world.close();
  });

  async function command(name: string, options: Option[] = [], user: FakeUser = ada, channelId = GENERAL): Promise<FakeInteraction> {
    return world.discord.command({ channelId, user, name, options });
  }

  async function run(name: string, options: Option[] = [], user: FakeUser = ada, channelId = GENERAL): Promise<FakeInteractionReply> {
    const interaction = await command(name, options, user, channelId);
    return world.discord.waitFor(() => interaction.reply());
  }

  const fileOption = (content: string, filename = 'memory.json'): Option => ({ name: 'file', type: ATTACHMENT, attachment: { filename, content } });

  async function exported(channelId = GENERAL): Promise<string> {
    const reply = await run('export', [], ada, channelId);
    const url = reply.attachments[0]?.url;
    if (url === undefined) throw new Error('no file');
    return (await fetch(url)).text();
  }

  async function stored(channelId: string) {
    return world.app?.ctx.engine.memory.read(channelId);
  }

  it('export, then import into another channel: history, pins and settings as they were; the next request is the same', async () => {
    await world.ask(GENERAL, 'My name is Ada and I like tea.');
    await world.ask(GENERAL, 'What do I like?', bob);
    await run('pin', [{ name: 'indices', type: STRING, value: '0 -1' }]);
    await run('limit', [{ name: 'messages', type: INTEGER, value: 20 }]);
    const file = await exported();

    const reply = await run('import', [fileOption(file)], ada, RANDOM);
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toMatch(/replaced from the file: 4 messages \(2 pinned\) and its settings; 0 earlier messages forgotten/);

    const [from, to] = [await stored(GENERAL), await stored(RANDOM)];
    const shape = (s: typeof from) => s?.history.map((m) => [m.role, m.content, m.pinned, m.authorId, m.authorName, m.createdAt, m.tokens]);
    expect(shape(to)).toEqual(shape(from));
    expect(to?.settings).toEqual(from?.settings);

    // The copy exports as the original did, times and all.
    const again = JSON.parse(await exported(RANDOM)) as { messages: unknown[]; settings: unknown };
    const original = JSON.parse(file) as { messages: unknown[]; settings: unknown };
    expect(again.messages).toEqual(original.messages);
    expect(again.settings).toEqual(original.settings);

    await world.ask(GENERAL, 'And now?');
    await world.ask(RANDOM, 'And now?');
    const [a, b] = [world.openai.requests.at(-2)?.body, world.openai.requests.at(-1)?.body];
    expect(a?.messages.length).toBe(6);
    expect(b).toEqual(a);
  });

  it('imports an openai2-style messages array: unpinned, its system message as the system prompt', async () => {
    const messages = [
      { role: 'system', content: 'You are a pirate.' },
      { role: 'user', content: 'Where is the gold?' },
      { role: 'assistant', content: 'Under the palm tree.' },
    ];
    const reply = await run('import', [fileOption(JSON.stringify(messages), 'dump.json')]);
    expect(reply.content).toMatch(/2 messages \(0 pinned\), settings kept/);
    await world.ask(GENERAL, 'Which tree?');
    expect(world.sentToModel()).toEqual([
      'system: You are a pirate.',
      'user: Where is the gold?',
      'assistant: Under the palm tree.',
      'user: Ada: Which tree?',
    ]);
  });

  it('over a memory that is not empty, asks first: Cancel changes nothing, Replace replaces, only once and only for its owner', async () => {
    await world.ask(GENERAL, 'keep me');
    const before = await stored(GENERAL);
    const file = JSON.stringify([{ role: 'user', content: 'new' }, { role: 'assistant', content: 'memory' }]);

    const asked = await command('import', [fileOption(file)]);
    const question = await world.discord.waitFor(() => asked.reply());
    expect(question.ephemeral).toBe(true);
    expect(question.content).toMatch(/holds 2 messages \(0 pinned\)\. Importing replaces them.*2 messages \(0 pinned\)\. Replace\?/);
    const ids = (question.components as Array<{ components: Array<{ custom_id: string; label: string }> }>)[0]?.components ?? [];
    expect(ids.map((b) => b.label)).toEqual(['Replace memory', 'Cancel']);
    const [replaceId, cancelId] = ids.map((b) => b.custom_id);
    if (replaceId === undefined || cancelId === undefined) throw new Error('buttons missing');

    // Only Ada saw the question; were Bob to reach a button of hers (say, a forwarded id), he is refused.
    await world.discord.clickButton({ on: asked, customId: cancelId });
    await world.discord.waitFor(() => /Import cancelled: nothing was changed/.test(asked.reply()?.content ?? ''));
    expect(asked.reply()?.components).toEqual([]);
    expect(await stored(GENERAL)).toEqual(before);
    // The buttons are gone: Discord lets no one click them again.
    await expect(world.discord.clickButton({ on: asked, customId: replaceId })).rejects.toThrow(/has no button/);

    const second = await command('import', [fileOption(file)]);
    const secondQuestion = await world.discord.waitFor(() => second.reply());
    const replace = (secondQuestion.components as Array<{ components: Array<{ custom_id: string }> }>)[0]?.components[0]?.custom_id ?? '';
    await world.discord.clickButton({ on: second, customId: replace });
    await world.discord.waitFor(() => /replaced from the file: 2 messages \(0 pinned\), settings kept; 2 earlier messages forgotten/.test(second.reply()?.content ?? ''));
    expect((await stored(GENERAL))?.history.map((m) => m.content)).toEqual(['new', 'memory']);
  });

  it('the question is shown only to who ran /import, and stays theirs to answer', async () => {
    await world.ask(GENERAL, 'keep me');
    const before = await stored(GENERAL);
    const ctx = world.app?.ctx;
    if (ctx === undefined) throw new Error('no app');
    const asked = await command('import', [fileOption(JSON.stringify([{ role: 'user', content: 'x' }]))]);
    const question = await world.discord.waitFor(() => asked.reply());
    const replace = (question.components as Array<{ components: Array<{ custom_id: string }> }>)[0]?.components[0]?.custom_id ?? '';
    await expect(world.discord.clickButton({ on: asked, customId: replace, user: bob })).rejects.toThrow(/cannot see an ephemeral message/);
    expect(ctx.imports.ownerOf(/([0-9a-f]{16})$/.exec(replace)?.[1] ?? '')).toBe(ada.id);
    expect(await stored(GENERAL)).toEqual(before);
  });

  const good = () =>
    JSON.stringify({ format: 'contextcord-session', version: 1, exportedAt: '2026-12-02T05:00:00.000Z', settings: {}, messages: [
      { role: 'user', content: 'hi', pinned: false, createdAt: '2026-12-02T05:00:00.000Z' },
    ] });
  const badFiles: Array<[string, FakeAttachmentInput, RegExp]> = [
    ['not JSON', { filename: 'a.json', content: '{"format": ' }, /not valid JSON/],
    ['neither an export nor an array', { filename: 'a.json', content: '{"hello": 1}' }, /neither a contextcord export/],
    ['an unknown version', { filename: 'a.json', content: good().replace('"version":1', '"version":7') }, /version 7 of the format; this bot reads version 1/],
    ['another format', { filename: 'a.json', content: good().replace('contextcord-session', 'slack-export') }, /format is "slack-export"/],
    ['a tool role', { filename: 'a.json', content: JSON.stringify([{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }]) }, /Message 1: the role is "tool"/],
    ['empty content at message 17', { filename: 'a.json', content: JSON.stringify([...Array.from({ length: 17 }, () => ({ role: 'user', content: 'x' })), { role: 'assistant', content: '' }]) }, /Message 17: content is empty/],
    ['content over the bound', { filename: 'a.json', content: JSON.stringify([{ role: 'user', content: 'x'.repeat(100_001) }]) }, /Message 0: content is 100001 characters long; the most an import takes is 100000/],
    ['an image part', { filename: 'a.json', content: JSON.stringify([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }] }]) }, /Message 0: content is not text/],
    ['a bad pinned flag', { filename: 'a.json', content: good().replace('"pinned":false', '"pinned":"no"') }, /Message 0: `pinned` is not valid \(expected `boolean`\)/],
    ['a bad setting', { filename: 'a.json', content: good().replace('"settings":{}', '"settings":{"limit":0}') }, /`settings.limit` is not valid/],
    ['over the history limit', { filename: 'a.json', content: JSON.stringify(Array.from({ length: 101 }, () => ({ role: 'user', content: 'x' }))) }, /holds 101 messages, more than the limit of 100/],
    ['over 8 MB', { filename: 'big.json', size: 9_000_000, url: 'http://127.0.0.1:9/never-downloaded.json' }, /an import may be at most 8\.4 MB|an import may be at most/],
    ['a file that cannot be downloaded', { filename: 'gone.json', size: 10, url: 'http://127.0.0.1:9/gone.json' }, /could not be downloaded/],
  ];

  it.each(badFiles)('refuses %s with the problem and where, ephemerally, changing nothing', async (_name, attachment, words) => {
    await world.ask(GENERAL, 'keep me');
    const before = await stored(GENERAL);
    const reply = await run('import', [{ name: 'file', type: ATTACHMENT, attachment }]);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(words);
    expect(reply.content).toMatch(/Nothing was changed\.$/);
    expect(reply.components).toEqual([]);
    expect(await stored(GENERAL)).toEqual(before);
  });

  it('is registered for moderators (Manage Messages) with a required attachment option', () => {
    const registered = world.discord.registeredCommands().concat(world.discord.registeredCommands(undefined)) as Array<Record<string, unknown>>;
    const definition = registered.find((c) => c['name'] === 'import') ?? commandDefinition('import');
    expect(definition['default_member_permissions']).toBe('8192');
    expect(definition['options']).toMatchObject([{ name: 'file', type: ATTACHMENT, required: true }]);
  });
});

function commandDefinition(name: string): Record<string, unknown> {
  const found = commands.find((c) => c.data.name === name);
  if (found === undefined) throw new Error(`no command ${name}`);
  return found.data.toJSON() as unknown as Record<string, unknown>;
}

describe('/forge end to end', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder(() => 'ok');
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Option[] = [], locale?: string): Promise<FakeInteractionReply> {
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name, options, ...(locale === undefined ? {} : { locale }) });
    return world.discord.waitFor(() => interaction.reply());
  }
  const forge = (role: string, content: string, locale?: string) =>
    run('forge', [{ name: 'role', type: STRING, value: role }, { name: 'content', type: STRING, value: content }], locale);

  it('appends forged messages that reach the next request, behave like others, and are marked in /history', async () => {
    await world.ask(GENERAL, 'hello');
    const done = await forge('user', 'My favourite colour is green.');
    expect(done.ephemeral).toBe(false);
    expect(done.content).toMatch(/Added a forged user message at the end of this channel’s memory/);
    await forge('assistant', 'Noted: green.');
    await world.ask(GENERAL, 'What is my favourite colour?');
    expect(world.sentToModel().slice(1)).toEqual([
      'user: Ada: hello',
      'assistant: ok',
      'user: My favourite colour is green.',
      'assistant: Noted: green.',
      'user: Ada: What is my favourite colour?',
    ]);
    const history = await run('history');
    expect(history.content.match(/\(forged\)/g)).toHaveLength(2);
    expect(history.content).toMatch(/`2` \*\*user\*\* \(forged\)/);
    // A forged user message starts a round: /rollback count:2 takes the last question and the forged pair.
    await run('rollback', [{ name: 'count', type: INTEGER, value: 2 }]);
    const session = await world.app?.ctx.engine.memory.read(GENERAL);
    expect(session?.history.map((m) => m.content)).toEqual(['hello', 'ok']);
  });

  it('refuses an empty message and one over the length bound, changing nothing; speaks Chinese in zh-CN', async () => {
    expect((await forge('assistant', '   ')).content).toMatch(/The message is empty/);
    expect((await forge('user', 'x'.repeat(4001))).content).toMatch(/4001 characters long; the most I accept is 4000/);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toEqual([]);
    expect((await forge('assistant', '好的', 'zh-CN')).content).toMatch(/伪造的助手消息/);
  });

  it('is registered for moderators, with localized role choices', () => {
    const definition = commandDefinition('forge');
    expect(definition['default_member_permissions']).toBe('8192');
    expect(definition['options']).toMatchObject([
      { name: 'role', required: true, choices: [{ name: 'user', value: 'user', name_localizations: { 'zh-CN': '用户' } }, { name: 'assistant', value: 'assistant' }] },
      { name: 'content', required: true },
    ]);
  });
});

describe('/memory end to end', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder(() => 'fine');
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Option[] = []): Promise<FakeInteractionReply> {
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name, options });
    return world.discord.waitFor(() => interaction.reply());
  }

  it('tokens mode keeps the newest messages within the cap, pins kept; window mode goes back to the limit alone; the mode travels in exports', async () => {
    const long = ' about the weather and the sea and the mountains and the rivers of the north';
    for (const q of ['first', 'second', 'third', 'fourth']) await world.ask(GENERAL, q + long);
    await run('pin', [{ name: 'indices', type: STRING, value: '0' }]);
    const memory = world.app?.ctx.engine.memory;
    const cost = (await memory?.read(GENERAL))?.history.map((m) => m.tokens + 3) ?? [];
    // The pin, and the last round: everything else must go.
    const cap = (cost[0] ?? 0) + (cost[6] ?? 0) + (cost[7] ?? 0);
    const set = await run('memory', [{ name: 'mode', type: STRING, value: 'tokens' }, { name: 'tokens', type: INTEGER, value: Math.max(cap, 64) }]);
    expect(set.ephemeral).toBe(false);
    expect(set.content).toMatch(/keeps the newest messages that fit \d+ tokens/);
    const kept = (await memory?.read(GENERAL))?.history ?? [];
    expect(kept[0]?.content).toBe(`first${long}`);
    expect(kept.length).toBeLessThan(8);
    expect(kept.map((m) => m.content)).toContain(`fourth${long}`);
    expect(kept.reduce((n, m) => n + m.tokens + 3, 0)).toBeLessThanOrEqual(Math.max(cap, 64));
    expect(kept.at(-1)?.content).toBe('fine');

    await world.ask(GENERAL, `fifth${long}`);
    const after = (await memory?.read(GENERAL))?.history ?? [];
    expect(after.reduce((n, m) => n + m.tokens + 3, 0)).toBeLessThanOrEqual(Math.max(cap, 64));
    expect(after.at(-2)?.content).toBe(`fifth${long}`);
    expect(after.map((m) => m.content)).not.toContain(`fourth${long}`);
    expect(after[0]?.pinned).toBe(true);

    const reply = await run('export');
    const file = exportSchema.parse(JSON.parse(await (await fetch(reply.attachments[0]?.url ?? '')).text()));
    expect(file.settings).toMatchObject({ memoryMode: 'tokens', memoryTokens: Math.max(cap, 64) });

    expect((await run('memory', [{ name: 'mode', type: STRING, value: 'window' }])).content).toMatch(/keeps messages by its message limit/);
    expect((await memory?.read(GENERAL))?.settings).toEqual({});
  });

  it('summary mode folds what the limit drops into a summary the next request carries, shown in /history, exported, imported, cleared by /reset; a failed summary drops nothing', async () => {
    const isSummary = (body: { messages: ReadonlyArray<{ role: string; content: unknown }> }): boolean =>
      body.messages.some((m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes('running summary of a chat'));
    let summaries = 0;
    let failSummaries = true;
    world.openai.setResponder((req) => {
      if (!isSummary(req.body)) return 'fine';
      summaries += 1;
      if (failSummaries) throw new Error('summary server down');
      return 'Ada’s cat is called Miso.';
    });
    const memory = world.app?.ctx.engine.memory;
    await run('limit', [{ name: 'messages', type: INTEGER, value: 4 }]);
    const set = await run('memory', [{ name: 'mode', type: STRING, value: 'summary' }]);
    expect(set.content).toMatch(/a running summary of what leaves them/);
    for (const q of ['my cat is called Miso', 'second', 'third']) await world.ask(GENERAL, q);
    // The summary server failed: nothing was dropped, though the limit is 4.
    expect(summaries).toBeGreaterThan(0);
    let session = await memory?.read(GENERAL);
    expect(session?.summary).toBeUndefined();
    expect(session?.history.map((m) => m.content)).toEqual(['my cat is called Miso', 'fine', 'second', 'fine', 'third', 'fine']);

    failSummaries = false;
    await world.ask(GENERAL, 'fourth');
    session = await memory?.read(GENERAL);
    expect(session?.summary?.text).toBe('Ada’s cat is called Miso.');
    expect(session?.history.map((m) => m.content)).toEqual(['third', 'fine', 'fourth', 'fine']);
    // The summary request went to the model server with the summary's bound as max_tokens, through the real SDK.
    const summaryRequest = world.openai.requests.filter((r) => isSummary(r.body)).at(-1);
    expect(summaryRequest?.body.messages.at(-1)?.content).toMatch(/New lines:\nAda: my cat is called Miso\nAssistant: fine\n/);

    await world.ask(GENERAL, 'what is my cat called?');
    const asked = world.openai.requests.filter((r) => !isSummary(r.body)).at(-1)?.body.messages.map((m) => m.content as string) ?? [];
    expect(asked[1]).toMatch(/^Summary of the earlier conversation.*\nAda’s cat is called Miso\.$/s);
    expect(asked.slice(2)).toEqual(['Ada: third', 'fine', 'Ada: fourth', 'fine', 'Ada: what is my cat called?'])

    const history = await run('history');
    expect(history.content).toMatch(/📝 \*Summary of older messages \(\d+ tok\)\*: Ada’s cat is called Miso\./);

    const reply = await run('export');
    const text = await (await fetch(reply.attachments[0]?.url ?? '')).text();
    const file = exportSchema.parse(JSON.parse(text));
    expect(file.summary).toBe('Ada’s cat is called Miso.');
    expect(file.settings).toMatchObject({ memoryMode: 'summary', limit: 4 });
    const into = await world.discord.command({ channelId: RANDOM, user: ada, name: 'import', options: [{ name: 'file', type: ATTACHMENT, attachment: { filename: 'memory.json', content: text } }] });
    await world.discord.waitFor(() => into.reply());
    expect((await memory?.read(RANDOM))?.summary).toEqual((await memory?.read(GENERAL))?.summary);

    await run('reset');
    session = await memory?.read(GENERAL);
    expect(session?.summary).toBeUndefined();
    expect(session?.history).toEqual([]);
    expect(session?.settings.memoryMode).toBe('summary');
  });

  it('tokens mode without a cap is refused, changing nothing', async () => {
    await world.ask(GENERAL, 'hello');
    const reply = await run('memory', [{ name: 'mode', type: STRING, value: 'tokens' }]);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Tokens mode needs a token cap/);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.settings).toEqual({});
  });
});

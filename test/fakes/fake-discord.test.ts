/**
 * The fake Discord, driven by the real discord.js client: if these pass, end-to-end tests
 * that use the fake exercise discord.js's own REST queue, gateway handling and caches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  Routes,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type ClientEvents,
  type Message,
} from 'discord.js';
import { WebSocket } from 'ws';
import { FakeDiscord, type FakeDiscordOptions, type FakeUser } from './fake-discord.js';

const GUILD = '1100000000000000001';
const CHANNEL = '1100000000000000010';
const THREAD = '1100000000000000011';
const DM = '1100000000000000020';
const ROLE = '1100000000000000030';
const alice: FakeUser = { id: '1200000000000000001', username: 'alice', global_name: 'Alice' };

const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
];

let fake: FakeDiscord | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

/** Resolves with the next `event` whose arguments pass `filter`. */
function next<Event extends keyof ClientEvents>(
  target: Client,
  event: Event,
  filter: (...args: ClientEvents[Event]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[Event]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: ClientEvents[Event]): void => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      target.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    target.on(event, listener);
  });
}

async function start(
  options: FakeDiscordOptions = {},
  intents: GatewayIntentBits[] = INTENTS,
): Promise<{ fake: FakeDiscord; client: Client }> {
  const f = await FakeDiscord.start(options);
  fake = f;
  f.addGuild({
    id: GUILD,
    name: 'Test Guild',
    channels: [{ id: CHANNEL, name: 'general' }],
    threads: [{ id: THREAD, name: 'a thread', type: 11, parent_id: CHANNEL }],
    roles: [{ id: ROLE, name: 'mods' }],
  });
  f.addDmChannel(DM, alice);
  const c = new Client({ intents, partials: [Partials.Channel], rest: { api: f.apiUrl } });
  client = c;
  const ready = next(c, Events.ClientReady);
  await c.login(f.token);
  await ready;
  return { fake: f, client: c };
}

async function userSays(f: FakeDiscord, c: Client, input: Parameters<FakeDiscord['userMessage']>[0]): Promise<Message> {
  const arrived = next(c, Events.MessageCreate, (m) => m.author.id !== f.botUser.id);
  const sent = await f.userMessage(input);
  const [message] = await arrived;
  expect(message.id).toBe(sent.id);
  return message;
}

async function runCommand(
  f: FakeDiscord,
  c: Client,
  input: Parameters<FakeDiscord['command']>[0],
): Promise<{ interaction: ChatInputCommandInteraction; record: Awaited<ReturnType<FakeDiscord['command']>> }> {
  const arrived = next(c, Events.InteractionCreate);
  const record = await f.command(input);
  const [interaction] = await arrived;
  if (!interaction.isChatInputCommand()) throw new Error('expected a chat-input command');
  return { interaction, record };
}

function apiError(error: unknown): DiscordAPIError {
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('FakeDiscord with the real discord.js client', () => {
  it('logs in: READY, guilds, channels, intents recorded', async () => {
    const { fake: f, client: c } = await start();
    expect(c.user?.id).toBe(f.botUser.id);
    expect(c.application?.id).toBe(f.applicationId);
    expect(f.identifiedIntents).toBe(33281 | GatewayIntentBits.DirectMessages);
    const guild = c.guilds.cache.get(GUILD);
    expect(guild?.name).toBe('Test Guild');
    expect(guild?.channels.cache.get(CHANNEL)?.type).toBe(ChannelType.GuildText);
    expect(guild?.channels.cache.get(THREAD)?.isThread()).toBe(true);
    expect(guild?.members.me?.id).toBe(f.botUser.id);
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /gateway/bot');
    expect(f.gatewayStats).toMatchObject({ identifies: 1, resumes: 0, connected: 1 });

    // A guild added later arrives as GUILD_CREATE, as when the bot is invited somewhere new.
    const joined = next(c, Events.GuildCreate);
    f.addGuild({ id: '1300000000000000001', name: 'Second', channels: [{ id: '1300000000000000010', name: 'chat' }] });
    expect((await joined)[0].channels.cache.has('1300000000000000010')).toBe(true);
  });

  it('delivers user messages with mentions, replies, and thread messages', async () => {
    const { fake: f, client: c } = await start();
    const message = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'hello bot', mentionBot: true });
    expect(message.content).toBe(`<@${f.botUser.id}> hello bot`);
    expect(message.mentions.users.has(f.botUser.id)).toBe(true);
    expect(c.user && message.mentions.has(c.user)).toBe(true);
    expect(message.author.id).toBe(alice.id);
    expect(message.guildId).toBe(GUILD);
    expect(message.member?.id).toBe(alice.id);

    const reply = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'and this', replyTo: message.id });
    expect(reply.reference?.messageId).toBe(message.id);

    const inThread = await userSays(f, c, { channelId: THREAD, author: alice, content: 'in a thread' });
    expect(inThread.channel.isThread()).toBe(true);
  });

  it('records message.reply, echoes it back as MESSAGE_CREATE, and keeps edit history', async () => {
    const { fake: f, client: c } = await start();
    const message = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'hi', mentionBot: true });

    const echoed = next(c, Events.MessageCreate, (m) => m.author.id === f.botUser.id);
    const sent = await message.reply('v1');
    const [own] = await echoed;
    expect(own.id).toBe(sent.id);

    // Replying to the bot with ping on: the bot is in `mentions`, the content is untouched.
    const ping = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'thanks', replyTo: sent.id, mentionBot: true });
    expect(ping.content).toBe('thanks');
    expect(ping.mentions.repliedUser?.id).toBe(f.botUser.id);
    expect(ping.mentions.users.has(f.botUser.id)).toBe(true);

    const stored = f.messagesIn(CHANNEL).find((m) => m.id === sent.id);
    expect(stored?.author.id).toBe(f.botUser.id);
    expect(stored?.payload).toMatchObject({ type: 19, content: 'v1', message_reference: { message_id: message.id } });
    // A reply pings its author by default, so Discord lists them in `mentions`.
    expect(stored?.payload['mentions']).toEqual([expect.objectContaining({ id: alice.id })]);
    const request = f.requests.find((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`);
    expect(request?.body).toMatchObject({ content: 'v1', message_reference: { message_id: message.id } });
    expect(request?.headers['authorization']).toBe(`Bot ${f.token}`);

    const updated = next(c, Events.MessageUpdate);
    await sent.edit('v2');
    const [, after] = await updated;
    expect(after.content).toBe('v2');
    expect(stored?.edits).toEqual(['v1', 'v2']);
    expect(stored?.content).toBe('v2');
  });

  it('fails replies and edits that target deleted messages like Discord', async () => {
    const { fake: f, client: c } = await start();
    const message = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'soon gone' });
    if (!message.channel.isSendable()) throw new Error('channel not sendable');
    const own = await message.channel.send('mine');

    const deleted = next(c, Events.MessageDelete);
    await f.deleteMessage(CHANNEL, message.id);
    expect((await deleted)[0].id).toBe(message.id);
    const replyError = apiError(await message.reply('too late').catch((e: unknown) => e));
    expect(replyError.code).toBe(50035);
    expect(replyError.rawError).toMatchObject({ errors: { message_reference: { _errors: [{ message: 'Unknown message' }] } } });

    await f.deleteMessage(CHANNEL, own.id);
    expect(apiError(await own.edit('nope').catch((e: unknown) => e)).code).toBe(10008);
  });

  it('delivers DM messages (with Partials.Channel) and serves the DM channel', async () => {
    const { fake: f, client: c } = await start();
    const message = await userSays(f, c, { channelId: DM, author: alice, content: 'psst' });
    expect(message.channel.type).toBe(ChannelType.DM);
    expect(message.guildId).toBeNull();
    expect(message.content).toBe('psst');

    await message.reply('hello in DM');
    expect(f.messagesIn(DM).map((m) => m.content)).toEqual(['psst', 'hello in DM']);
    const fetched = await c.channels.fetch(DM, { force: true });
    expect(fetched?.type).toBe(ChannelType.DM);
  });

  it('records an ephemeral interaction reply', async () => {
    const { fake: f, client: c } = await start();
    const { interaction, record } = await runCommand(f, c, {
      channelId: CHANNEL,
      user: alice,
      name: 'ask',
      options: [{ name: 'text', type: 3, value: 'why?' }],
      permissions: '0',
    });
    expect(interaction.commandName).toBe('ask');
    expect(interaction.options.getString('text')).toBe('why?');
    expect(interaction.guildId).toBe(GUILD);
    expect(interaction.memberPermissions?.bitfield).toBe(0n);

    await interaction.reply({ content: 'only you see this', flags: MessageFlags.Ephemeral });
    expect(record.callbacks).toEqual([{ type: 4, data: expect.objectContaining({ content: 'only you see this', flags: 64 }) as unknown }]);
    expect(record.reply()).toMatchObject({ content: 'only you see this', ephemeral: true, embeds: [] });
    // Ephemeral responses are not part of the channel's history.
    expect(f.messagesIn(CHANNEL)).toEqual([]);
  });

  it('records deferReply + editReply + followUp', async () => {
    const { fake: f, client: c } = await start();
    const { interaction, record } = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });

    await interaction.deferReply();
    expect(record.reply()).toBeUndefined();
    await interaction.editReply('the answer');
    expect(record.reply()).toMatchObject({ content: 'the answer', ephemeral: false, embeds: [] });
    const second = await interaction.followUp({ content: 'more', flags: MessageFlags.Ephemeral });

    expect(record.callbacks.map((cb) => cb.type)).toEqual([5]);
    expect(record.edits).toEqual([expect.objectContaining({ content: 'the answer' })]);
    expect(record.followUps).toEqual([expect.objectContaining({ content: 'more', flags: 64 })]);
    expect(record.reply()).toMatchObject({ content: 'more', ephemeral: true, embeds: [] });
    expect(second.flags.has(MessageFlags.Ephemeral)).toBe(true);
    const editPath = f.requests.find((r) => r.method === 'PATCH')?.path;
    expect(editPath).toBe(`/webhooks/${f.applicationId}/${record.token}/messages/@original`);
    // The public original is in the channel; the ephemeral follow-up is not.
    expect(f.messagesIn(CHANNEL).map((m) => m.content)).toEqual(['the answer']);
  });

  it('lets the first follow-up after a deferral fill in the "thinking" message', async () => {
    const { fake: f, client: c } = await start();
    const { interaction, record } = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await interaction.followUp('done');
    expect(record.messages).toHaveLength(1);
    expect(record.reply()).toMatchObject({ content: 'done', ephemeral: true, embeds: [] });
  });

  it('delivers an autocomplete (type 4) with the focused option, and takes only a type-8 result within Discord’s limits', async () => {
    const { fake: f, client: c } = await start();
    const typing = async (): Promise<{ interaction: AutocompleteInteraction; record: Awaited<ReturnType<FakeDiscord['autocomplete']>> }> => {
      const arrived = next(c, Events.InteractionCreate);
      const record = await f.autocomplete({
        channelId: CHANNEL,
        user: alice,
        name: 'model',
        options: [{ name: 'set', type: 1, options: [{ name: 'name', type: 3, value: 'gp', focused: true }] }],
      });
      const [interaction] = await arrived;
      if (!interaction.isAutocomplete()) throw new Error('expected an autocomplete');
      return { interaction, record };
    };
    const { interaction, record } = await typing();
    expect(interaction.options.getSubcommand()).toBe('set');
    expect(interaction.options.getFocused(true)).toMatchObject({ name: 'name', value: 'gp' });
    await interaction.respond([{ name: 'gpt-4o', value: 'gpt-4o' }]);
    expect(record.choices()).toEqual([{ name: 'gpt-4o', value: 'gpt-4o' }]);
    expect(record.callbacks.map((cb) => cb.type)).toEqual([8]);

    const tooMany = await typing();
    const choices = Array.from({ length: 26 }, (_, i) => ({ name: `m${String(i)}`, value: `m${String(i)}` }));
    const refused = await c.rest
      .post(Routes.interactionCallback(tooMany.interaction.id, tooMany.interaction.token), { body: { type: 8, data: { choices } }, auth: false })
      .catch((e: unknown) => e);
    expect(apiError(refused).code).toBe(50035);
    const replied = await c.rest
      .post(Routes.interactionCallback(tooMany.interaction.id, tooMany.interaction.token), { body: { type: 4, data: { content: 'no' } }, auth: false })
      .catch((e: unknown) => e);
    expect(apiError(replied).code).toBe(50035);
    expect(tooMany.record.choices()).toBeUndefined();

    // And a slash command takes no autocomplete result.
    const command = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });
    const wrong = await c.rest
      .post(Routes.interactionCallback(command.interaction.id, command.interaction.token), { body: { type: 8, data: { choices: [] } }, auth: false })
      .catch((e: unknown) => e);
    expect(apiError(wrong).code).toBe(50035);
  });

  it('rejects a second acknowledgement (40060) and a late one (10062)', async () => {
    const { fake: f, client: c } = await start({ interactionAckTimeoutMs: 150 });
    const first = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });
    await first.interaction.reply('ok');
    // discord.js refuses locally once replied; a second process would reach Discord, as here.
    const twice = await c.rest
      .post(Routes.interactionCallback(first.interaction.id, first.interaction.token), {
        body: { type: 4, data: { content: 'again' } },
        auth: false,
      })
      .catch((e: unknown) => e);
    expect(apiError(twice).code).toBe(40060);
    expect(first.record.callbacks).toHaveLength(1);

    const late = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const error = apiError(await late.interaction.deferReply().catch((e: unknown) => e));
    expect(error.code).toBe(10062);
    expect(error.status).toBe(404);
  });

  it('validates message bodies: 2001 characters (50035), empty (50006)', async () => {
    const { fake: f, client: c } = await start();
    const channel = c.channels.cache.get(CHANNEL);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const tooLong = apiError(await channel.send('x'.repeat(2001)).catch((e: unknown) => e));
    expect(tooLong.code).toBe(50035);
    expect(tooLong.rawError).toMatchObject({ errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    await expect(channel.send('x'.repeat(2000))).resolves.toBeDefined();

    const empty = await c.rest.post(Routes.channelMessages(CHANNEL), { body: { content: '' } }).catch((e: unknown) => e);
    expect(apiError(empty).code).toBe(50006);
    const unknown = await c.rest.post(Routes.channelMessages('1'), { body: { content: 'hi' } }).catch((e: unknown) => e);
    expect(apiError(unknown).code).toBe(10003);
    expect(f.messagesIn(CHANNEL)).toHaveLength(1);
  });

  it('injects faults: a 500 is retried, a 429 is waited out, a 4xx is thrown', async () => {
    const { fake: f, client: c } = await start();
    const channel = c.channels.cache.get(CHANNEL);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sends = (): Array<number | undefined> =>
      f.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`).map((r) => r.status);

    f.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/ }, { status: 500 });
    await channel.send('after a 500');
    expect(sends()).toEqual([500, 200]);

    f.failNext({ method: 'POST', path: /\/messages$/ }, { status: 429, retryAfter: 0.2 });
    const started = Date.now();
    await channel.send('after a 429');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(sends()).toEqual([500, 200, 429, 200]);

    f.failNext({ path: /\/messages$/ }, { status: 403, code: 50013, message: 'Missing Permissions' });
    const error = apiError(await channel.send('forbidden').catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 50013, status: 403, message: 'Missing Permissions' });
    expect(f.messagesIn(CHANNEL).map((m) => m.content)).toEqual(['after a 500', 'after a 429']);
  });

  it('resumes after a gateway disconnect and replays what was missed', async () => {
    const { fake: f, client: c } = await start();
    const resumed = next(c, Events.ShardResume);
    f.disconnectGateway();
    // Sent while the client is away: Discord keeps it for the resumed session.
    const missed = next(c, Events.MessageCreate, (m) => m.content === 'while away');
    await f.userMessage({ channelId: CHANNEL, author: alice, content: 'while away' });
    await resumed;
    await missed;
    expect(f.gatewayStats).toMatchObject({ identifies: 1, resumes: 1, connected: 1 });

    const message = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'after resume' });
    expect(message.content).toBe('after resume');
  });

  it('registers commands and dispatches interactions with the registered id', async () => {
    const { fake: f, client: c } = await start();
    const definition = { name: 'ask', description: 'Ask something', options: [{ type: 3, name: 'text', description: 'What', required: true }] };
    await c.application?.commands.set([definition]);
    expect(f.registeredCommands()).toEqual([expect.objectContaining({ name: 'ask' })]);
    const [registered] = (await c.application?.commands.fetch())?.values() ?? [];
    const { interaction } = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask', options: [{ name: 'text', type: 3, value: 'q' }] });
    expect(interaction.commandId).toBe(registered?.id);

    const bad = await c.application?.commands.set([{ name: 'Bad Name', description: 'x' }]).catch((e: unknown) => e);
    expect(apiError(bad).code).toBe(50035);
  });

  it('carries locales: the user’s on an interaction, the server’s on its guild (GUILD_CREATE, GUILD_UPDATE)', async () => {
    const { fake: f, client: c } = await start();
    expect(c.guilds.cache.get(GUILD)?.preferredLocale).toBe('en-US');
    const first = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask', locale: 'zh-CN' });
    expect(first.interaction.locale).toBe('zh-CN');
    expect(first.interaction.guildLocale).toBe('en-US');

    const updated = next(c, Events.GuildUpdate);
    await f.setGuildLocale(GUILD, 'zh-CN');
    expect((await updated)[1].preferredLocale).toBe('zh-CN');
    const second = await runCommand(f, c, { channelId: CHANNEL, user: alice, name: 'ask' });
    expect(second.interaction.locale).toBe('en-US');
    expect(second.interaction.guildLocale).toBe('zh-CN');

    const joined = next(c, Events.GuildCreate);
    f.addGuild({ id: '1300000000000000002', name: '中文', preferredLocale: 'zh-CN', channels: [{ id: '1300000000000000020', name: 'chat' }] });
    expect((await joined)[0].preferredLocale).toBe('zh-CN');
    // Discord's locales are a fixed list; a test that names another is told so.
    expect(() => {
      f.addGuild({ id: '1300000000000000003', name: 'x', preferredLocale: 'zh', channels: [] });
    }).toThrow(/zh is not a Discord locale/);
  });

  it('validates command localizations as it validates names and descriptions', async () => {
    const { fake: f, client: c } = await start();
    const option = { type: 3, name: 'text', name_localizations: { 'zh-CN': '内容' }, description: 'What', description_localizations: { 'zh-CN': '问什么' } };
    const good = { name: 'ask', name_localizations: { 'zh-CN': '提问' }, description: 'Ask', description_localizations: { 'zh-CN': '提一个问题' }, options: [option] };
    await c.application?.commands.set([good]);
    expect(f.registeredCommands()).toEqual([expect.objectContaining({ name: 'ask', name_localizations: { 'zh-CN': '提问' } })]);
    const bad: Array<Record<string, unknown>> = [
      { ...good, name_localizations: { 'zh-CN': 'Ask' } },
      { ...good, name_localizations: { 'zh-CN': '提 问' } },
      { ...good, name_localizations: { zh: '提问' } },
      { ...good, description_localizations: { 'zh-CN': '' } },
      { ...good, description_localizations: { 'zh-CN': '长'.repeat(101) } },
      { ...good, options: [{ ...option, name_localizations: { 'zh-CN': '内 容' } }] },
      { ...good, options: [{ ...option, description_localizations: { 'en-US': '' } }] },
    ];
    for (const body of bad) {
      const refused = await c.application?.commands.set([body as never]).catch((e: unknown) => e);
      expect(apiError(refused).code, JSON.stringify(body)).toBe(50035);
    }
  });

  it('handles a slash command in a DM, with withResponse', async () => {
    const { fake: f, client: c } = await start();
    const { interaction, record } = await runCommand(f, c, { channelId: DM, user: alice, name: 'ask' });
    expect(interaction.inGuild()).toBe(false);
    expect(interaction.user.id).toBe(alice.id);
    expect(interaction.channel?.type).toBe(ChannelType.DM);
    const response = await interaction.reply({ content: 'hi there', withResponse: true });
    expect(response.resource?.message?.content).toBe('hi there');
    expect(record.reply()).toMatchObject({ content: 'hi there', ephemeral: false, embeds: [] });
    expect(f.messagesIn(DM).map((m) => m.payload['type'])).toEqual([20]);
  });

  it('uploads files as multipart, serves them back, and pages channel history', async () => {
    const { fake: f, client: c } = await start();
    const channel = c.channels.cache.get(CHANNEL);
    if (!channel?.isTextBased() || !channel.isSendable()) throw new Error('channel not sendable');
    await channel.sendTyping();
    const sent = await channel.send({ content: 'see file', files: [{ attachment: Buffer.from('hello file'), name: 'answer.txt' }] });
    const request = f.requests.find((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`);
    expect(request?.files).toEqual([expect.objectContaining({ filename: 'answer.txt', size: 10 })]);
    expect(request?.body).toMatchObject({ content: 'see file' });
    const url = sent.attachments.first()?.url ?? '';
    expect(await (await fetch(url)).text()).toBe('hello file');

    await channel.send('two');
    await channel.send('three');
    const page = await channel.messages.fetch({ limit: 2, before: sent.id, cache: false });
    expect(page.size).toBe(0);
    const newest = await channel.messages.fetch({ limit: 2, cache: false });
    expect([...newest.values()].map((m) => m.content)).toEqual(['three', 'two']);
    expect(f.requests.some((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/typing` && r.status === 204)).toBe(true);
  });

  it('serves files users attach on a CDN route, described like Discord attachments', async () => {
    const { fake: f, client: c } = await start();
    // The signature and IHDR of a 3×2 PNG: enough for the dimensions Discord reports.
    const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000300000002080600000000', 'hex');
    const message = await userSays(f, c, {
      channelId: CHANNEL,
      author: alice,
      content: 'look',
      mentionBot: true,
      attachments: [
        { filename: 'notes.md', content: '# Notes\nhé' },
        { filename: 'cat.png', content: png },
        { filename: 'blob.bin', content: Buffer.from([0, 1, 2]), content_type: 'application/x-thing' },
        { filename: 'elsewhere.txt', size: 5, url: 'https://example.invalid/elsewhere.txt' },
      ],
    });
    const [notes, cat, blob, elsewhere] = [...message.attachments.values()];
    expect(notes).toMatchObject({ name: 'notes.md', size: 11, contentType: 'text/markdown; charset=utf-8' });
    expect(notes?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/attachments/${CHANNEL}/${notes?.id ?? ''}/notes\\.md\\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]+&$`));
    expect(notes?.proxyURL).toBe(notes?.url);
    expect(cat).toMatchObject({ name: 'cat.png', contentType: 'image/png', width: 3, height: 2, size: png.length });
    expect(blob).toMatchObject({ contentType: 'application/x-thing', size: 3 });
    expect(elsewhere).toMatchObject({ url: 'https://example.invalid/elsewhere.txt', size: 5, contentType: null });

    const served = await fetch(notes?.url ?? '');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await served.text()).toBe('# Notes\nhé');
    expect(Buffer.from(await (await fetch(cat?.url ?? '')).arrayBuffer()).equals(png)).toBe(true);
    expect((await fetch(blob?.url ?? '')).headers.get('content-type')).toBe('application/x-thing');

    const missing = await fetch((notes?.url ?? '').replace('notes.md', 'other.md'));
    expect(missing.status).toBe(404);
    // CDN downloads are not API calls: nothing is recorded and no token is needed.
    expect(f.requests.some((r) => r.path.includes('attachments'))).toBe(false);
  });

  it('acknowledges heartbeats', async () => {
    const { fake: f, client: c } = await start({ heartbeatIntervalMs: 50 });
    await f.waitFor(() => f.gatewayStats.heartbeats >= 3, 2000);
    // discord.js would close a connection whose heartbeats go unacknowledged ("zombie").
    expect(f.gatewayStats).toMatchObject({ identifies: 1, resumes: 0, connected: 1 });
    expect(c.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('blanks content without the MessageContent intent unless the bot is mentioned', async () => {
    const { fake: f, client: c } = await start({}, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const plain = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'secret' });
    expect(plain.content).toBe('');
    const mentioned = await userSays(f, c, { channelId: CHANNEL, author: alice, content: 'for you', mentionBot: true });
    expect(mentioned.content).toContain('for you');
  });

  it('refuses a wrong token: login rejects, the gateway closes 4004', async () => {
    const f = await FakeDiscord.start({ token: 'right' });
    fake = f;
    const c = new Client({ intents: INTENTS, rest: { api: f.apiUrl } });
    client = c;
    await expect(c.login('wrong')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(f.requests[0]).toMatchObject({ path: '/gateway/bot', status: 401 });

    const socket = new WebSocket(`${f.apiUrl.replace('http:', 'ws:').replace(/\/api$/, '')}?v=10&encoding=json`);
    const code = await new Promise<number>((resolve) => {
      socket.on('message', () => socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 0, properties: {} } })));
      socket.on('close', (closeCode) => resolve(closeCode));
    });
    expect(code).toBe(4004);
  });

  it('refuses the next IDENTIFY with a close code when asked: discord.js gives up, the next login works', async () => {
    const f = await FakeDiscord.start({ token: 'right' });
    fake = f;
    f.refuseNextIdentify(4004);
    const refused = new Client({ intents: INTENTS, rest: { api: f.apiUrl } });
    client = refused;
    const disconnected = next(refused, Events.ShardDisconnect);
    await expect(refused.login('right')).rejects.toThrow('Authentication failed');
    const [event] = await disconnected;
    expect(event.code).toBe(4004);
    expect(f.gatewayStats).toMatchObject({ identifies: 0, sessions: 0 });
    await refused.destroy();

    const accepted = new Client({ intents: INTENTS, rest: { api: f.apiUrl } });
    client = accepted;
    const ready = next(accepted, Events.ClientReady);
    await accepted.login('right');
    await ready;
    expect(f.gatewayStats.identifies).toBe(1);
  });

  it('closes 4014 when a privileged intent is not enabled for the app', async () => {
    const f = await FakeDiscord.start({ token: 'right', enabledPrivilegedIntents: 0 });
    fake = f;
    const c = new Client({ intents: INTENTS, rest: { api: f.apiUrl } });
    client = c;
    const disconnected = next(c, Events.ShardDisconnect);
    await expect(c.login('right')).rejects.toThrow('Used disallowed intents');
    expect((await disconnected)[0].code).toBe(4014);
  });

  it('hands out the gatewayUrl it was given on GET /gateway/bot', async () => {
    const f = await FakeDiscord.start({ gatewayUrl: 'ws://127.0.0.1:9/elsewhere' });
    fake = f;
    const response = await fetch(`${f.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${f.token}` } });
    expect(await response.json()).toMatchObject({ url: 'ws://127.0.0.1:9/elsewhere', shards: 1 });
  });
});

/** A guild id on `shard` of `count`: Discord routes a guild to shard (guild_id >> 22) % count. */
function guildOnShard(shard: number, count: number, n: number): string {
  const timestamp = (1n << 40n) + BigInt(n * count + shard);
  return String(timestamp << 22n);
}

describe('FakeDiscord sharding, as Discord routes servers to shards', () => {
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
  });

  it('recommends one shard per 1000 servers on GET /gateway/bot, or what it was told', async () => {
    const f = await FakeDiscord.start();
    fake = f;
    const recommended = async (target: FakeDiscord): Promise<unknown> => {
      const response = await fetch(`${target.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${target.token}` } });
      return ((await response.json()) as { shards: unknown }).shards;
    };
    expect(await recommended(f)).toBe(1);
    for (let i = 0; i < 1001; i += 1) f.addGuild({ id: guildOnShard(0, 1, i), name: `g${String(i)}`, channels: [] });
    expect(await recommended(f)).toBe(2);
    const told = await FakeDiscord.start({ recommendedShards: 4 });
    try {
      expect(await recommended(told)).toBe(4);
    } finally {
      await told.close();
    }
  });

  it('shards [0,2] and [1,2]: each gets READY with its shard and only its own servers; DMs go to shard 0', async () => {
    const f = await FakeDiscord.start();
    fake = f;
    const guilds = [guildOnShard(0, 2, 1), guildOnShard(1, 2, 1), guildOnShard(0, 2, 2), guildOnShard(1, 2, 2)];
    const channelOf = (guild: string): string => String(BigInt(guild) + 10n);
    for (const [i, id] of guilds.entries()) f.addGuild({ id, name: `guild ${String(i)}`, channels: [{ id: channelOf(id), name: 'general' }] });
    f.addDmChannel(DM, alice);
    const readies: unknown[][] = [[], []];
    const received: string[][] = [[], []];
    for (const shard of [0, 1]) {
      const c = new Client({ intents: INTENTS, partials: [Partials.Channel], rest: { api: f.apiUrl }, shards: [shard], shardCount: 2 });
      clients.push(c);
      c.on(Events.Raw, (packet: { t?: string; d?: { shard?: unknown } }) => {
        if (packet.t === 'READY') readies[shard]?.push(packet.d?.shard);
      });
      c.on(Events.MessageCreate, (message) => received[shard]?.push(message.channelId));
      const ready = next(c, Events.ClientReady);
      await c.login(f.token);
      await ready;
    }
    const [first, second] = clients;
    if (!first || !second) throw new Error('two clients expected');
    expect(f.gatewayFrames.filter((frame) => frame.op === 2).map((frame) => (frame.d as { shard?: unknown }).shard)).toEqual([[0, 2], [1, 2]]);
    expect(readies).toEqual([[[0, 2]], [[1, 2]]]);
    expect([...first.guilds.cache.keys()].sort()).toEqual([guilds[0], guilds[2]].sort());
    expect([...second.guilds.cache.keys()].sort()).toEqual([guilds[1], guilds[3]].sort());

    // Each message reaches its guild's shard; the last one is for each shard, so anything sent to the
    // wrong shard would have arrived on that socket before it.
    for (const guild of [guilds[0], guilds[1], guilds[2], guilds[3]]) {
      const channelId = channelOf(guild ?? '');
      const owner = guild === guilds[0] || guild === guilds[2] ? first : second;
      const arrived = next(owner, Events.MessageCreate, (m) => m.channelId === channelId);
      await f.userMessage({ channelId, author: alice, content: 'hello', mentionBot: true });
      await arrived;
    }
    const dm = next(first, Events.MessageCreate, (m) => m.channelId === DM);
    await f.userMessage({ channelId: DM, author: alice, content: 'a DM' });
    await dm;
    const lastOnSecond = next(second, Events.MessageCreate, (m) => m.channelId === channelOf(guilds[3] ?? ''));
    await f.userMessage({ channelId: channelOf(guilds[3] ?? ''), author: alice, content: 'last', mentionBot: true });
    await lastOnSecond;
    expect(received[0]).toEqual([channelOf(guilds[0] ?? ''), channelOf(guilds[2] ?? ''), DM]);
    expect(received[1]).toEqual([channelOf(guilds[1] ?? ''), channelOf(guilds[3] ?? ''), channelOf(guilds[3] ?? '')]);

    // A server joined later goes to its shard only.
    const joined = guildOnShard(1, 2, 3);
    const created = next(second, Events.GuildCreate, (g) => g.id === joined);
    f.addGuild({ id: joined, name: 'joined', channels: [{ id: channelOf(joined), name: 'general' }] });
    await created;
    expect(first.guilds.cache.has(joined)).toBe(false);
  });

  it('closes 4010 Invalid shard for a shard id outside its count', async () => {
    const f = await FakeDiscord.start();
    fake = f;
    const socket = new WebSocket(`${f.apiUrl.replace('http:', 'ws:').replace(/\/api$/, '')}?v=10&encoding=json`);
    const code = await new Promise<number>((resolve) => {
      socket.on('message', () => socket.send(JSON.stringify({ op: 2, d: { token: f.token, intents: 0, properties: {}, shard: [2, 2] } })));
      socket.on('close', (closeCode) => resolve(closeCode));
    });
    expect(code).toBe(4010);
  });
});

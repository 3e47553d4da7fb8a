/**
 * The bot's representative flows, end to end (real discord.js client, real openai SDK, both
 * fakes), with every HTTP exchange checked against Discord's and OpenAI's own API descriptions:
 * what the bot sends, and what the fakes answer, errors and stream chunks included. A route the
 * bot calls that the extracts do not describe is a failure too (see openapi-contract.ts).
 */
import { Events, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitForDisplay, splitMessage } from '../../src/adapters/discord/split-message.js';
import { TYPING_DELAY_MS } from '../../src/adapters/discord/reply-sink.js';
import type { Command } from '../../src/command.js';
import { onInteractionCreate } from '../../src/events/interaction-create.js';
import { ada, GENERAL, GUILD, World } from '../e2e/harness.js';
import type { FakeDiscordOptions } from '../fakes/fake-discord.js';
import type { FakeOpenAIOptions } from '../fakes/fake-openai.js';
import { ContractRecorder } from './contracts.js';

/** Every operation the flows below exercised, to show each one in the extracts is used. */
const exercised = new Set<string>();
let world: World | undefined;

async function start(
  options: {
    env?: Record<string, string>;
    discord?: Omit<FakeDiscordOptions, 'token' | 'observe'>;
    openai?: Omit<FakeOpenAIOptions, 'apiKeys' | 'observe'>;
    commandDeferMs?: number;
  } = {},
): Promise<{ world: World; contract: ContractRecorder }> {
  const recorder = new ContractRecorder();
  const created = await World.create({
    discord: { ...options.discord, observe: recorder.observeDiscord },
    openai: { ...options.openai, observe: recorder.observeOpenAI },
  });
  world = created;
  await created.start(options.env ?? {}, options.commandDeferMs === undefined ? {} : { commandDeferMs: options.commandDeferMs });
  return { world: created, contract: recorder };
}

/** The exchanges conformed, and these operations were among them. */
function expectConforming(recorder: ContractRecorder, operations: readonly string[]): void {
  expect(recorder.problems).toEqual([]);
  const seen = recorder.seenOperations();
  for (const op of seen) exercised.add(op);
  expect(seen).toEqual(expect.arrayContaining([...operations]));
}

afterEach(async () => {
  await world?.close();
  world = undefined;
});


const CHAT = 'POST /chat/completions';
const SEND = 'POST /channels/{channel_id}/messages';
const EDIT = 'PATCH /channels/{channel_id}/messages/{message_id}';
const CALLBACK = 'POST /interactions/{interaction_id}/{interaction_token}/callback';

describe('every exchange conforms to the API descriptions', () => {
  it('a mention answered with streaming edits, typing first while the model is slow to start', async () => {
    const { world, contract } = await start({ env: { REGISTER_COMMANDS_ON_START: 'true', DISCORD_GUILD_ID: GUILD } });
    world.openai.setLatency(TYPING_DELAY_MS + 100);
    world.openai.setChunkDelay(10);
    world.openai.setResponder(() => 'A streamed answer that grows over several edits before it is complete.');
    const [reply] = await world.ask(GENERAL, 'stream please');
    expect(reply?.edits.length).toBeGreaterThan(1);
    expect(contract.openai.eventsChecked).toBeGreaterThan(3);
    expectConforming(contract, ['GET /gateway/bot', 'PUT /applications/{application_id}/guilds/{guild_id}/commands', 'POST /channels/{channel_id}/typing', SEND, EDIT, CHAT]);
  });

  it('global command registration', async () => {
    const { world, contract } = await start({ env: { REGISTER_COMMANDS_ON_START: 'true' } });
    expect(world.discord.registeredCommands().length).toBeGreaterThan(0);
    expectConforming(contract, ['PUT /applications/{application_id}/commands']);
  });

  it('a long reply split into several messages', async () => {
    const { world, contract } = await start({ env: { MAX_REPLY_TOKENS: '4096' } });
    world.openai.setResponder(() => 'Many words in a long answer. '.repeat(200));
    const replies = await world.ask(GENERAL, 'a long one');
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(world.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${GENERAL}/messages`).length).toBe(replies.length);
    expectConforming(contract, [SEND, CHAT]);
  });

  it('a piece the final split no longer needs is deleted', async () => {
    // A fence opened at the very end is closed for display, which pushes the partial text over
    // the limit; the next two characters make it inline code, and the whole fits in one message.
    const partial = `${'word '.repeat(398)}abcd\n\`\`\``;
    const final = `${partial}a\``;
    expect(splitForDisplay(partial)).toHaveLength(2);
    expect(splitMessage(final)).toHaveLength(1);
    expect(final.length).toBe(DISCORD_MESSAGE_LIMIT);
    // One chunk with the partial text, held until the bot has shown it in two messages, then the rest.
    const { world, contract } = await start({ openai: { chunkSize: partial.length } });
    world.openai.setResponder(() => final);
    world.openai.failNext({ holdAfterChunks: 1 });
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'fence trick', mentionBot: true });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length === 2);
    expect(world.openai.releaseHeldStreams()).toBe(1);
    await world.settled();
    const sent = world.botMessages(GENERAL);
    expect(sent.map((m) => m.deleted === true)).toEqual([false, true]);
    expect(sent[0]?.content).toBe(final);
    expectConforming(contract, ['DELETE /channels/{channel_id}/messages/{message_id}', SEND, EDIT]);
  });

  it('slash commands: a public reply, an ephemeral one, an unknown command', async () => {
    const { world, contract } = await start();
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'something to remember');
    const history = await world.discord.command({ channelId: GENERAL, user: ada, name: 'history' });
    expect(await world.discord.waitFor(() => history.reply())).toMatchObject({ ephemeral: true });
    const rollback = await world.discord.command({ channelId: GENERAL, user: ada, name: 'rollback' });
    expect(await world.discord.waitFor(() => rollback.reply())).toMatchObject({ ephemeral: false });
    const unknown = await world.discord.command({ channelId: GENERAL, user: ada, name: 'no-such-command' });
    expect(await world.discord.waitFor(() => unknown.reply())).toMatchObject({ ephemeral: true });
    expectConforming(contract, [CALLBACK]);
  });

  it('/export: a file uploaded with the interaction callback (multipart/form-data, payload_json checked)', async () => {
    const { world, contract } = await start();
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'something to remember');
    const exported = await world.discord.command({ channelId: GENERAL, user: ada, name: 'export' });
    const reply = await world.discord.waitFor(() => exported.reply());
    expect(reply.attachments).toHaveLength(1);
    const callback = world.discord.requests.find((r) => r.path.endsWith('/callback') && r.files.length > 0);
    expect(String(callback?.headers['content-type'])).toMatch(/^multipart\/form-data/);
    expectConforming(contract, [CALLBACK]);
  });

  it('/import: an attachment option, a confirmation with buttons, the click deferred (type 6) and its result edited in', async () => {
    const { world, contract } = await start();
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'something to remember');
    const file = JSON.stringify([{ role: 'user', content: 'imported' }]);
    const asked = await world.discord.command({ channelId: GENERAL, user: ada, name: 'import', options: [{ name: 'file', type: 11, attachment: { filename: 'm.json', content: file } }] });
    const question = await world.discord.waitFor(() => asked.reply());
    const replace = (question.components as Array<{ components: Array<{ custom_id: string }> }>)[0]?.components[0]?.custom_id ?? '';
    const click = await world.discord.clickButton({ on: asked, customId: replace });
    await world.discord.waitFor(() => /replaced from the file/.test(click.reply()?.content ?? ''));
    expect(click.callbacks.map((c) => c.type)).toEqual([6]);
    expectConforming(contract, [CALLBACK, 'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original']);
  });

  it('/model set with every parameter: the request carries them and conforms; the name autocompletes (callback type 8)', async () => {
    const { world, contract } = await start({ env: { MODELS: 'fast-model,smart-model' } });
    world.openai.setResponder(() => 'tuned');
    const typed = await world.discord.autocomplete({
      channelId: GENERAL,
      user: ada,
      name: 'model',
      options: [{ name: 'set', type: 1, options: [{ name: 'name', type: 3, value: 'sm', focused: true }] }],
    });
    expect(await world.discord.waitFor(() => typed.choices())).toEqual([{ name: 'smart-model', value: 'smart-model' }]);
    const set = await world.discord.command({
      channelId: GENERAL,
      user: ada,
      name: 'model',
      options: [
        {
          name: 'set',
          type: 1,
          options: [
            { name: 'name', type: 3, value: 'smart-model' },
            { name: 'temperature', type: 10, value: 0.7 },
            { name: 'top_p', type: 10, value: 0.5 },
            { name: 'max_tokens', type: 4, value: 300 },
            { name: 'frequency_penalty', type: 10, value: 0.1 },
            { name: 'presence_penalty', type: 10, value: -0.1 },
            { name: 'seed', type: 4, value: 12345 },
            { name: 'reasoning_effort', type: 3, value: 'medium' },
          ],
        },
      ],
    });
    await world.discord.waitFor(() => set.reply());
    await world.ask(GENERAL, 'with parameters');
    expect(world.openai.requests.at(-1)?.body).toMatchObject({ model: 'smart-model', temperature: 0.7, seed: 12345, reasoning_effort: 'medium' });
    expectConforming(contract, [CALLBACK, CHAT]);
    expect(contract.discord.seen.get(CALLBACK)).toBe(2); // the autocomplete's type 8 and the command's reply
  });

  it('a failed interaction callback (10062 Unknown interaction): what the command did is logged, never reported as a failure', async () => {
    const { world, contract } = await start();
    world.discord.failNext({ method: 'POST', path: /\/callback$/ }, { status: 404, code: 10062, message: 'Unknown interaction' });
    await world.discord.command({ channelId: GENERAL, user: ada, name: 'history' });
    await world.discord.waitFor(() => world.logs.lines.some((l) => /its reply could not be delivered/.test(String(l.msg))));
    const line = world.logs.lines.find((l) => /its reply could not be delivered/.test(String(l.msg)));
    expect(String(line?.['result'])).toMatch(/Memory of this channel/);
    // No second message saying that something went wrong: the command had done its work.
    expect(world.discord.requests.filter((r) => r.path.endsWith('/callback')).map((r) => r.status)).toEqual([404]);
    expectConforming(contract, [CALLBACK]);
  });

  it('a slow command is deferred, then its result edits the thinking state in', async () => {
    const { world, contract } = await start({ commandDeferMs: 0 });
    const app = world.app;
    if (app === undefined) throw new Error('the bot did not start');
    // Memory answers late, as under load: the command outlasts commandDeferMs.
    const memory = app.ctx.engine.memory;
    const read = memory.read.bind(memory);
    memory.read = async (key) => new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => read(key));
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'history' });
    const reply = await world.discord.waitFor(() => (interaction.edits.length > 0 ? interaction.reply() : undefined));
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Memory of this channel/);
    expectConforming(contract, [CALLBACK, 'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original']);
  });

  it('a command that fails after replying gets an ephemeral follow-up', async () => {
    const { world, contract } = await start();
    const app = world.app;
    if (app === undefined) throw new Error('the bot did not start');
    // The shipped commands reply last, so none fails after replying: this one does, through the
    // bot's own interaction handler, which must then follow up instead of replying twice.
    const failing: Command = {
      data: new SlashCommandBuilder().setName('fails-late').setDescription('replies, then throws'),
      async execute(interaction) {
        await interaction.reply({ content: 'working on it', allowedMentions: { parse: [] } });
        throw new Error('broke after the reply');
      },
    };
    app.client.removeAllListeners(Events.InteractionCreate);
    const handle = onInteractionCreate(app.ctx, new Map([['fails-late', failing]]));
    app.client.on(Events.InteractionCreate, (interaction) => void handle(interaction));
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'fails-late' });
    const reply = await world.discord.waitFor(() => (interaction.followUps.length > 0 ? interaction.reply() : undefined));
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/went wrong/);
    expect(interaction.followUps[0]?.['flags']).toBe(MessageFlags.Ephemeral);
    expectConforming(contract, [CALLBACK, 'POST /webhooks/{webhook_id}/{webhook_token}']);
  });

  it('Discord rate-limits a send (429): discord.js waits and sends again', async () => {
    const { world, contract } = await start();
    world.openai.setResponder(() => 'after a pause');
    world.discord.failNext({ method: 'POST', path: new RegExp(`^/channels/${GENERAL}/messages$`) }, { status: 429, retryAfter: 0.05 });
    const [reply] = await world.ask(GENERAL, 'busy?');
    expect(reply?.content).toBe('after a pause');
    expect(world.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${GENERAL}/messages`).map((r) => r.status)).toEqual([429, 200]);
    expectConforming(contract, [SEND]);
  });

  it('the model answers 429 (with Retry-After) and then 500: retried, then a failure notice', async () => {
    const { world, contract } = await start({ env: { OPENAI_MAX_RETRIES: '1' } });
    world.openai.failNext({ status: 429, retryAfterSeconds: 0.05 });
    world.openai.failNext({ status: 500 });
    const [notice] = await world.ask(GENERAL, 'will this work?');
    expect(notice?.content).toMatch(/not added to memory/);
    expect(world.openai.requests).toHaveLength(2);
    expectConforming(contract, [CHAT, SEND]);
  });

  it('an error event in the middle of a stream', async () => {
    const { world, contract } = await start();
    world.openai.setChunkDelay(5);
    world.openai.setResponder(() => 'This answer breaks off with an error event after a few chunks.');
    world.openai.failNext({ errorEventAfterChunks: 3 });
    const messages = await world.ask(GENERAL, 'go on');
    expect(messages.at(-1)?.content).toMatch(/not added to memory/);
    expect(contract.openai.eventsChecked).toBe(1 + 3 + 1); // role chunk, three pieces, the error
    expectConforming(contract, [CHAT]);
  });

  it('the conversation is longer than the model accepts (400 context_length_exceeded), then fits', async () => {
    const { world, contract } = await start({ env: { CONTEXT_TOKENS: '100000', MAX_REPLY_TOKENS: '100' } });
    world.openai.setResponder(() => 'short');
    for (let i = 0; i < 3; i += 1) await world.ask(GENERAL, `question ${String(i)} ${'padding words '.repeat(40)}`);
    world.openai.contextWindow = 300;
    const [reply] = await world.ask(GENERAL, 'and now?');
    const [refused, retried] = world.openai.requests.slice(-2).map((r) => r.body.messages.length);
    // The smaller context leaves stored messages out, and the answer says how many.
    expect(reply?.content).toBe(`short\n-# ${String(6 - ((retried ?? 0) - 2))} older messages left out to fit the context`);
    expect(world.openai.requests).toHaveLength(5);
    expect(retried).toBeLessThan(refused ?? 0);
    expectConforming(contract, [CHAT]);
  });
});

describe('the reply limit parameter, end to end', () => {
  it.each([
    [{ OPENAI_MODEL: 'fake-model' }, 'max_tokens'],
    [{ OPENAI_MODEL: 'gpt-5-mini' }, 'max_completion_tokens'],
    [{ OPENAI_MODEL: 'fake-model', MAX_TOKENS_PARAM: 'max_completion_tokens' }, 'max_completion_tokens'],
  ] as const)('%j sends %s alone, and the request conforms', async (env, param) => {
    const { world, contract } = await start({ env: { ...env, MAX_REPLY_TOKENS: '200' } });
    world.openai.setResponder(() => 'limited');
    const [reply] = await world.ask(GENERAL, 'hello');
    expect(reply?.content).toBe('limited');
    const body = world.openai.requests[0]?.body;
    expect(body?.[param]).toBe(200);
    expect(Object.keys(body ?? {}).filter((k) => k.startsWith('max_'))).toEqual([param]);
    expectConforming(contract, [CHAT]);
  });

  it('max_tokens forced on a reasoning model: OpenAI\'s 400 unsupported_parameter conforms, and the user is told', async () => {
    const { world, contract } = await start({ env: { OPENAI_MODEL: 'o3-mini', MAX_TOKENS_PARAM: 'max_tokens' } });
    const [notice] = await world.ask(GENERAL, 'hello');
    expect(notice?.content).toMatch(/not added to memory/);
    expect(world.openai.requests).toHaveLength(1); // a 400 is not retried
    expectConforming(contract, [CHAT]);
  });
});

// Last in the file: vitest runs a file's tests in order, so every flow above has run by now.
it('every operation in the extracts was exercised by a flow above', () => {
  const recorder = new ContractRecorder();
  const described = [...recorder.discord.operations(), ...recorder.openai.operations()].sort();
  // An operation no flow reaches is either dead weight in the extract or a flow missing here.
  expect([...exercised].sort()).toEqual(described);
});

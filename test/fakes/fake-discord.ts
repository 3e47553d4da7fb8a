/**
 * A fake Discord (API v10 REST + gateway) on 127.0.0.1 that the real, unmodified discord.js
 * client talks to: `new Client({ rest: { api: fake.apiUrl } })`. Tests inject what users do
 * (messages, slash commands, deletions) as gateway dispatches and read back what the bot did
 * (recorded requests, channel messages with edit history, interaction responses).
 *
 * It follows Discord's documented and observed behaviour — payload shapes, error codes and
 * bodies, rate-limit headers, intents, resume — so the bot is tested against what it will meet,
 * not against what we wish Discord did. Facts it relies on: /work/shared/DISCORD-FAKE-NOTES.md.
 */
import { randomBytes } from 'node:crypto';
import {
  type APIApplication,
  type APIApplicationCommandInteractionMetadata,
  type APIAttachment,
  type APIMessageComponentInteractionMetadata,
  type GatewayGuildMembersChunkDispatchData,
  type GatewayReadyDispatchData,
  InteractionType,
} from 'discord-api-types/v10';
import { type CommandScope, channelRoutes } from './fake-discord/channel-routes.js';
import { FakeGateway, type GatewayHost, type GatewaySessionView, type IdentifyRefusal } from './fake-discord/gateway.js';
import { InteractionRecord, buttonPayload, buttonsOf, chatInputPayload, interactionRoutes } from './fake-discord/interactions.js';
import { parseContentMentions } from './fake-discord/message-rules.js';
import { Messaging } from './fake-discord/messaging.js';
import { RestServer } from './fake-discord/rest-server.js';
import type {
  FailureSpec,
  FakeButtonClick,
  FakeCommandInput,
  FakeDiscordOptions,
  FakeGuildSpec,
  FakeInteraction,
  FakeMessage,
  FakeUser,
  FakeUserMessageInput,
  RecordedRequest,
} from './fake-discord/types.js';
import { discordLocale, FakeWorld, type StoredChannel, type StoredMessage, userToApi } from './fake-discord/world.js';

export type {
  FailureSpec,
  FakeAttachmentInput,
  FakeButtonClick,
  FakeChannelSpec,
  FakeCommandInput,
  FakeCommandOption,
  FakeDiscordOptions,
  FakeGuildSpec,
  FakeInteraction,
  FakeInteractionReply,
  FakeMessage,
  FakeUser,
  FakeUserMessageInput,
  ObservedExchange,
  RecordedFile,
  RecordedRequest,
} from './fake-discord/types.js';

const INTENT_GUILDS = 1;
/** Discord recommends a shard per 1000 servers (and requires one per 2500). */
const GUILDS_PER_SHARD = 1000;
const PRIVILEGED_ALL = (1 << 1) | (1 << 8) | (1 << 15);
/** Application flags for privileged intents of an unverified (<100 servers) app. */
const LIMITED_FLAG_FOR_INTENT: ReadonlyArray<[intent: number, flag: number]> = [
  [1 << 8, 1 << 13], // GuildPresences → GATEWAY_PRESENCE_LIMITED
  [1 << 1, 1 << 15], // GuildMembers → GATEWAY_GUILD_MEMBERS_LIMITED
  [1 << 15, 1 << 19], // MessageContent → GATEWAY_MESSAGE_CONTENT_LIMITED
];

export class FakeDiscord {
  /** 'http://127.0.0.1:PORT/api': pass as `new Client({ rest: { api: fake.apiUrl } })`. */
  readonly apiUrl: string;
  /** The bot's user; its id is also the application id, as on Discord. */
  readonly botUser: FakeUser;
  readonly applicationId: string;
  /** The token clients must present; anything else gets 401 on REST and close 4004 on the gateway. */
  readonly token: string;
  /** Every REST call, in arrival order (clear with `requests.length = 0`). */
  readonly requests: RecordedRequest[];

  readonly #world: FakeWorld;
  readonly #gateway: FakeGateway;
  readonly #messaging: Messaging;
  readonly #rest: RestServer;
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #commandScopes = new Map<string, CommandScope>();

  private constructor(parts: {
    world: FakeWorld;
    gateway: FakeGateway;
    messaging: Messaging;
    rest: RestServer;
    token: string;
    origin: string;
    interactions: Map<string, InteractionRecord>;
    commandScopes: Map<string, CommandScope>;
  }) {
    this.#world = parts.world;
    this.#gateway = parts.gateway;
    this.#messaging = parts.messaging;
    this.#rest = parts.rest;
    this.#interactions = parts.interactions;
    this.#commandScopes = parts.commandScopes;
    this.token = parts.token;
    this.botUser = parts.world.botUser;
    this.applicationId = parts.world.botUser.id;
    this.apiUrl = `${parts.origin}/api`;
    this.requests = parts.rest.requests;
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const token = options.token ?? 'fake-token';
    const world = new FakeWorld(options.botUsername ?? 'contextcord');
    const applicationId = world.botUser.id;
    const enabledPrivilegedIntents = options.enabledPrivilegedIntents ?? PRIVILEGED_ALL;
    const interactions = new Map<string, InteractionRecord>();
    const commandScopes = new Map<string, CommandScope>();
    // The port is known only after listen(); everything that prints URLs reads it lazily.
    let origin = '';

    const applicationFlags = LIMITED_FLAG_FOR_INTENT.reduce(
      (flags, [intent, flag]) => ((enabledPrivilegedIntents & intent) !== 0 ? flags | flag : flags),
      0,
    );
    const host: GatewayHost = {
      token: () => token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      enabledPrivilegedIntents,
      // Discord resumes on a different host than it identifies on; a distinct path keeps that visible.
      ready: (session) => readyPayload(world, session, `${origin.replace('http:', 'ws:')}/resume`, applicationFlags),
      guildCreates: (session) =>
        [...world.guilds.values()].filter((g) => ownsGuild(session, g.id)).map((g) => world.guildCreateJson(g)),
      membersChunk: (request) => membersChunk(world, request),
    };
    const gateway = new FakeGateway(host);
    const messaging = new Messaging(world, gateway, () => origin);
    const applicationJson = (): Record<string, unknown> => {
      const documented = {
        id: applicationId,
        name: world.botUser.username,
        icon: null,
        description: '',
        summary: '',
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: randomBytes(32).toString('hex'),
        flags: applicationFlags,
        // The same flags as a string, which Discord adds for bits past 2^31.
        flags_new: String(applicationFlags),
        owner: userToApi({ id: world.ids.next(), username: 'owner' }),
        team: null,
        bot: userToApi(world.botUser),
        integration_types_config: { '0': {} },
      } satisfies APIApplication;
      // `type` is undocumented, but in what Discord returns.
      return { ...documented, type: null };
    };

    const rest = new RestServer({
      token: () => token,
      latencyMs: options.restLatencyMs ?? 0,
      rateLimit: options.rateLimit ?? { limit: 50, windowMs: 1000 },
      files: messaging.files,
      onUpgrade: (request, socket, head) => gateway.handleUpgrade(request, socket, head),
      observe: options.observe,
      routes: [
        ...channelRoutes({
          world,
          messaging,
          applicationId,
          gatewayUrl: () => options.gatewayUrl ?? origin.replace('http:', 'ws:'),
          recommendedShards: () => options.recommendedShards ?? Math.max(1, Math.ceil(world.guilds.size / GUILDS_PER_SHARD)),
          commandScopes,
          applicationJson,
        }),
        ...interactionRoutes({
          world,
          messaging,
          applicationId,
          ackTimeoutMs: options.interactionAckTimeoutMs ?? 3000,
          interactions,
        }),
      ],
    });
    const port = await rest.listen();
    origin = `http://127.0.0.1:${port}`;
    return new FakeDiscord({ world, gateway, messaging, rest, token, origin, interactions, commandScopes });
  }

  // ---- world setup --------------------------------------------------------------------------

  /** Before login, or after: then connected clients get a GUILD_CREATE as when a bot joins a server. */
  addGuild(spec: FakeGuildSpec): void {
    const guild = this.#world.addGuild(spec);
    void this.#gateway.dispatch(
      'GUILD_CREATE',
      (session) => ((session.intents & INTENT_GUILDS) !== 0 ? this.#world.guildCreateJson(guild) : undefined),
      guild.id,
    );
  }

  /** An admin changes the server's language in its settings: Discord sends GUILD_UPDATE with the whole guild. */
  async setGuildLocale(guildId: string, locale: string): Promise<void> {
    const guild = this.#world.guilds.get(guildId);
    if (!guild) throw new Error(`setGuildLocale: unknown guild ${guildId}; add it with addGuild first`);
    guild.preferredLocale = discordLocale(locale);
    await this.#gateway.dispatch(
      'GUILD_UPDATE',
      (session) => ((session.intents & INTENT_GUILDS) !== 0 ? this.#world.guildJson(guild) : undefined),
      guild.id,
    );
  }

  /** A DM channel between the bot and `recipient` (Discord sends no event for it). */
  addDmChannel(id: string, recipient: FakeUser): void {
    this.#world.addDmChannel(id, recipient);
  }

  /** All messages of a channel in creation order, deleted ones included (flagged `deleted`). */
  messagesIn(channelId: string): FakeMessage[] {
    const channel = this.#world.channels.get(channelId);
    if (!channel) throw new Error(`messagesIn: unknown channel ${channelId}; add it with addGuild or addDmChannel`);
    return [...channel.messages];
  }

  /** Intents of the most recent IDENTIFY, or undefined before any. */
  get identifiedIntents(): number | undefined {
    return this.#gateway.identifiedIntents;
  }

  get gatewayStats(): { identifies: number; resumes: number; heartbeats: number; connected: number; sessions: number } {
    return {
      identifies: this.#gateway.identifyCount,
      resumes: this.#gateway.resumeCount,
      heartbeats: this.#gateway.heartbeatCount,
      connected: this.#gateway.connectedCount,
      sessions: this.#gateway.sessionCount,
    };
  }

  /** Frames clients sent on the gateway (IDENTIFY, RESUME, heartbeats…). */
  get gatewayFrames(): ReadonlyArray<{ op: number; d: unknown; at: number }> {
    return this.#gateway.received;
  }

  get interactions(): FakeInteraction[] {
    return [...this.#interactions.values()];
  }

  // ---- what users do ------------------------------------------------------------------------

  /** A user posts a message: MESSAGE_CREATE to every client (content per their intents). */
  async userMessage(input: FakeUserMessageInput): Promise<FakeMessage> {
    const channel = this.#channel(input.channelId, 'userMessage');
    this.#requireClient('userMessage');
    const botId = this.botUser.id;
    let reference: StoredMessage | undefined;
    if (input.replyTo !== undefined) {
      reference = this.#world.findMessage(channel, input.replyTo);
      if (!reference) throw new Error(`userMessage: replyTo ${input.replyTo} is not a live message in channel ${channel.id}`);
    }
    const replyPing = reference?.author.id === botId;
    let content = input.content;
    if (input.mentionBot === true && !replyPing && !content.includes(`<@${botId}>`) && !content.includes(`<@!${botId}>`)) {
      content = `<@${botId}> ${content}`;
    }

    const webhook = input.webhookId !== undefined;
    const author: FakeUser = webhook
      ? { id: input.webhookId ?? '', username: input.author.username, global_name: null, bot: true }
      : input.author;
    if (!webhook) this.#world.rememberUser(author);
    for (const user of input.mentions ?? []) this.#world.rememberUser(user);
    if (channel.guildId !== undefined && !webhook) {
      const member = this.#world.ensureMember(channel.guildId, author, input.memberRoles);
      if (input.nick !== undefined) member.nick = input.nick;
    }

    const parsed = parseContentMentions(content);
    const mentioned = new Map<string, FakeUser>();
    for (const id of parsed.userIds) {
      const user = this.#world.users.get(id);
      if (user) mentioned.set(id, user);
    }
    for (const user of input.mentions ?? []) mentioned.set(user.id, user);
    if (input.mentionBot === true) mentioned.set(botId, this.botUser);

    const guild = channel.guildId === undefined ? undefined : this.#world.guilds.get(channel.guildId);
    const roleIds = new Set([...parsed.roleIds.filter((id) => guild?.roles.some((r) => r.id === id)), ...(input.mentionRoles ?? [])]);

    const message = this.#world.createMessage({
      channel,
      author,
      content,
      mentions: [...mentioned.values()],
      mentionRoles: [...roleIds],
      mentionEveryone: input.mentionEveryone ?? (parsed.everyone && guild !== undefined),
      attachments: (input.attachments ?? []).map((a) =>
        'content' in a
          ? this.#messaging.storeUserFile(channel, {
              filename: a.filename,
              data: typeof a.content === 'string' ? Buffer.from(a.content) : a.content,
              ...(a.content_type !== undefined && { contentType: a.content_type }),
              ...(a.width !== undefined && { width: a.width }),
              ...(a.height !== undefined && { height: a.height }),
            })
          : {
              id: this.#world.ids.next(),
              filename: a.filename,
              size: a.size,
              url: a.url,
              proxy_url: a.url,
              ...(a.content_type !== undefined && { content_type: a.content_type }),
            },
      ),
      ...(reference !== undefined && { reference }),
      ...(input.type !== undefined && { type: input.type }),
      ...(webhook && { webhookId: input.webhookId }),
    });
    await this.#messaging.dispatchMessage('MESSAGE_CREATE', message);
    return message;
  }

  /** A user edits their message: MESSAGE_UPDATE with the new content. */
  async editUserMessage(channelId: string, messageId: string, content: string): Promise<FakeMessage> {
    const channel = this.#channel(channelId, 'editUserMessage');
    this.#requireClient('editUserMessage');
    const message = this.#world.findMessage(channel, messageId);
    if (!message) throw new Error(`editUserMessage: no live message ${messageId} in channel ${channelId}`);
    this.#world.editMessage(message, { content });
    await this.#messaging.dispatchMessage('MESSAGE_UPDATE', message);
    return message;
  }

  /** A user runs a slash command: INTERACTION_CREATE. The ack window starts now. */
  async command(input: FakeCommandInput): Promise<FakeInteraction> {
    const channel = this.#channel(input.channelId, 'command');
    this.#requireClient('command');
    this.#world.rememberUser(input.user);
    const id = this.#world.ids.next();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('hex')}`).toString('base64url');
    const registered = this.#registeredCommand(input.name, channel.guildId);
    const commandId = input.commandId ?? registered?.id ?? this.#world.ids.next();
    // The Discord client uploads a picked file first; the command names it by id.
    const attachments = new Map<string, APIAttachment>();
    const options = input.options?.map((option) => {
      if (option.attachment === undefined) return option;
      const file = option.attachment;
      const attachment =
        'content' in file
          ? this.#messaging.storeUserFile(channel, {
              filename: file.filename,
              data: typeof file.content === 'string' ? Buffer.from(file.content) : file.content,
              ...(file.content_type !== undefined && { contentType: file.content_type }),
            })
          : { id: this.#world.ids.next(), filename: file.filename, size: file.size, url: file.url, proxy_url: file.url, ...(file.content_type !== undefined && { content_type: file.content_type }) };
      attachments.set(attachment.id, attachment);
      return { name: option.name, type: option.type, value: attachment.id };
    });
    const payload = chatInputPayload({
      world: this.#world,
      applicationId: this.applicationId,
      id,
      token,
      commandId,
      commandGuildId: registered?.guildId,
      channel,
      command: options === undefined ? input : { ...input, options },
      attachments,
    });
    const metadata = {
      id,
      type: InteractionType.ApplicationCommand,
      user: userToApi(input.user),
      authorizing_integration_owners: payload.authorizing_integration_owners,
    } satisfies APIApplicationCommandInteractionMetadata;
    const record = new InteractionRecord(id, token, Date.now(), channel, input.user, input.name, metadata, payload);
    this.#interactions.set(id, record);
    await this.#gateway.dispatch('INTERACTION_CREATE', () => payload, channel.guildId);
    return record;
  }

  /**
   * A user clicks a button on the response `click.on` shows: INTERACTION_CREATE type 3. As in
   * Discord's client, a button that is not there or is disabled cannot be clicked (this throws),
   * and an ephemeral response is seen, so clicked, only by the user it was for.
   */
  async clickButton(click: FakeButtonClick): Promise<FakeInteraction> {
    const on = this.#interactions.get(click.on.id);
    if (on === undefined) throw new Error(`clickButton: unknown interaction ${click.on.id}`);
    const shown = on.reply();
    const message = on.messages.find((m) => m.id === shown?.messageId);
    if (message === undefined) throw new Error(`clickButton: interaction ${on.id} shows no message`);
    const user = click.user ?? on.user;
    if (message.ephemeral && user.id !== on.user.id) throw new Error(`clickButton: ${user.username} cannot see an ephemeral message shown to ${on.user.username}`);
    const button = buttonsOf(message).find((b) => b.custom_id === click.customId);
    if (button === undefined) throw new Error(`clickButton: message ${message.id} has no button ${click.customId}`);
    if (button.disabled === true) throw new Error(`clickButton: button ${click.customId} is disabled`);
    this.#world.rememberUser(user);
    const id = this.#world.ids.next();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('hex')}`).toString('base64url');
    const command = chatInputPayload({
      world: this.#world,
      applicationId: this.applicationId,
      id,
      token,
      commandId: this.#world.ids.next(),
      commandGuildId: undefined,
      channel: on.channel,
      command: {
        channelId: on.channel.id,
        user,
        name: on.name,
        ...(click.locale !== undefined && { locale: click.locale }),
        ...(click.permissions !== undefined && { permissions: click.permissions }),
      },
    });
    const payload = buttonPayload({ command, id, token, customId: click.customId, message });
    const metadata = {
      id,
      type: InteractionType.MessageComponent,
      user: userToApi(user),
      authorizing_integration_owners: payload.authorizing_integration_owners,
      interacted_message_id: message.id,
    } satisfies APIMessageComponentInteractionMetadata;
    const record = new InteractionRecord(id, token, Date.now(), on.channel, user, on.name, metadata, payload, 'button', message);
    this.#interactions.set(id, record);
    await this.#gateway.dispatch('INTERACTION_CREATE', () => payload, on.channel.guildId);
    return record;
  }

  /**
   * A user types into an autocompleted option: INTERACTION_CREATE type 4, the command's options
   * as typed so far, the one being typed `focused: true` with its partial value as a string.
   * The bot answers with callback type 8 (see `choices()` on the returned interaction).
   */
  async autocomplete(input: FakeCommandInput): Promise<FakeInteraction & { choices(): Array<{ name: string; value: string | number }> | undefined }> {
    const channel = this.#channel(input.channelId, 'autocomplete');
    this.#requireClient('autocomplete');
    this.#world.rememberUser(input.user);
    const id = this.#world.ids.next();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('hex')}`).toString('base64url');
    const registered = this.#registeredCommand(input.name, channel.guildId);
    const payload = chatInputPayload({
      world: this.#world,
      applicationId: this.applicationId,
      id,
      token,
      commandId: input.commandId ?? registered?.id ?? this.#world.ids.next(),
      commandGuildId: registered?.guildId,
      channel,
      command: input,
    });
    const metadata = { id, type: InteractionType.ApplicationCommandAutocomplete, user: userToApi(input.user) };
    const record = new InteractionRecord(id, token, Date.now(), channel, input.user, input.name, metadata, payload, 'autocomplete');
    this.#interactions.set(id, record);
    await this.#gateway.dispatch('INTERACTION_CREATE', () => ({ ...payload, type: InteractionType.ApplicationCommandAutocomplete }), channel.guildId);
    return record;
  }

  /** A user (or moderator) deletes a message: MESSAGE_DELETE; later replies/edits to it fail as on Discord. */
  async deleteMessage(channelId: string, messageId: string): Promise<void> {
    const channel = this.#channel(channelId, 'deleteMessage');
    this.#requireClient('deleteMessage');
    const message = this.#world.findMessage(channel, messageId);
    if (!message) throw new Error(`deleteMessage: no live message ${messageId} in channel ${channelId}`);
    message.deleted = true;
    await this.#messaging.dispatchDelete(message);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Polls `check` every 10 ms until it returns something truthy. */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waitFor: condition still false after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Command definitions as the bot last sent them: global, or for one guild. */
  registeredCommands(guildId?: string): unknown[] {
    return [...(this.#commandScopes.get(guildId ?? 'global')?.bodies ?? [])];
  }

  // ---- faults -------------------------------------------------------------------------------

  /**
   * The next `times` requests matching `method` (any if omitted) and `path` (tested against the
   * decoded path after /api/v10) fail with Discord's error JSON for `error`. 429s carry
   * `retry_after` (seconds), Retry-After and X-RateLimit-* headers.
   */
  /** REST latency from now on (restLatencyMs at start), e.g. to slow Discord after the client connected. */
  setRestLatency(ms: number): void {
    this.#rest.setLatency(ms);
  }

  failNext(match: { method?: string; path: RegExp }, error: FailureSpec, times = 1): void {
    this.#rest.failNext(match, error, times);
  }

  /** Closes every gateway socket (default 4000, "unknown error"): discord.js resumes. 1006 drops without a close frame. */
  disconnectGateway(closeCode = 4000): void {
    this.#gateway.disconnect(closeCode);
  }

  /**
   * The next IDENTIFY is refused with `code` (4004 Authentication failed, 4014 Disallowed intent(s)…),
   * as when the token was reset between the client's GET /gateway/bot and its IDENTIFY. Missing
   * privileged intents are better shown with the `enabledPrivilegedIntents` option, which also
   * sets the application's flags.
   */
  refuseNextIdentify(code: IdentifyRefusal): void {
    this.#gateway.refuseNextIdentify(code);
  }

  /** Op 7 Reconnect: the client should reconnect and RESUME. */
  requestReconnect(): void {
    this.#gateway.requestReconnect();
  }

  /** Op 9 Invalid Session; not resumable means the client must IDENTIFY again. */
  invalidateSession(resumable: boolean): void {
    this.#gateway.invalidateSessions(resumable);
  }

  async close(): Promise<void> {
    await this.#gateway.close();
    await this.#rest.close();
  }

  #channel(id: string, caller: string): StoredChannel {
    const channel = this.#world.channels.get(id);
    if (!channel) throw new Error(`${caller}: unknown channel ${id}; add it with addGuild or addDmChannel first`);
    return channel;
  }

  #requireClient(caller: string): void {
    if (this.#gateway.sessionCount === 0) {
      throw new Error(`${caller}: no gateway client has identified yet (log the client in and await 'ready' first)`);
    }
  }

  #registeredCommand(name: string, guildId: string | undefined): { id: string; guildId?: string } | undefined {
    const find = (key: string): string | undefined => {
      const found = this.#commandScopes.get(key)?.commands.find((c) => c['name'] === name && (c['type'] ?? 1) === 1);
      return typeof found?.['id'] === 'string' ? found['id'] : undefined;
    };
    const inGuild = guildId === undefined ? undefined : find(guildId);
    if (inGuild !== undefined && guildId !== undefined) return { id: inGuild, guildId };
    const global = find('global');
    return global === undefined ? undefined : { id: global };
  }
}

function ownsGuild(session: GatewaySessionView, guildId: string): boolean {
  const [id, count] = session.shard;
  return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
}

function readyPayload(
  world: FakeWorld,
  session: GatewaySessionView,
  resumeUrl: string,
  applicationFlags: number,
): Record<string, unknown> {
  const documented = {
    v: 10,
    user: { ...userToApi(world.botUser), verified: true, mfa_enabled: false, email: null },
    session_id: session.id,
    resume_gateway_url: resumeUrl,
    guilds: [...world.guilds.keys()].filter((id) => ownsGuild(session, id)).map((id) => ({ id, unavailable: true as const })),
    application: { id: world.botUser.id, flags: applicationFlags, flags_new: String(applicationFlags) },
  } satisfies GatewayReadyDispatchData;
  // What Discord sends bots besides, undocumented: clients ignore it, but it is on the wire.
  return {
    ...documented,
    user_settings: {},
    session_type: 'normal',
    relationships: [],
    private_channels: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ['us-east', 'us-central', 'us-south', 'us-west', 'atlanta'],
    auth: {},
    _trace: ['["gateway-prd-fake",{"micros":0}]'],
  };
}

function membersChunk(world: FakeWorld, request: Record<string, unknown>): GatewayGuildMembersChunkDispatchData | undefined {
  const guildId = request['guild_id'];
  const guild = typeof guildId === 'string' ? world.guilds.get(guildId) : undefined;
  if (!guild) return undefined;
  const userIds = request['user_ids'];
  const wanted = Array.isArray(userIds) ? userIds.map(String) : typeof userIds === 'string' ? [userIds] : undefined;
  const query = typeof request['query'] === 'string' ? request['query'].toLowerCase() : '';
  const limit = typeof request['limit'] === 'number' && request['limit'] > 0 ? request['limit'] : Infinity;
  const members = [...guild.members.values()]
    .filter((m) => (wanted ? wanted.includes(m.user.id) : m.user.username.toLowerCase().startsWith(query)))
    .slice(0, limit)
    .map((m) => world.memberJson(guild.id, m.user.id, true))
    .filter((m) => m !== undefined);
  const nonce = request['nonce'];
  return {
    guild_id: guild.id,
    members,
    chunk_index: 0,
    chunk_count: 1,
    ...(wanted !== undefined && { not_found: wanted.filter((id) => !guild.members.has(id)) }),
    ...(typeof nonce === 'string' && { nonce }),
  } satisfies GatewayGuildMembersChunkDispatchData;
}

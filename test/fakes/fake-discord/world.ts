/**
 * The fake's state of the Discord world: users, guilds, channels and messages, and how each
 * is written as Discord's JSON. REST handlers and gateway dispatches both read from here, so a
 * message the bot sends via REST is the same object a later GET or MESSAGE_UPDATE shows.
 */
import {
  type APIAttachment,
  type APIDMChannel,
  type APIEmbed,
  type APIGuild,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type ChannelFlags,
  ChannelType,
  type GatewayGuildCreateDispatchData,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  type GuildMemberFlags,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  type GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  type RoleFlags,
  ThreadAutoArchiveDuration,
  type UserFlags,
} from 'discord-api-types/v10';
import type { FakeChannelSpec, FakeGuildSpec, FakeMessage, FakeUser } from './types.js';
import { SnowflakeSource, discordTimestamp, jsonCopy } from './wire.js';

/** 2^41 - 1: every permission bit, Administrator included. */
export const ALL_PERMISSIONS = '2199023255551';
/** What a new server grants @everyone. */
const EVERYONE_PERMISSIONS = '2222085186637376';

export type ChannelKind = 0 | 1 | 11;

/** The fake's channel kinds as Discord's enum. */
export function apiChannelType(kind: ChannelKind): ChannelType.GuildText | ChannelType.DM | ChannelType.PublicThread {
  if (kind === 1) return ChannelType.DM;
  return kind === 11 ? ChannelType.PublicThread : ChannelType.GuildText;
}

export interface StoredChannel {
  id: string;
  type: ChannelKind;
  name: string | null;
  guildId: string | undefined;
  parentId: string | undefined;
  /** The other user of a DM channel. */
  recipient: FakeUser | undefined;
  lastMessageId: string | null;
  /** In creation order; deleted messages stay (flagged) so tests can inspect them. */
  messages: StoredMessage[];
  /** enforce_nonce de-duplication, as Discord does for a few minutes. */
  nonces: Map<string, StoredMessage>;
  createdAt: number;
}

export interface StoredMember {
  user: FakeUser;
  roles: string[];
  joinedAt: string;
  nick?: string;
}

export interface StoredGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Array<{ id: string; name: string; permissions: string; managed: boolean; position: number }>;
  members: Map<string, StoredMember>;
  channelIds: string[];
  threadIds: string[];
  preferredLocale: Locale;
}

/** A message as the fake keeps it; also the live `FakeMessage` tests read. */
export class StoredMessage implements FakeMessage {
  readonly edits: string[];
  readonly guild_id?: string;
  allowed_mentions?: unknown;
  deleted?: boolean;

  constructor(
    /** The JSON REST returns; mutated in place by edits. */
    readonly api: APIMessage,
    readonly author: FakeUser,
    guildId: string | undefined,
    readonly ephemeral: boolean,
  ) {
    this.edits = [api.content];
    if (guildId !== undefined) this.guild_id = guildId;
  }

  get id(): string {
    return this.api.id;
  }

  get channel_id(): string {
    return this.api.channel_id;
  }

  get content(): string {
    return this.api.content;
  }

  get message_reference(): unknown {
    return this.api.message_reference;
  }

  get payload(): Record<string, unknown> {
    return jsonCopy(this.api) as Record<string, unknown>;
  }
}

export interface NewMessage {
  channel: StoredChannel;
  author: FakeUser;
  content: string;
  embeds?: APIEmbed[];
  attachments?: APIAttachment[];
  components?: unknown[];
  tts?: boolean;
  flags?: number;
  type?: number;
  mentions?: FakeUser[];
  mentionRoles?: string[];
  mentionEveryone?: boolean;
  reference?: StoredMessage;
  webhookId?: string;
  applicationId?: string;
  nonce?: string | number;
  /** Extra top-level fields (interaction_metadata…). */
  extra?: Record<string, unknown>;
  /** Ephemeral messages are not part of the channel's history. */
  ephemeral?: boolean;
}

export function userToApi(user: FakeUser): APIUser {
  const api: APIUser = {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.global_name ?? null,
    avatar: null,
    // No badges; the enum has no member for 0.
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
  if (user.bot === true) api.bot = true;
  return api;
}

export class FakeWorld {
  readonly ids = new SnowflakeSource();
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, StoredGuild>();
  readonly channels = new Map<string, StoredChannel>();
  readonly botUser: FakeUser;

  constructor(botUsername: string) {
    this.botUser = { id: this.ids.next(), username: botUsername, global_name: null, bot: true };
    this.users.set(this.botUser.id, this.botUser);
  }

  rememberUser(user: FakeUser): void {
    const known = this.users.get(user.id);
    // The bot user is fixed; anyone else may be re-described by a later test input.
    if (known !== this.botUser) this.users.set(user.id, { ...known, ...user });
  }

  addGuild(spec: FakeGuildSpec): StoredGuild {
    if (this.guilds.has(spec.id)) throw new Error(`guild ${spec.id} was already added`);
    const guild: StoredGuild = {
      id: spec.id,
      name: spec.name,
      ownerId: this.ids.next(),
      roles: [
        { id: spec.id, name: '@everyone', permissions: EVERYONE_PERMISSIONS, managed: false, position: 0 },
        ...(spec.roles ?? []).map((r, i) => ({ ...r, permissions: '0', managed: false, position: i + 1 })),
      ],
      members: new Map(),
      channelIds: [],
      threadIds: [],
      preferredLocale: discordLocale(spec.preferredLocale ?? Locale.EnglishUS),
    };
    // A bot joins with its own managed role carrying the permissions it was invited with.
    const botRoleId = this.ids.next();
    guild.roles.push({
      id: botRoleId,
      name: this.botUser.username,
      permissions: ALL_PERMISSIONS,
      managed: true,
      position: guild.roles.length,
    });
    guild.members.set(this.botUser.id, { user: this.botUser, roles: [botRoleId], joinedAt: discordTimestamp() });
    this.guilds.set(guild.id, guild);

    const all = [...spec.channels, ...(spec.threads ?? [])];
    for (const channel of all) this.#addGuildChannel(guild, channel);
    return guild;
  }

  #addGuildChannel(guild: StoredGuild, spec: FakeChannelSpec): void {
    if (this.channels.has(spec.id)) throw new Error(`channel ${spec.id} already exists`);
    const type = spec.type ?? 0;
    if (type === 11 && spec.parent_id === undefined) {
      throw new Error(`thread ${spec.id} needs parent_id (the text channel it belongs to)`);
    }
    this.channels.set(spec.id, {
      id: spec.id,
      type,
      name: spec.name,
      guildId: guild.id,
      parentId: spec.parent_id,
      recipient: undefined,
      lastMessageId: null,
      messages: [],
      nonces: new Map(),
      createdAt: Date.now(),
    });
    (type === 11 ? guild.threadIds : guild.channelIds).push(spec.id);
  }

  addDmChannel(id: string, recipient: FakeUser): StoredChannel {
    if (this.channels.has(id)) throw new Error(`channel ${id} already exists`);
    this.rememberUser(recipient);
    const channel: StoredChannel = {
      id,
      type: 1,
      name: null,
      guildId: undefined,
      parentId: undefined,
      recipient,
      lastMessageId: null,
      messages: [],
      nonces: new Map(),
      createdAt: Date.now(),
    };
    this.channels.set(id, channel);
    return channel;
  }

  dmChannelWith(userId: string): StoredChannel | undefined {
    for (const channel of this.channels.values()) {
      if (channel.type === 1 && channel.recipient?.id === userId) return channel;
    }
    return undefined;
  }

  /** Makes `user` a member of the guild the first time they act there, as if they had joined. */
  ensureMember(guildId: string, user: FakeUser, roles?: string[]): StoredMember {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`unknown guild ${guildId}`);
    let member = guild.members.get(user.id);
    if (!member) {
      member = { user, roles: roles ?? [], joinedAt: discordTimestamp() };
      guild.members.set(user.id, member);
    } else if (roles !== undefined) {
      member.roles = roles;
    }
    return member;
  }

  findMessage(channel: StoredChannel, messageId: string): StoredMessage | undefined {
    const message = channel.messages.find((m) => m.id === messageId);
    return message && message.deleted !== true ? message : undefined;
  }

  createMessage(input: NewMessage): StoredMessage {
    const { channel } = input;
    const id = this.ids.next();
    const api: APIMessage = {
      id,
      channel_id: channel.id,
      author: userToApi(input.author),
      content: input.content,
      timestamp: discordTimestamp(),
      edited_timestamp: null,
      tts: input.tts ?? false,
      mention_everyone: input.mentionEveryone ?? false,
      mentions: (input.mentions ?? []).map(userToApi),
      mention_roles: input.mentionRoles ?? [],
      attachments: input.attachments ?? [],
      embeds: input.embeds ?? [],
      pinned: false,
      type: input.type ?? (input.reference ? 19 : 0),
      flags: input.flags ?? 0,
      components: [],
    };
    if (input.components !== undefined) Object.assign(api, { components: input.components });
    if (input.webhookId !== undefined) api.webhook_id = input.webhookId;
    if (input.applicationId !== undefined) api.application_id = input.applicationId;
    if (input.nonce !== undefined) api.nonce = input.nonce;
    if (input.reference) {
      const ref = input.reference;
      api.message_reference = { type: 0, message_id: ref.id, channel_id: channel.id };
      if (channel.guildId !== undefined) api.message_reference.guild_id = channel.guildId;
      // Discord nests the referenced message one level deep only.
      const { referenced_message: _nested, ...referenced } = ref.api;
      api.referenced_message = jsonCopy(referenced) as APIMessage;
    }
    if (input.extra) Object.assign(api, input.extra);

    const ephemeral = input.ephemeral ?? false;
    const message = new StoredMessage(api, input.author, channel.guildId, ephemeral);
    if (!ephemeral) {
      channel.messages.push(message);
      channel.lastMessageId = id;
    }
    return message;
  }

  /** Applies the fields present in `patch` the way PATCH message does, and stamps the edit. */
  editMessage(
    message: StoredMessage,
    patch: { content?: string; embeds?: APIEmbed[]; flags?: number; components?: unknown[]; attachments?: APIAttachment[] },
  ): void {
    const api = message.api;
    if (patch.content !== undefined) {
      api.content = patch.content;
      message.edits.push(patch.content);
    }
    if (patch.embeds !== undefined) api.embeds = patch.embeds;
    if (patch.flags !== undefined) api.flags = patch.flags;
    if (patch.components !== undefined) Object.assign(api, { components: patch.components });
    if (patch.attachments !== undefined) api.attachments = patch.attachments;
    api.edited_timestamp = discordTimestamp();
  }

  // ---- JSON views -------------------------------------------------------------------------

  /** A member as Discord writes it: with `user` on REST and in GUILD_CREATE, without it on messages. */
  memberJson(guildId: string, userId: string, withUser: true): APIGuildMember | undefined;
  memberJson(guildId: string, userId: string, withUser: false): Omit<APIGuildMember, 'user'> | undefined;
  memberJson(guildId: string, userId: string, withUser: boolean): APIGuildMember | Omit<APIGuildMember, 'user'> | undefined {
    const member = this.guilds.get(guildId)?.members.get(userId);
    if (!member) return undefined;
    const json = {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0 as GuildMemberFlags,
      joined_at: member.joinedAt,
      mute: false,
      nick: member.nick ?? null,
      pending: false,
      premium_since: null,
      roles: member.roles,
    } satisfies Omit<APIGuildMember, 'user'>;
    return withUser ? { ...json, user: userToApi(member.user) } : json;
  }

  channelJson(channel: StoredChannel): APITextChannel | APIThreadChannel | APIDMChannel {
    if (channel.type === 1) {
      return {
        id: channel.id,
        type: ChannelType.DM,
        name: null,
        last_message_id: channel.lastMessageId,
        flags: 0 as ChannelFlags,
        recipients: channel.recipient ? [userToApi(channel.recipient)] : [],
      } satisfies APIDMChannel;
    }
    const guild = channel.guildId === undefined ? undefined : this.guilds.get(channel.guildId);
    const guildId = channel.guildId ?? '';
    if (channel.type === 11) {
      const live = channel.messages.filter((m) => m.deleted !== true).length;
      if (channel.parentId === undefined) throw new Error(`thread ${channel.id} has no parent`);
      return {
        id: channel.id,
        type: ChannelType.PublicThread,
        guild_id: guildId,
        parent_id: channel.parentId,
        owner_id: guild?.ownerId ?? '',
        name: channel.name ?? '',
        last_message_id: channel.lastMessageId,
        message_count: live,
        total_message_sent: channel.messages.length,
        member_count: 1,
        rate_limit_per_user: 0,
        flags: 0 as ChannelFlags,
        thread_metadata: {
          archived: false,
          auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
          archive_timestamp: discordTimestamp(channel.createdAt),
          locked: false,
          create_timestamp: discordTimestamp(channel.createdAt),
        },
      } satisfies APIThreadChannel;
    }
    return {
      id: channel.id,
      type: ChannelType.GuildText,
      guild_id: guildId,
      name: channel.name ?? '',
      position: guild ? guild.channelIds.indexOf(channel.id) : 0,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0 as ChannelFlags,
    } satisfies APITextChannel;
  }

  roleJson(role: StoredGuild['roles'][number]): APIRole {
    const json: APIRole = {
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions,
      managed: role.managed,
      mentionable: false,
      flags: 0 as RoleFlags,
    };
    if (role.managed) json.tags = { bot_id: this.botUser.id };
    return json;
  }

  guildJson(guild: StoredGuild): APIGuild {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      verification_level: GuildVerificationLevel.None,
      default_message_notifications: GuildDefaultMessageNotifications.AllMessages,
      explicit_content_filter: GuildExplicitContentFilter.Disabled,
      roles: guild.roles.map((r) => this.roleJson(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: GuildMFALevel.None,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0 as GuildSystemChannelFlags,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_members: 500000,
      vanity_url_code: null,
      premium_tier: GuildPremiumTier.None,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: guild.preferredLocale,
      nsfw_level: GuildNSFWLevel.Default,
      incidents_data: null,
      hub_type: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
    } satisfies APIGuild;
  }

  /** The GUILD_CREATE a freshly connected bot receives: the guild plus its gateway-only extras. */
  guildCreateJson(guild: StoredGuild): GatewayGuildCreateDispatchData {
    const channel = (id: string): StoredChannel => {
      const found = this.channels.get(id);
      if (!found) throw new Error(`channel ${id} vanished`);
      return found;
    };
    const botMember = this.memberJson(guild.id, this.botUser.id, true);
    return {
      ...this.guildJson(guild),
      joined_at: guild.members.get(this.botUser.id)?.joinedAt ?? discordTimestamp(),
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      // Discord sends only the bot's own member up front (the rest needs GuildMembers + op 8).
      members: botMember === undefined ? [] : [botMember],
      // GUILD_CREATE's channels carry no guild_id (the client fills it in); threads do.
      channels: guild.channelIds.map((id) => textChannelWithoutGuild(this.channelJson(channel(id)))),
      threads: guild.threadIds.map((id) => threadChannel(this.channelJson(channel(id)))),
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    } satisfies GatewayGuildCreateDispatchData;
  }
}

export const DISCORD_LOCALES: ReadonlySet<string> = new Set<string>(Object.values(Locale));

/** A locale Discord knows (its `Locale` list), or a thrown error naming the test's mistake. */
export function discordLocale(locale: string): Locale {
  if (!DISCORD_LOCALES.has(locale)) throw new Error(`${locale} is not a Discord locale; use one of ${[...DISCORD_LOCALES].join(', ')}`);
  return locale as Locale;
}

function textChannelWithoutGuild(json: APITextChannel | APIThreadChannel | APIDMChannel): APITextChannel {
  if (json.type !== ChannelType.GuildText) throw new Error(`channel ${json.id} is listed as a text channel but is of type ${String(json.type)}`);
  const { guild_id: _omitted, ...rest } = json;
  return rest;
}

function threadChannel(json: APITextChannel | APIThreadChannel | APIDMChannel): APIThreadChannel {
  if (json.type !== ChannelType.PublicThread) throw new Error(`channel ${json.id} is listed as a thread but is of type ${String(json.type)}`);
  return json;
}


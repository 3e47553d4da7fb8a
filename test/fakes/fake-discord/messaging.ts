/**
 * How messages travel over the gateway: the per-session MESSAGE_* payloads (with the intent
 * rules Discord applies) and the shared path by which the bot's messages are validated and
 * created, used by channel sends, interaction responses and follow-ups alike.
 */
import { createHash } from 'node:crypto';
import type { APIAttachment, APIEmbed, GatewayMessageCreateDispatchData, GatewayMessageDeleteDispatchData } from 'discord-api-types/v10';
import type { FakeGateway, GatewaySessionView } from './gateway.js';
import { assertNotEmpty, attachmentsFor, resolveMentions, type MessageBody, type UploadedFile } from './message-rules.js';
import type { FakeUser } from './types.js';
import { apiChannelType, type FakeWorld, type StoredChannel, type StoredMessage, userToApi } from './world.js';
import { jsonCopy } from './wire.js';

const INTENT_GUILD_MESSAGES = 1 << 9;
const INTENT_DIRECT_MESSAGES = 1 << 12;
const INTENT_MESSAGE_CONTENT = 1 << 15;

/** Uploaded attachment bytes, served back at their `url` like Discord's CDN would. */
export interface StoredFile {
  data: Buffer;
  contentType: string;
}

export class Messaging {
  /** Keyed by URL path (`/attachments/:channel/:id/:filename`). */
  readonly files = new Map<string, StoredFile>();

  constructor(
    readonly world: FakeWorld,
    readonly gateway: FakeGateway,
    readonly origin: () => string,
  ) {}

  /** MESSAGE_CREATE / MESSAGE_UPDATE; resolves when flushed to every open socket, returns how many sessions got it. */
  dispatchMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: StoredMessage): Promise<number> {
    if (message.ephemeral) return Promise.resolve(0);
    const channel = this.world.channels.get(message.channel_id);
    if (!channel) return Promise.resolve(0);
    return this.gateway.dispatch(t, (session) => this.messageFor(session, channel, message), channel.guildId);
  }

  dispatchDelete(message: StoredMessage): Promise<number> {
    const channel = this.world.channels.get(message.channel_id);
    if (!channel) return Promise.resolve(0);
    const d = {
      id: message.id,
      channel_id: channel.id,
      ...(channel.guildId !== undefined && { guild_id: channel.guildId }),
    } satisfies GatewayMessageDeleteDispatchData;
    return this.gateway.dispatch(
      'MESSAGE_DELETE',
      (session) => (receivesMessagesIn(session, channel) ? d : undefined),
      channel.guildId,
    );
  }

  /**
   * The message as one session sees it: guild extras (`guild_id`, `member`, members on
   * mentions), `channel_type`, and content blanked without MessageContent unless it is a DM,
   * the bot's own message, or one that mentions the bot. MESSAGE_UPDATE carries the same shape.
   */
  messageFor(session: GatewaySessionView, channel: StoredChannel, message: StoredMessage): GatewayMessageCreateDispatchData | undefined {
    if (!receivesMessagesIn(session, channel)) return undefined;
    const api = structuredClone(message.api);
    const guildId = channel.guildId;
    const member = guildId === undefined || api.webhook_id !== undefined ? undefined : this.world.memberJson(guildId, message.author.id, false);
    const d: GatewayMessageCreateDispatchData = {
      ...api,
      channel_type: apiChannelType(channel.type),
      mentions:
        guildId === undefined
          ? api.mentions
          : api.mentions.map((user) => {
              const mentioned = this.world.memberJson(guildId, user.id, false);
              return mentioned ? { ...user, member: mentioned } : user;
            }),
      ...(guildId !== undefined && { guild_id: guildId }),
      ...(member !== undefined && { member }),
    };
    const botId = this.world.botUser.id;
    const exempt = channel.type === 1 || message.author.id === botId || api.mentions.some((u) => u.id === botId);
    if ((session.intents & INTENT_MESSAGE_CONTENT) === 0 && !exempt) {
      d.content = '';
      d.embeds = [];
      d.attachments = [];
      d.components = [];
      delete d.poll;
    }
    return d;
  }

  /**
   * Validates and creates a message the bot sends. Shared by POST /channels/:id/messages,
   * interaction responses and follow-ups; `extra` adds interaction fields.
   */
  createBotMessage(input: {
    channel: StoredChannel;
    body: MessageBody;
    files: readonly UploadedFile[];
    flags: number;
    reference?: StoredMessage;
    type?: number;
    extra?: Record<string, unknown>;
    ephemeral?: boolean;
    webhookId?: string;
  }): StoredMessage {
    const { channel, body } = input;
    const content = body.content ?? '';
    const embeds = body.embeds ?? [];
    const attachments = this.storeFiles(channel, input.files, body.attachments);
    assertNotEmpty({
      content,
      embeds,
      attachments,
      stickerIds: body.stickerIds,
      components: body.components,
      poll: body.poll,
    });
    const mentions = this.mentionsFor(channel, content, body.allowedMentions, input.reference?.author);
    const message = this.world.createMessage({
      channel,
      author: this.world.botUser,
      content,
      embeds,
      attachments,
      ...(body.components !== undefined && { components: body.components }),
      tts: body.tts ?? false,
      flags: input.flags,
      ...(input.type !== undefined && { type: input.type }),
      mentions: mentions.users,
      mentionRoles: mentions.roleIds,
      mentionEveryone: mentions.everyone,
      ...(input.reference !== undefined && { reference: input.reference }),
      ...(body.nonce !== undefined && { nonce: body.nonce }),
      ...(input.webhookId !== undefined && { webhookId: input.webhookId, applicationId: input.webhookId }),
      ...(input.extra !== undefined && { extra: input.extra }),
      ...(input.ephemeral !== undefined && { ephemeral: input.ephemeral }),
    });
    if (body.allowedMentions !== undefined) message.allowed_mentions = jsonCopy(body.allowedMentions);
    return message;
  }

  /** Applies an edit body (PATCH message / webhook message) after Discord's checks. */
  editBotMessage(message: StoredMessage, body: MessageBody, files: readonly UploadedFile[], flags: number | undefined): void {
    const channel = this.world.channels.get(message.channel_id);
    if (!channel) throw new Error(`message ${message.id} lost its channel`);
    const uploaded = this.storeFiles(channel, files, body.attachments);
    // `attachments` in an edit lists the existing attachments to keep, plus new uploads.
    let attachments: APIAttachment[] | undefined;
    if (body.attachments !== undefined || files.length > 0) {
      const keepIds = new Set((body.attachments ?? []).map((a) => String(a['id'])));
      const kept = body.attachments === undefined ? message.api.attachments : message.api.attachments.filter((a) => keepIds.has(a.id));
      attachments = [...kept, ...uploaded];
    }
    const next = {
      content: body.content ?? message.api.content,
      embeds: body.embeds ?? message.api.embeds,
      attachments: attachments ?? message.api.attachments,
      components: body.components ?? message.api.components ?? [],
    };
    assertNotEmpty(next);
    const patch: { content?: string; embeds?: APIEmbed[]; flags?: number; components?: unknown[]; attachments?: APIAttachment[] } = {};
    if (body.content !== undefined) patch.content = body.content;
    if (body.embeds !== undefined) patch.embeds = body.embeds;
    if (flags !== undefined) patch.flags = flags;
    if (body.components !== undefined) patch.components = body.components;
    if (attachments !== undefined) patch.attachments = attachments;
    this.world.editMessage(message, patch);
    if (body.content !== undefined) {
      const reference = message.api.referenced_message;
      const repliedAuthor = reference ? this.world.users.get(reference.author.id) : undefined;
      const mentions = this.mentionsFor(channel, body.content, body.allowedMentions, repliedAuthor);
      message.api.mentions = mentions.users.map(userToApi);
      message.api.mention_roles = mentions.roleIds;
      message.api.mention_everyone = mentions.everyone;
    }
    if (body.allowedMentions !== undefined) message.allowed_mentions = jsonCopy(body.allowedMentions);
  }

  mentionsFor(
    channel: StoredChannel,
    content: string,
    allowedMentions: Record<string, unknown> | undefined,
    repliedAuthor: FakeUser | undefined,
  ): ReturnType<typeof resolveMentions> {
    const guild = channel.guildId === undefined ? undefined : this.world.guilds.get(channel.guildId);
    return resolveMentions({
      content,
      allowedMentions,
      repliedAuthor,
      knownUser: (id) => this.world.users.get(id),
      guildRoleIds: guild?.roles.map((r) => r.id),
      inGuild: guild !== undefined,
    });
  }

  /**
   * A file a user attached, stored on the CDN route and described as Discord describes it. The
   * URL carries Discord's signed-URL parameters (`ex` expiry and `is` issue time in hex seconds,
   * `hm` signature), which the CDN route ignores but clients must keep.
   */
  storeUserFile(channel: StoredChannel, file: { filename: string; data: Buffer; contentType?: string; width?: number; height?: number }): APIAttachment {
    const id = this.world.ids.next();
    const path = `/attachments/${channel.id}/${id}/${encodeURIComponent(file.filename)}`;
    const contentType = file.contentType ?? contentTypeFor(file.filename);
    this.files.set(path, { data: file.data, contentType: contentType ?? 'application/octet-stream' });
    const issued = Math.floor(Date.now() / 1000);
    const signature = createHash('sha256').update(`${path}:${issued}`).digest('hex');
    const url = `${this.origin()}${path}?ex=${(issued + 86_400).toString(16)}&is=${issued.toString(16)}&hm=${signature}&`;
    const size = pngSize(file.data) ?? (file.width !== undefined && file.height !== undefined ? { width: file.width, height: file.height } : undefined);
    return {
      id,
      filename: file.filename,
      size: file.data.length,
      url,
      // Discord's proxy_url is the same path on media.discordapp.net; one host serves both here.
      proxy_url: url,
      ...(contentType !== undefined && { content_type: contentType }),
      ...(size !== undefined && size),
    };
  }

  storeFiles(
    channel: StoredChannel,
    files: readonly UploadedFile[],
    descriptors: ReadonlyArray<Record<string, unknown>> | undefined,
  ): APIAttachment[] {
    return attachmentsFor(files, descriptors, () => this.world.ids.next(), (id, filename, file) => {
      const path = `/attachments/${channel.id}/${id}/${encodeURIComponent(filename)}`;
      this.files.set(path, { data: file.data, contentType: file.contentType });
      return `${this.origin()}${path}`;
    });
  }
}

/**
 * Content types by extension, as standard MIME tables give them (which is why `.ts` is a video);
 * unknown extensions get no `content_type`, as on Discord.
 */
const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  ts: 'video/mp2t',
  py: 'text/x-python; charset=utf-8',
  html: 'text/html; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  zip: 'application/zip',
};

function contentTypeFor(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? undefined : CONTENT_TYPES[filename.slice(dot + 1).toLowerCase()];
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk, which always comes first. */
function pngSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function receivesMessagesIn(session: GatewaySessionView, channel: StoredChannel): boolean {
  const needed = channel.type === 1 ? INTENT_DIRECT_MESSAGES : INTENT_GUILD_MESSAGES;
  return (session.intents & needed) !== 0;
}

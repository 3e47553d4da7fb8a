/**
 * The public shapes of the fake Discord: what tests pass in and what they read back.
 * Payloads on the wire use discord-api-types' shapes; these are the test-facing views.
 */
import type { APIChatInputApplicationCommandInteraction, APIMessageComponentButtonInteraction } from 'discord-api-types/v10';

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}

export interface FakeChannelSpec {
  id: string;
  name: string;
  /** 0 guild text, 11 public thread (needs `parent_id`). */
  type?: 0 | 11;
  parent_id?: string;
}

export interface FakeGuildSpec {
  id: string;
  name: string;
  channels: FakeChannelSpec[];
  threads?: FakeChannelSpec[];
  roles?: { id: string; name: string }[];
  /** The server's language (Discord's `preferred_locale`, e.g. `zh-CN`); default `en-US`, as for a new server. */
  preferredLocale?: string;
}

export interface RecordedRequest {
  method: string;
  /** After `/api/v10`, percent-decoded: `/webhooks/1/tok/messages/@original`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; for multipart, the parsed `payload_json` (files are in `files`). */
  body: unknown;
  /** Uploaded files of a multipart request (empty for JSON requests). */
  files: RecordedFile[];
  /** performance.now() when the request reached the fake (before any simulated latency). */
  at: number;
  /** The status the fake answered with (set once the response has been decided). */
  status?: number;
}

/** A REST response as the fake sent it, beside the request it answered. */
export interface ObservedExchange {
  request: RecordedRequest;
  response: {
    status: number;
    headers: Record<string, string>;
    /** The JSON body, or undefined when the response had none (204). */
    body: unknown;
  };
}

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  /** Current content (after edits). */
  content: string;
  /** Content history, first = original; one entry per edit that carried `content`. */
  edits: string[];
  /** As the bot sent it (only for messages created through REST). */
  allowed_mentions?: unknown;
  /** As stored on the message (Discord drops it when `fail_if_not_exists: false` misses). */
  message_reference?: unknown;
  deleted?: boolean;
  /** Ephemeral interaction responses never appear in a channel's history. */
  ephemeral: boolean;
  /** A snapshot of the full message object as REST returns it now. */
  payload: Record<string, unknown>;
}

export interface FakeCommandOption {
  name: string;
  /** ApplicationCommandOptionType: 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role, 10 number; 1/2 sub-commands. */
  type: number;
  value?: string | number | boolean;
  /** Nested options of a sub-command (type 1) or group (type 2). */
  options?: FakeCommandOption[];
  focused?: boolean;
  /**
   * For an attachment option (type 11): the file the user picked. The fake uploads it to its CDN
   * route, as the Discord client does before sending the command, and puts its id in `value` and
   * its description in `data.resolved.attachments`.
   */
  attachment?: FakeAttachmentInput;
}

/** A user clicks a button on a message an interaction's response shows (MESSAGE_COMPONENT). */
export interface FakeButtonClick {
  /** The interaction whose shown response carries the button. */
  on: FakeInteraction;
  customId: string;
  /** Who clicks; default the user of `on`. Only they see an ephemeral response, so only they can click it. */
  user?: FakeUser;
  locale?: string;
  permissions?: string;
}

export interface FakeUserMessageInput {
  channelId: string;
  author: FakeUser;
  content: string;
  /**
   * Adds the bot to `mentions`. A real mention is written in the content, so `<@BOT_ID> ` is
   * prepended when absent, except for a reply to one of the bot's messages: that is a reply
   * ping, which Discord lists in `mentions` without touching the content.
   */
  mentionBot?: boolean;
  mentions?: FakeUser[];
  mentionEveryone?: boolean;
  mentionRoles?: string[];
  /** Message id in the same channel: sets message_reference + referenced_message and type 19. */
  replyTo?: string;
  /** Makes it a webhook message: author.id becomes the webhook id, `bot: true`, no member. */
  webhookId?: string;
  type?: number;
  attachments?: FakeAttachmentInput[];
  /** The author's roles in the guild (sets them on the member, as Discord's `member.roles`). */
  memberRoles?: string[];
  /** The author's server nickname (`member.nick`). */
  nick?: string;
}

/**
 * A file a user attaches. With `content`, the fake stores the bytes on its CDN route
 * (`GET /attachments/:channelId/:attachmentId/:filename`, as cdn.discordapp.com lays it out) and
 * fills in `id`, `size`, `url`, `proxy_url`, `content_type` (from the extension when not given)
 * and, for PNGs, `width`/`height`, as Discord does. With `size` and `url`, the attachment only
 * describes a file served elsewhere (or nowhere).
 */
export type FakeAttachmentInput =
  | {
      filename: string;
      content: string | Buffer;
      content_type?: string;
      /** Image dimensions; read from the bytes for PNGs. */
      width?: number;
      height?: number;
    }
  | { filename: string; content_type?: string; size: number; url: string };

export interface FakeCommandInput {
  channelId: string;
  user: FakeUser;
  name: string;
  options?: FakeCommandOption[];
  /** Member permission bitfield as a string; default all: '2199023255551'. */
  permissions?: string;
  memberRoles?: string[];
  /** Defaults to the id the bot registered for this name, else a fresh snowflake. */
  commandId?: string;
  /** The user's client language (`zh-CN`, `en-US`, …; default `en-US`); the guild's comes from its spec. */
  locale?: string;
}

export interface FakeInteractionReply {
  content: string;
  ephemeral: boolean;
  embeds: unknown[];
  /** Files sent with it, as Discord describes them (`url` serves the bytes, as the CDN would). */
  attachments: Array<{ id: string; filename: string; size: number; url: string; content_type?: string }>;
  /** Its message components (action rows of buttons), as the bot sent them. */
  components: unknown[];
  /** The id of the message shown. */
  messageId: string;
}

export interface FakeInteraction {
  id: string;
  token: string;
  /** POST /interactions/:id/:token/callback bodies (for multipart, the payload_json). */
  callbacks: Array<{ type: number; data?: Record<string, unknown> }>;
  /** PATCH /webhooks/:app/:token/messages/@original bodies. */
  edits: Array<Record<string, unknown>>;
  /** POST /webhooks/:app/:token bodies. */
  followUps: Array<Record<string, unknown>>;
  /** The original response and follow-ups as messages (ephemeral ones included), in creation order. */
  messages: FakeMessage[];
  /** The INTERACTION_CREATE `d` as dispatched. */
  payload: APIChatInputApplicationCommandInteraction | APIMessageComponentButtonInteraction;
  /** What the user sees last: the last separate follow-up, else the original response; undefined while only "thinking". */
  reply(): FakeInteractionReply | undefined;
}

export interface FailureSpec {
  status: number;
  /** Discord JSON error code; defaults to 0. */
  code?: number;
  message?: string;
  /** Seconds, as Discord's `retry_after` (429 only; default 1). */
  retryAfter?: number;
  /** 429 only: mark as the global rate limit (`global: true`, `X-RateLimit-Global`). */
  global?: boolean;
}

export interface FakeDiscordOptions {
  /** Added to every REST response (half before handling, half after), to simulate network latency. */
  restLatencyMs?: number;
  /** The bot token the client must present; default 'fake-token'. */
  token?: string;
  botUsername?: string;
  /** How long after dispatch an interaction may still be acknowledged; Discord's is 3000. */
  interactionAckTimeoutMs?: number;
  /** HELLO's heartbeat_interval; default 41250 like Discord. */
  heartbeatIntervalMs?: number;
  /**
   * Per-bucket window reported in X-RateLimit-* headers and enforced with 429s. Default
   * 50 per 1000 ms (generous: Discord's message create is 5 per 5 s per channel).
   */
  rateLimit?: { limit: number; windowMs: number };
  /** Privileged intents enabled for the app (bitfield); default all (GuildMembers|GuildPresences|MessageContent). */
  enabledPrivilegedIntents?: number;
  /** The gateway URL GET /gateway and /gateway/bot hand out; default the fake's own gateway. */
  gatewayUrl?: string;
  /**
   * The `shards` GET /gateway/bot recommends. Default as Discord does: one shard per 1000 servers
   * the bot is in (at least one), counted when asked.
   */
  recommendedShards?: number;
  /**
   * Called once per REST exchange under /api/v10, after the response was written (the contract
   * tests validate each one against Discord's API description). CDN downloads are not included.
   */
  observe?: (exchange: ObservedExchange) => void;
}

/**
 * Discord's rules for message bodies the bot sends (create, edit, interaction responses,
 * webhooks): field types, length limits, "empty message", and which mentions take effect.
 * Errors are Discord's own codes and `errors` shapes, so the bot's error handling is tested
 * against what it will really see.
 */
import type { APIAttachment, APIEmbed } from 'discord-api-types/v10';
import type { FakeUser } from './types.js';
import { errors, formError, isRecord } from './wire.js';

export const MAX_CONTENT = 2000;

/** A message body after type checks; a key is present only when the request carried it. */
export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
  tts?: boolean;
  nonce?: string | number;
  enforceNonce?: boolean;
  allowedMentions?: Record<string, unknown>;
  messageReference?: Record<string, unknown>;
  flags?: number;
  components?: unknown[];
  /** Attachment descriptors from the body (`{ id, description… }`), matched to uploaded files. */
  attachments?: Array<Record<string, unknown>>;
  stickerIds?: string[];
  poll?: unknown;
}

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/**
 * Reads a message body as Discord would. `prefix` nests form errors (interaction callbacks
 * report `data.content`, not `content`).
 */
export function parseMessageBody(raw: unknown, prefix: ReadonlyArray<string> = []): MessageBody {
  const body = isRecord(raw) ? raw : {};
  const out: MessageBody = {};
  const at = (field: string): string[] => [...prefix, field];

  if (body['content'] !== undefined) {
    const content = body['content'];
    if (content === null) out.content = '';
    else if (typeof content === 'string') out.content = content;
    else throw formError(at('content'), 'BASE_TYPE_STRING', 'Must be a string.');
    // Discord counts characters, not UTF-16 units, against the limit.
    if ([...out.content].length > MAX_CONTENT) {
      throw formError(at('content'), 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT} or fewer in length.`);
    }
  }
  if (body['embeds'] !== undefined && body['embeds'] !== null) {
    out.embeds = parseEmbeds(body['embeds'], at('embeds'));
  }
  if (typeof body['tts'] === 'boolean') out.tts = body['tts'];
  const nonce = body['nonce'];
  if (typeof nonce === 'string' || typeof nonce === 'number') {
    if (String(nonce).length > 25) throw formError(at('nonce'), 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    out.nonce = nonce;
  }
  if (body['enforce_nonce'] === true) out.enforceNonce = true;
  if (isRecord(body['allowed_mentions'])) out.allowedMentions = body['allowed_mentions'];
  if (isRecord(body['message_reference'])) out.messageReference = body['message_reference'];
  if (typeof body['flags'] === 'number') out.flags = body['flags'];
  if (Array.isArray(body['components'])) out.components = body['components'];
  if (Array.isArray(body['attachments'])) out.attachments = body['attachments'].filter(isRecord);
  if (Array.isArray(body['sticker_ids'])) out.stickerIds = body['sticker_ids'].map(String);
  if (body['poll'] !== undefined && body['poll'] !== null) out.poll = body['poll'];
  return out;
}

const EMBED_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000 };

function parseEmbeds(raw: unknown, path: string[]): APIEmbed[] {
  if (!Array.isArray(raw)) throw formError(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (raw.length > 10) throw formError(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  const embeds = raw.map((item: unknown, index): APIEmbed => {
    if (!isRecord(item)) throw formError([...path, index], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    const text = (value: unknown, field: string[], max: number): number => {
      if (value === undefined || value === null) return 0;
      if (typeof value !== 'string') throw formError([...path, index, ...field], 'BASE_TYPE_STRING', 'Must be a string.');
      const length = [...value].length;
      if (length > max) throw formError([...path, index, ...field], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
      return length;
    };
    total += text(item['title'], ['title'], EMBED_LIMITS.title);
    total += text(item['description'], ['description'], EMBED_LIMITS.description);
    const footer = item['footer'];
    if (isRecord(footer)) total += text(footer['text'], ['footer', 'text'], EMBED_LIMITS.footer);
    const author = item['author'];
    if (isRecord(author)) total += text(author['name'], ['author', 'name'], EMBED_LIMITS.author);
    const fields = item['fields'];
    if (Array.isArray(fields)) {
      if (fields.length > EMBED_LIMITS.fields) {
        throw formError([...path, index, 'fields'], 'BASE_TYPE_MAX_LENGTH', `Must be ${EMBED_LIMITS.fields} or fewer in length.`);
      }
      fields.forEach((field: unknown, f) => {
        if (!isRecord(field)) return;
        total += text(field['name'], ['fields', String(f), 'name'], EMBED_LIMITS.fieldName);
        total += text(field['value'], ['fields', String(f), 'value'], EMBED_LIMITS.fieldValue);
      });
    }
    // Discord stores embeds from bots as "rich" and echoes back what it kept.
    return { type: 'rich', ...item } as APIEmbed;
  });
  if (total > EMBED_LIMITS.total) throw formError(path, 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  return embeds;
}

/** Discord refuses a message with nothing visible in it (whitespace-only content counts as nothing). */
export function assertNotEmpty(shape: {
  content: string;
  embeds: readonly unknown[];
  attachments: readonly unknown[];
  stickerIds?: readonly string[] | undefined;
  components?: readonly unknown[] | undefined;
  poll?: unknown;
}): void {
  const hasSomething =
    shape.content.trim().length > 0 ||
    shape.embeds.length > 0 ||
    shape.attachments.length > 0 ||
    (shape.stickerIds?.length ?? 0) > 0 ||
    (shape.components?.length ?? 0) > 0 ||
    shape.poll !== undefined;
  if (!hasSomething) throw errors.emptyMessage();
}

/** Builds the attachment objects Discord returns for uploaded files. */
export function attachmentsFor(
  files: readonly UploadedFile[],
  descriptors: ReadonlyArray<Record<string, unknown>> | undefined,
  nextId: () => string,
  urlFor: (id: string, filename: string, file: UploadedFile) => string,
): APIAttachment[] {
  return files.map((file, index) => {
    const match = /^files\[(\d+)\]$/.exec(file.field);
    const key = match?.[1] ?? String(index);
    const descriptor = descriptors?.find((d) => String(d['id']) === key);
    const id = nextId();
    const filename = typeof descriptor?.['filename'] === 'string' ? descriptor['filename'] : file.filename;
    const url = urlFor(id, filename, file);
    const attachment: APIAttachment = {
      id,
      filename,
      size: file.data.length,
      url,
      proxy_url: url,
      content_type: file.contentType,
    };
    if (typeof descriptor?.['description'] === 'string') attachment.description = descriptor['description'];
    return attachment;
  });
}

const USER_MENTION = /<@!?(\d{1,20})>/g;
const ROLE_MENTION = /<@&(\d{1,20})>/g;

export interface ContentMentions {
  userIds: string[];
  roleIds: string[];
  everyone: boolean;
}

export function parseContentMentions(content: string): ContentMentions {
  const unique = (ids: Iterable<string>): string[] => [...new Set(ids)];
  return {
    userIds: unique(Array.from(content.matchAll(USER_MENTION), (m) => m[1] ?? '')),
    roleIds: unique(Array.from(content.matchAll(ROLE_MENTION), (m) => m[1] ?? '')),
    everyone: /@(everyone|here)\b/.test(content),
  };
}

export interface ResolvedMentions {
  users: FakeUser[];
  roleIds: string[];
  everyone: boolean;
}

/**
 * Which mentions in a bot's message take effect (they fill `mentions`, `mention_roles`,
 * `mention_everyone`). Without `allowed_mentions` everything parses and a reply pings its
 * author; with it, only what it allows, and the replied author only with `replied_user: true`.
 */
export function resolveMentions(input: {
  content: string;
  allowedMentions: Record<string, unknown> | undefined;
  repliedAuthor: FakeUser | undefined;
  knownUser: (id: string) => FakeUser | undefined;
  guildRoleIds: readonly string[] | undefined;
  inGuild: boolean;
}): ResolvedMentions {
  const parsed = parseContentMentions(input.content);
  const allowed = input.allowedMentions;
  const roleExists = (id: string): boolean => input.guildRoleIds?.includes(id) ?? false;

  let userIds = parsed.userIds;
  let roleIds = parsed.roleIds.filter(roleExists);
  let everyone = parsed.everyone && input.inGuild;
  let pingReplied = input.repliedAuthor !== undefined;

  if (allowed !== undefined) {
    const parse = stringList(allowed['parse'], 'parse');
    const users = stringList(allowed['users'], 'users');
    const roles = stringList(allowed['roles'], 'roles');
    if (parse.includes('users') && users.length > 0) {
      throw formError(['allowed_mentions'], 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["users"] and users: [${users.join(', ')}] are mutually exclusive.`);
    }
    if (parse.includes('roles') && roles.length > 0) {
      throw formError(['allowed_mentions'], 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["roles"] and roles: [${roles.join(', ')}] are mutually exclusive.`);
    }
    userIds = userIds.filter((id) => parse.includes('users') || users.includes(id));
    roleIds = roleIds.filter((id) => parse.includes('roles') || roles.includes(id));
    everyone = everyone && parse.includes('everyone');
    pingReplied = pingReplied && allowed['replied_user'] === true;
  }

  const mentioned = userIds.map(input.knownUser).filter((u): u is FakeUser => u !== undefined);
  if (pingReplied && input.repliedAuthor && !mentioned.some((u) => u.id === input.repliedAuthor?.id)) {
    mentioned.push(input.repliedAuthor);
  }
  return { users: mentioned, roleIds, everyone };
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw formError(['allowed_mentions', field], 'BASE_TYPE_ARRAY', 'Must be an array.');
  return value.map(String);
}

/** Message flags a bot may set when sending: SUPPRESS_EMBEDS, EPHEMERAL (interactions), SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
export function sendableFlags(flags: number | undefined, allowEphemeral: boolean): number {
  if (flags === undefined) return 0;
  const allowed = 4 | 4096 | 32768 | (allowEphemeral ? 64 : 0);
  return flags & allowed;
}


/**
 * Slash-command interactions: the INTERACTION_CREATE payload, the callback endpoint with
 * Discord's acknowledgement rules (once, within the ack window), and the interaction webhook
 * (@original edits, follow-ups) — including the rule that the first follow-up after a deferral
 * fills in the "thinking…" message instead of posting a new one.
 */
import { parseMessageBody, sendableFlags } from './message-rules.js';
import type { Messaging } from './messaging.js';
import { noContent, ok, type RestContext, type RestResult, type Route } from './rest-server.js';
import type { FakeCommandInput, FakeCommandOption, FakeInteraction, FakeInteractionReply, FakeUser } from './types.js';
import { DiscordHttpError, errors, formError, isRecord, recordOrEmpty } from './wire.js';
import { ALL_PERMISSIONS, type FakeWorld, type StoredChannel, type StoredMessage, userToApi } from './world.js';

const EPHEMERAL = 64;
const LOADING = 128;
/** Interaction tokens work for 15 minutes. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

export class InteractionRecord implements FakeInteraction {
  readonly callbacks: Array<{ type: number; data?: Record<string, unknown> }> = [];
  readonly edits: Array<Record<string, unknown>> = [];
  readonly followUps: Array<Record<string, unknown>> = [];
  readonly messages: StoredMessage[] = [];
  /** The original response (type 4 reply or type 5 "thinking" message). */
  original: StoredMessage | undefined;
  /** Follow-ups that became messages of their own. */
  readonly separateFollowUps: StoredMessage[] = [];
  acknowledged = false;

  constructor(
    readonly id: string,
    readonly token: string,
    /** Date.now() when INTERACTION_CREATE was dispatched; the ack window starts here. */
    readonly dispatchedAt: number,
    readonly channel: StoredChannel,
    readonly user: FakeUser,
    readonly name: string,
    /** `interaction_metadata` for the messages this interaction creates. */
    readonly metadata: Record<string, unknown>,
    /** The full INTERACTION_CREATE `d` as dispatched. */
    readonly payload: Record<string, unknown>,
  ) {}

  get loading(): boolean {
    return this.original !== undefined && ((this.original.api.flags ?? 0) & LOADING) !== 0;
  }

  reply(): FakeInteractionReply | undefined {
    const followUp = this.separateFollowUps.filter((m) => m.deleted !== true).at(-1);
    const shown = followUp ?? (this.original && this.original.deleted !== true && !this.loading ? this.original : undefined);
    if (!shown) return undefined;
    return {
      content: shown.content,
      ephemeral: ((shown.api.flags ?? 0) & EPHEMERAL) !== 0,
      embeds: shown.api.embeds,
    };
  }
}

export interface InteractionHost {
  readonly world: FakeWorld;
  readonly messaging: Messaging;
  readonly applicationId: string;
  readonly ackTimeoutMs: number;
  readonly interactions: ReadonlyMap<string, InteractionRecord>;
}

/** The INTERACTION_CREATE `d` for a chat-input command, shaped as discord.js 14.28 needs it. */
export function chatInputPayload(input: {
  world: FakeWorld;
  applicationId: string;
  id: string;
  token: string;
  commandId: string;
  channel: StoredChannel;
  command: FakeCommandInput;
}): Record<string, unknown> {
  const { world, channel, command } = input;
  const user = userToApi(command.user);
  const data: Record<string, unknown> = { id: input.commandId, name: command.name, type: 1 };
  if (command.options !== undefined) data['options'] = command.options.map(optionJson);
  const resolved = resolvedFor(world, channel, command.options ?? []);
  if (resolved) data['resolved'] = resolved;

  const payload: Record<string, unknown> = {
    id: input.id,
    application_id: input.applicationId,
    type: 2,
    token: input.token,
    version: 1,
    data,
    channel_id: channel.id,
    locale: command.locale ?? 'en-US',
    app_permissions: ALL_PERMISSIONS,
    entitlements: [],
    attachment_size_limit: 10 * 1024 * 1024,
  };
  const channelJson = world.channelJson(channel);
  if (channel.guildId !== undefined) {
    const permissions = command.permissions ?? ALL_PERMISSIONS;
    world.ensureMember(channel.guildId, command.user, command.memberRoles);
    const member = world.memberJson(channel.guildId, command.user.id, true) ?? {};
    payload['guild_id'] = channel.guildId;
    payload['guild'] = { id: channel.guildId, locale: 'en-US', features: [] };
    payload['guild_locale'] = 'en-US';
    payload['member'] = { ...member, permissions };
    payload['channel'] = { ...channelJson, permissions };
    payload['authorizing_integration_owners'] = { '0': channel.guildId };
    payload['context'] = 0;
  } else {
    payload['user'] = user;
    payload['channel'] = channelJson;
    // A guild-installed app used in its bot's DM: Discord writes the owner as "0".
    payload['authorizing_integration_owners'] = { '0': '0' };
    payload['context'] = 1;
  }
  return payload;
}

function optionJson(option: FakeCommandOption): Record<string, unknown> {
  const json: Record<string, unknown> = { name: option.name, type: option.type };
  if (option.value !== undefined) json['value'] = option.value;
  if (option.options !== undefined) json['options'] = option.options.map(optionJson);
  if (option.focused !== undefined) json['focused'] = option.focused;
  return json;
}

/** `data.resolved` for user/channel/role/mentionable options the fake knows about. */
function resolvedFor(world: FakeWorld, channel: StoredChannel, options: FakeCommandOption[]): Record<string, unknown> | undefined {
  const users: Record<string, unknown> = {};
  const members: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const roles: Record<string, unknown> = {};
  const guild = channel.guildId === undefined ? undefined : world.guilds.get(channel.guildId);
  const visit = (option: FakeCommandOption): void => {
    option.options?.forEach(visit);
    const id = String(option.value ?? '');
    if (option.type === 6 || option.type === 9) {
      const user = world.users.get(id);
      if (user) {
        users[id] = userToApi(user);
        const member = guild ? world.memberJson(guild.id, id, false) : undefined;
        if (member) members[id] = { ...member, permissions: ALL_PERMISSIONS };
      }
    }
    if (option.type === 7) {
      const target = world.channels.get(id);
      if (target) {
        const json = world.channelJson(target);
        channels[id] = { id, name: json['name'], type: json['type'], permissions: ALL_PERMISSIONS, ...(json['parent_id'] ? { parent_id: json['parent_id'] } : {}) };
      }
    }
    if (option.type === 8 || option.type === 9) {
      const role = guild?.roles.find((r) => r.id === id);
      if (role) roles[id] = world.roleJson(role);
    }
  };
  options.forEach(visit);
  const resolved: Record<string, unknown> = {};
  if (Object.keys(users).length > 0) resolved['users'] = users;
  if (Object.keys(members).length > 0) resolved['members'] = members;
  if (Object.keys(channels).length > 0) resolved['channels'] = channels;
  if (Object.keys(roles).length > 0) resolved['roles'] = roles;
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

export function interactionRoutes(host: InteractionHost): Route[] {
  return [
    { method: 'POST', path: '/interactions/:interaction/:token/callback', auth: false, handle: (ctx) => callback(host, ctx) },
    { method: 'POST', path: '/webhooks/:webhook/:token', auth: false, handle: (ctx) => followUp(host, ctx) },
    { method: 'GET', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => getWebhookMessage(host, ctx) },
    { method: 'PATCH', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => editWebhookMessage(host, ctx) },
    { method: 'DELETE', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => deleteWebhookMessage(host, ctx) },
  ];
}

async function callback(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = host.interactions.get(ctx.params['interaction'] ?? '');
  if (!record || record.token !== ctx.params['token']) throw errors.unknownInteraction();
  if (record.acknowledged) throw errors.alreadyAcknowledged();
  if (Date.now() - record.dispatchedAt > host.ackTimeoutMs) throw errors.unknownInteraction();

  const body = recordOrEmpty(ctx.body);
  const type = body['type'];
  const data = isRecord(body['data']) ? body['data'] : undefined;
  if (typeof type !== 'number') throw formError(['type'], 'BASE_TYPE_REQUIRED', 'This field is required');

  switch (type) {
    case 4: {
      const parsed = parseMessageBody(data, ['data']);
      const flags = sendableFlags(parsed.flags, true);
      const message = host.messaging.createBotMessage({
        channel: record.channel,
        body: parsed,
        files: ctx.files,
        flags,
        type: 20,
        extra: interactionFields(host, record),
        ephemeral: (flags & EPHEMERAL) !== 0,
        webhookId: host.applicationId,
      });
      record.original = message;
      record.messages.push(message);
      break;
    }
    case 5: {
      // Only EPHEMERAL is meaningful on a deferral; Discord shows "thinking…" until an edit.
      const ephemeral = ((typeof data?.['flags'] === 'number' ? data['flags'] : 0) & EPHEMERAL) !== 0;
      const message = host.world.createMessage({
        channel: record.channel,
        author: host.world.botUser,
        content: '',
        flags: LOADING | (ephemeral ? EPHEMERAL : 0),
        type: 20,
        webhookId: host.applicationId,
        applicationId: host.applicationId,
        extra: interactionFields(host, record),
        ephemeral,
      });
      record.original = message;
      record.messages.push(message);
      break;
    }
    case 9:
      // A modal acknowledges without creating a message.
      break;
    default:
      // PONG, UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE and autocomplete results do not apply to a slash command.
      throw new DiscordHttpError(400, {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction.' }] } },
      });
  }

  record.acknowledged = true;
  record.callbacks.push(data === undefined ? { type } : { type, data });
  if (record.original) await host.messaging.dispatchMessage('MESSAGE_CREATE', record.original);

  if (ctx.query.get('with_response') !== 'true') return noContent();
  const original = record.original;
  const interaction: Record<string, unknown> = { id: record.id, type: 2 };
  if (original) {
    interaction['response_message_id'] = original.id;
    interaction['response_message_loading'] = ((original.api.flags ?? 0) & LOADING) !== 0;
    interaction['response_message_ephemeral'] = original.ephemeral;
  }
  const resource: Record<string, unknown> = { type };
  if (original) resource['message'] = original.payload;
  return ok({ interaction, resource });
}

function interactionFields(host: InteractionHost, record: InteractionRecord): Record<string, unknown> {
  const user = userToApi(record.user);
  return {
    interaction_metadata: record.metadata,
    // The deprecated `interaction` field is still sent alongside.
    interaction: { id: record.id, type: 2, name: record.name, user },
    application_id: host.applicationId,
  };
}

/** Resolves the interaction behind a webhook route, with Discord's errors for bad ones. */
function webhookRecord(host: InteractionHost, ctx: RestContext): InteractionRecord {
  const token = ctx.params['token'] ?? '';
  let record: InteractionRecord | undefined;
  for (const candidate of host.interactions.values()) if (candidate.token === token) record = candidate;
  if (!record || ctx.params['webhook'] !== host.applicationId || !record.acknowledged) {
    throw errors.unknownWebhook();
  }
  if (Date.now() - record.dispatchedAt > TOKEN_LIFETIME_MS) {
    throw new DiscordHttpError(401, { message: 'Invalid Webhook Token', code: 50027 });
  }
  return record;
}

function webhookMessage(record: InteractionRecord, id: string): StoredMessage {
  const message =
    id === '@original' ? record.original : [record.original, ...record.separateFollowUps].find((m) => m?.id === id);
  if (!message || message.deleted === true) throw errors.unknownMessage();
  return message;
}

async function followUp(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const parsed = parseMessageBody(ctx.body);
  const original = record.original;
  if (original?.deleted === true && record.loading) throw errors.unknownMessage();

  if (original && record.loading) {
    // The first follow-up after a deferral replaces "thinking…"; the deferral decided ephemerality.
    const flags = ((original.api.flags ?? 0) & ~LOADING) | (sendableFlags(parsed.flags, false) & ~EPHEMERAL);
    host.messaging.editBotMessage(original, { ...parsed, content: parsed.content ?? '' }, ctx.files, flags);
    record.followUps.push(recordOrEmpty(ctx.body));
    await host.messaging.dispatchMessage('MESSAGE_UPDATE', original);
    return ok(original.payload);
  }

  const flags = sendableFlags(parsed.flags, true);
  const message = host.messaging.createBotMessage({
    channel: record.channel,
    body: parsed,
    files: ctx.files,
    flags,
    ephemeral: (flags & EPHEMERAL) !== 0,
    webhookId: host.applicationId,
  });
  record.followUps.push(recordOrEmpty(ctx.body));
  record.separateFollowUps.push(message);
  record.messages.push(message);
  await host.messaging.dispatchMessage('MESSAGE_CREATE', message);
  return ok(message.payload);
}

function getWebhookMessage(host: InteractionHost, ctx: RestContext): RestResult {
  const record = webhookRecord(host, ctx);
  return ok(webhookMessage(record, ctx.params['message'] ?? '').payload);
}

async function editWebhookMessage(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const id = ctx.params['message'] ?? '';
  const message = webhookMessage(record, id);
  const parsed = parseMessageBody(ctx.body);
  // Ephemerality cannot change after the fact; an edit does end the loading state.
  const kept = (message.api.flags ?? 0) & EPHEMERAL;
  const flags = kept | (sendableFlags(parsed.flags ?? (message.api.flags ?? 0), false) & ~EPHEMERAL & ~LOADING);
  host.messaging.editBotMessage(message, parsed, ctx.files, flags);
  if (message === record.original) record.edits.push(recordOrEmpty(ctx.body));
  await host.messaging.dispatchMessage('MESSAGE_UPDATE', message);
  return ok(message.payload);
}

async function deleteWebhookMessage(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const message = webhookMessage(record, ctx.params['message'] ?? '');
  message.deleted = true;
  if (!message.ephemeral) await host.messaging.dispatchDelete(message);
  return noContent();
}

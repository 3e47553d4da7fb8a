import { cleanContent, type Message, MessageType } from 'discord.js';
import type { AppContext } from '../app-context.js';
import { type AttachmentRules, readAttachments } from '../adapters/discord/attachments.js';
import { quoteOf, repliedToOther } from '../adapters/discord/reply-context.js';
import { DiscordReplySink } from '../adapters/discord/reply-sink.js';
import type { Question } from '../engine/engine.js';
import { askerOf } from './access.js';

/**
 * Whether a message asks the bot something: it mentions the bot's user (not @everyone, @here or a
 * role), replies to one of the bot's messages, or is in a DM with the bot. Bots (the bot itself
 * included), webhooks and system messages never do.
 */
export function isForBot(message: Message, botId: string): boolean {
  if (!isFromPerson(message)) return false;
  if (message.channel.isDMBased()) return true;
  if (message.mentions.users.has(botId)) return true;
  return message.mentions.repliedUser?.id === botId;
}

/** A person's own message: not a bot's (the bot's own included), a webhook's or the system's. */
export function isFromPerson(message: Message): boolean {
  if (message.author.bot || message.webhookId !== null || message.system) return false;
  return message.type === MessageType.Default || message.type === MessageType.Reply;
}

/**
 * Whether a message not addressed to the bot is answered anyway: the channel (a thread is a
 * channel of its own) has listen mode on, and the message says something.
 */
async function heardInListenMode(ctx: AppContext, message: Message): Promise<boolean> {
  if (!isFromPerson(message)) return false;
  if (message.content.trim() === '' && message.attachments.size === 0) return false;
  try {
    const session = await ctx.engine.memory.read(message.channelId);
    return session.settings.listen === true;
  } catch (error) {
    // A store that cannot be read answers nobody; mentions still get their own error reply.
    ctx.logger.warn({ err: error, session: message.channelId }, 'could not read whether this channel listens; the message was not answered');
    return false;
  }
}

/**
 * The text the model should see: the bot's own mention removed, other mentions turned into
 * readable names (the model cannot resolve ids).
 */
export function questionText(message: Message, botId: string): string {
  let text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ');
  // The @everyone role has the server's id and is named "@everyone": cleanContent's "@" + name
  // would make it "@@everyone".
  if (message.guildId !== null) text = text.replaceAll(`<@&${message.guildId}>`, '@everyone');
  return cleanContent(text, message.channel).replace(/[ \t]{2,}/g, ' ').trim();
}

export function toQuestion(message: Message, botId: string, rules: AttachmentRules): Question {
  const attachments = [...message.attachments.values()];
  const replies = message.reference?.messageId !== undefined;
  return {
    sessionKey: message.channelId,
    asker: askerOf({
      userId: message.author.id,
      guildId: message.guildId,
      channel: message.channel,
      channelId: message.channelId,
      member: message.member,
    }),
    authorName: message.member?.displayName ?? message.author.displayName,
    content: questionText(message, botId),
    sourceId: message.id,
    place: {
      server: message.guild?.name ?? '',
      channel: 'name' in message.channel && message.channel.name !== null ? message.channel.name : '',
      bot: message.guild?.members.me?.displayName ?? message.client.user.displayName,
    },
    ...(attachments.length === 0 && !replies
      ? {}
      : {
          attachments: async () => {
            const read = await readAttachments(attachments, { ...rules, timeoutMs: ATTACHMENT_TIMEOUT_MS });
            // A reply to someone else's message brings that message in, quoted, before the files.
            const referenced = replies ? await repliedToOther(message, botId) : undefined;
            const quote = referenced === undefined ? '' : await quoteOf(referenced, { ...rules, timeoutMs: ATTACHMENT_TIMEOUT_MS });
            return { text: quote + read.text, images: read.images.map((i) => i.url), notes: read.notes };
          },
        }),
  };
}

const ATTACHMENT_TIMEOUT_MS = 10_000;

export function onMessageCreate(ctx: AppContext) {
  return async (message: Message): Promise<void> => {
    const botId = message.client.user.id;
    if (!isForBot(message, botId) && !(await heardInListenMode(ctx, message))) return;
    const sink = new DiscordReplySink(message, {
      editIntervalMs: ctx.editIntervalMs,
      typingDelayMs: ctx.typingDelayMs,
      logger: ctx.logger,
      // Everyone in a channel reads the failure, so it is in the server's language, not the asker's.
      locale: message.guild?.preferredLocale,
    });
    const rules = { maxTextBytes: ctx.config.MAX_ATTACHMENT_BYTES, vision: ctx.config.VISION };
    // Access and rate limits are the engine's preconditions; a mention from outside the allowed set is ignored there.
    const outcome = await ctx.engine.ask(toQuestion(message, botId, rules), sink);
    ctx.logger.debug({ session: message.channelId, message: message.id, outcome }, 'mention handled');
  };
}

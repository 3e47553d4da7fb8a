import { cleanContent, type Message, MessageType } from 'discord.js';
import type { AppContext } from '../app-context.js';
import { type AttachmentRules, readAttachments } from '../adapters/discord/attachments.js';
import { DiscordReplySink } from '../adapters/discord/reply-sink.js';
import type { Question } from '../engine/engine.js';
import { askerOf } from './access.js';

/**
 * Whether a message asks the bot something: it mentions the bot's user (not @everyone, @here or a
 * role), replies to one of the bot's messages, or is in a DM with the bot. Bots (the bot itself
 * included), webhooks and system messages never do.
 */
export function isForBot(message: Message, botId: string): boolean {
  if (message.author.bot || message.webhookId !== null || message.system) return false;
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return false;
  if (message.channel.isDMBased()) return true;
  if (message.mentions.users.has(botId)) return true;
  return message.mentions.repliedUser?.id === botId;
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
    ...(attachments.length === 0
      ? {}
      : {
          attachments: async () => {
            const read = await readAttachments(attachments, { ...rules, timeoutMs: ATTACHMENT_TIMEOUT_MS });
            return { text: read.text, images: read.images.map((i) => i.url), notes: read.notes };
          },
        }),
  };
}

const ATTACHMENT_TIMEOUT_MS = 10_000;

export function onMessageCreate(ctx: AppContext) {
  return async (message: Message): Promise<void> => {
    const botId = message.client.user.id;
    if (!isForBot(message, botId)) return;
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

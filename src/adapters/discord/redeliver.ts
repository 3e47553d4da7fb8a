import { type Client, DiscordAPIError, RESTJSONErrorCodes, Routes } from 'discord.js';
import type { PendingAnswer, Redeliver } from '../../engine/engine.js';
import { type DiscordLocale, finishedAfterRestartLine } from './presenter.js';
import { replyPieces } from './reply-sink.js';

/** Model output never pings anyone (the REST form of the reply sink's NO_PINGS). */
const NO_PINGS_BODY = { parse: [] } as const;

/** Discord's answers that mean the place an answer was asked in is gone for good (not a passing fault). */
const GONE = new Set<number>([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownGuild,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.ThreadLocked,
]);

/**
 * Shows in full, where it was asked, an answer stored before a crash cut its delivery short: the
 * messages it was already shown in are edited to the stored text (a line under it says so),
 * further pieces are sent, and if nothing was shown yet it is sent as a reply to the question.
 * Through the REST API by channel id, so a DM needs no channel fetched first. A session of a guild
 * this client does not serve (another shard's, the terminal's) is left to its owner.
 */
export function discordRedeliver(client: Client, locale: (channelId: string) => DiscordLocale): Redeliver {
  return async (answer: PendingAnswer) => {
    if (!ownedBy(client, answer.key)) return 'not_ours';
    const channelId = answer.key;
    const pieces = replyPieces(answer.reply.content, [finishedAfterRestartLine(locale(channelId))]);
    const shown = answer.reply.discordMessageIds;
    const questionId = answer.question?.discordMessageIds[0];
    try {
      for (const [i, content] of pieces.entries()) {
        const id = shown[i];
        if (id !== undefined && (await edited(client, channelId, id, content))) continue;
        const reply = i === 0 && questionId !== undefined ? { message_reference: { message_id: questionId, fail_if_not_exists: false } } : {};
        await client.rest.post(Routes.channelMessages(channelId), { body: { content, allowed_mentions: NO_PINGS_BODY, ...reply } });
      }
      for (const extra of shown.slice(pieces.length)) {
        await client.rest.delete(Routes.channelMessage(channelId, extra)).catch(() => undefined);
      }
      return 'delivered';
    } catch (error) {
      if (error instanceof DiscordAPIError && typeof error.code === 'number' && GONE.has(error.code)) return 'gone';
      throw error;
    }
  };
}

/** Edits a message the answer was shown in; false when it was deleted meanwhile (then it is sent anew). */
async function edited(client: Client, channelId: string, messageId: string, content: string): Promise<boolean> {
  try {
    await client.rest.patch(Routes.channelMessage(channelId, messageId), { body: { content, allowed_mentions: NO_PINGS_BODY } });
    return true;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage) return false;
    throw error;
  }
}

/**
 * Whether this client answers in the channel `key` names: a channel of one of its guilds (they
 * are cached once it is ready), or, not cached, a DM, which shard 0 serves.
 */
function ownedBy(client: Client, key: string): boolean {
  if (!/^\d{17,20}$/.test(key)) return false;
  if (client.channels.cache.has(key)) return true;
  const shards = client.options.shards;
  return shards === undefined || shards === 'auto' || (Array.isArray(shards) ? shards.includes(0) : shards === 0);
}

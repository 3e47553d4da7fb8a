/**
 * The floor under the bot section's figures: discord.js alone, answering every mention with the
 * fixed reply as soon as its MESSAGE_CREATE is handled (no session, tokens, context or model).
 * Same client options as the bot (createClient), same reply options; what the bot measures
 * above this is its own work.
 */
import { Events, type Message } from 'discord.js';
import { NO_PINGS } from '../src/adapters/discord/reply-sink.js';
import { createClient } from '../src/bot.js';

export interface FloorBot {
  /** Resolves when every reply started so far has been answered by Discord. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFloorBot(token: string, apiUrl: string | undefined, reply: string): Promise<FloorBot> {
  const client = createClient(apiUrl);
  const inFlight = new Set<Promise<unknown>>();
  client.on(Events.MessageCreate, (message: Message) => {
    if (message.author.bot || !message.mentions.users.has(message.client.user.id)) return;
    const sent = message.reply({ content: reply, allowedMentions: NO_PINGS }).catch((error: unknown) => {
      process.stderr.write(`floor bot: reply failed: ${String(error)}\n`);
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
  return {
    async drain() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop: () => client.destroy(),
  };
}

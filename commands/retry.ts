import { PermissionFlagsBits } from 'discord.js';
import { localizedCommand } from '../src/adapters/discord/command-builders.js';
import { notEnabledReply, retriedReply, retryFailedReply } from '../src/adapters/discord/presenter.js';
import { DiscordRetrySink } from '../src/adapters/discord/retry-sink.js';
import type { Command } from '../src/command.js';
import { askerOf } from '../src/events/access.js';

export default {
  // Registered for everyone: the person who asked may retry their own answer; the bot checks the rest.
  data: localizedCommand('retry'),
  visibility: () => ({ ephemeral: true }),
  async execute(interaction, ctx, respond) {
    const { channel, locale } = interaction;
    if (channel === null) throw new Error(`channel ${interaction.channelId} is not known to the client: the new answer has nowhere to go`);
    const sink = new DiscordRetrySink(channel, {
      editIntervalMs: ctx.editIntervalMs,
      typingDelayMs: ctx.typingDelayMs,
      logger: ctx.logger,
      // The new answer's notes are read by the whole channel, as any answer's are.
      locale: interaction.guild?.preferredLocale,
    });
    const outcome = await ctx.engine.retry(
      {
        sessionKey: interaction.channelId,
        asker: askerOf({
          userId: interaction.user.id,
          guildId: interaction.guildId,
          channel,
          channelId: interaction.channelId,
          member: interaction.member,
        }),
        // In a DM every round is the person's own; in a server, moderators may retry anyone's.
        moderator: interaction.guildId === null || interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true,
        place: {
          server: interaction.guild?.name ?? '',
          channel: 'name' in channel && channel.name !== null ? channel.name : '',
          bot: interaction.guild?.members.me?.displayName ?? interaction.client.user.displayName,
        },
      },
      sink,
    );
    if (outcome === 'answered') await respond(retriedReply(sink.regenerated?.authorName, locale), { ephemeral: true });
    else if (outcome === 'ignored') await respond(notEnabledReply(locale), { ephemeral: true });
    else await respond(retryFailedReply(sink.problem ?? { code: 'internal' }, locale), { ephemeral: true });
  },
} satisfies Command;

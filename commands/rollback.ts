import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { listMessages, plural } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { rounds } from '../src/domain/session.js';

export default {
  data: new SlashCommandBuilder()
    .setName('rollback')
    .setDescription('Remove the last rounds (a question and its answer) from this channel’s memory')
    .addIntegerOption((o) =>
      o.setName('count').setDescription('How many rounds to remove (default 1)').setMinValue(1).setMaxValue(1000),
    )
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const count = interaction.options.getInteger('count') ?? 1;
    const removed = await ctx.sessions.rollback(interaction.channelId, count);
    const removedRounds = rounds(removed).length;
    await interaction.reply({
      content: `↩️ Rolled back ${plural(removedRounds, 'round')} (${plural(removed.length, 'message')}):\n${listMessages(removed)}`,
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;

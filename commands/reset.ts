import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { plural } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';

export default {
  data: new SlashCommandBuilder()
    .setName('reset')
    .setDescription('Forget this channel’s conversation (pins too); settings stay')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const removed = await ctx.sessions.reset(interaction.channelId);
    const content =
      removed.length === 0
        ? '🧹 Memory of this channel was already empty.'
        : `🧹 Memory of this channel cleared: ${plural(removed.length, 'message')} forgotten. Settings are kept.`;
    await interaction.reply({ content, allowedMentions: { parse: [] } });
  },
} satisfies Command;

import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { describePinChange } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { parseIndices } from '../src/domain/indices.js';

export default {
  data: new SlashCommandBuilder()
    .setName('unpin')
    .setDescription('Unpin messages so the limit and token budget may trim them again')
    .addStringOption((o) =>
      o
        .setName('indices')
        .setDescription('Message indices from /history, e.g. "0 -1" (0 = oldest, -1 = newest)')
        .setRequired(true)
        .setMaxLength(400),
    )
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const indices = parseIndices(interaction.options.getString('indices', true));
    const change = await ctx.sessions.unpin(interaction.channelId, indices);
    await interaction.reply({ content: describePinChange(change, 'unpinned'), allowedMentions: { parse: [] } });
  },
} satisfies Command;

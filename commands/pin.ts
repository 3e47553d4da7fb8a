import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { describePinChange } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { parseIndices } from '../src/domain/indices.js';

export default {
  data: new SlashCommandBuilder()
    .setName('pin')
    .setDescription('Pin messages so trimming never removes them')
    .addStringOption((o) =>
      o
        .setName('indices')
        .setDescription('Message indices from /history, e.g. "0 -2 -1" (0 = oldest, -1 = newest)')
        .setRequired(true)
        .setMaxLength(400),
    )
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const indices = parseIndices(interaction.options.getString('indices', true));
    const change = await ctx.sessions.pin(interaction.channelId, indices);
    await interaction.reply({ content: describePinChange(change, 'pinned'), allowedMentions: { parse: [] } });
  },
} satisfies Command;

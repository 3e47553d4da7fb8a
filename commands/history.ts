import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { historyPage, historyPages } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { UserError } from '../src/domain/errors.js';

export default {
  data: new SlashCommandBuilder()
    .setName('history')
    .setDescription('List what this channel’s memory holds (only you see it)')
    .addIntegerOption((o) => o.setName('page').setDescription('Page 1 is the newest').setMinValue(1))
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const page = interaction.options.getInteger('page') ?? 1;
    const session = await ctx.sessions.read(interaction.channelId);
    const pages = historyPages(session.history.length);
    if (page > pages) {
      throw new UserError('bad_indices', `There ${pages === 1 ? 'is 1 page' : `are ${pages} pages`}; page ${page} does not exist.`);
    }
    const view = historyPage({ session, settings: ctx.sessions.settings(session), tokens: ctx.sessions.tokens, page });
    await interaction.reply({ content: view.content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies Command;

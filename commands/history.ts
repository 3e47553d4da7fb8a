import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { historyReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { historyView } from '../src/engine/history-view.js';

export default {
  data: new SlashCommandBuilder()
    .setName('history')
    .setDescription('List what this channel’s memory holds (only you see it)')
    .addIntegerOption((o) => o.setName('page').setDescription('Page 1 is the newest').setMinValue(1))
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, ctx) {
    const { memory } = ctx.engine;
    const session = await memory.read(interaction.channelId);
    const view = historyView(session, memory.settings(session), memory.tokens, interaction.options.getInteger('page') ?? 1, ctx.engine.answering(interaction.channelId));
    await interaction.reply({ content: historyReply(view), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies Command;

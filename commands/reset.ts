import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { resetReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';

export default {
  data: memoryCommand('reset'),
  async execute(interaction, ctx) {
    const removed = await ctx.engine.memory.reset(interaction.channelId);
    await interaction.reply({ content: resetReply(removed, interaction.locale), allowedMentions: { parse: [] } });
  },
} satisfies Command;

import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { rollbackReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_ROLLBACK, rounds } from '../src/domain/session.js';

export default {
  data: memoryCommand('rollback').addIntegerOption((o) => localizedOption('rollback', 'count')(o).setMinValue(1).setMaxValue(MAX_ROLLBACK)),
  async execute(interaction, ctx) {
    const removed = await ctx.engine.memory.rollback(interaction.channelId, interaction.options.getInteger('count') ?? 1);
    await interaction.reply({ content: rollbackReply(removed, rounds(removed).length, interaction.locale), allowedMentions: { parse: [] } });
  },
} satisfies Command;

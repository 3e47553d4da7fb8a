import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { rollbackReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_ROLLBACK, rounds } from '../src/domain/session.js';

export default {
  data: memoryCommand('rollback', 'Remove the last rounds (a question and its answer) from this channel’s memory')
    .addIntegerOption((o) =>
      o.setName('count').setDescription('How many rounds to remove (default 1)').setMinValue(1).setMaxValue(MAX_ROLLBACK),
    ),
  async execute(interaction, ctx) {
    const removed = await ctx.engine.memory.rollback(interaction.channelId, interaction.options.getInteger('count') ?? 1);
    await interaction.reply({ content: rollbackReply(removed, rounds(removed).length), allowedMentions: { parse: [] } });
  },
} satisfies Command;

import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { cancelledReply, rollbackReply, withCancelNote } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_ROLLBACK, rounds } from '../src/domain/session.js';

export default {
  data: memoryCommand('rollback', 'Remove the last rounds (a question and its answer) from this channel’s memory')
    .addIntegerOption((o) =>
      o.setName('count').setDescription('How many rounds to remove (default 1)').setMinValue(1).setMaxValue(MAX_ROLLBACK),
    ),
  async execute(interaction, ctx) {
    const count = interaction.options.getInteger('count') ?? 1;
    // The answer being written is the newest round on screen: cutting it off rolls it back (it was
    // never stored), and only the rest of the count comes out of memory.
    const cancelled = ctx.engine.cancel(interaction.channelId, 'rollback');
    const removed = cancelled && count === 1 ? [] : await ctx.engine.memory.rollback(interaction.channelId, cancelled ? count - 1 : count);
    const content = cancelled && count === 1 ? cancelledReply('rollback') : withCancelNote(rollbackReply(removed, rounds(removed).length), cancelled, 'rollback');
    await interaction.reply({ content, allowedMentions: { parse: [] } });
  },
} satisfies Command;

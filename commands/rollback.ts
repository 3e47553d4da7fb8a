import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { listMessages, plural } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { rounds } from '../src/domain/session.js';

export default {
  data: memoryCommand('rollback', 'Remove the last rounds (a question and its answer) from this channel’s memory')
    .addIntegerOption((o) =>
      o.setName('count').setDescription('How many rounds to remove (default 1)').setMinValue(1).setMaxValue(1000),
    ),
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

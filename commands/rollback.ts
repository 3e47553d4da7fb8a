import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { cancelledReply, rollbackReply, withCancelNote } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_ROLLBACK, rounds } from '../src/domain/session.js';

export default {
  data: memoryCommand('rollback').addIntegerOption((o) => localizedOption('rollback', 'count')(o).setMinValue(1).setMaxValue(MAX_ROLLBACK)),
  async execute(interaction, ctx, respond) {
    const { locale } = interaction;
    const count = interaction.options.getInteger('count') ?? 1;
    // The answer being written is the newest round on screen: cutting it off rolls it back (it was
    // never stored), and only the rest of the count comes out of memory.
    const cancelled = ctx.engine.cancel(interaction.channelId, 'rollback');
    const content =
      cancelled && count === 1
        ? cancelledReply('rollback', locale)
        : await ctx.engine.memory
            .rollback(interaction.channelId, cancelled ? count - 1 : count)
            .then((removed) => withCancelNote(rollbackReply(removed, rounds(removed).length, locale), cancelled, 'rollback', locale));
    await respond(content);
  },
} satisfies Command;

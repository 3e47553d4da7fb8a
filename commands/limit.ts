import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { limitSetReply, limitShownReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_LIMIT, MIN_LIMIT } from '../src/domain/session.js';

export default {
  data: memoryCommand('limit').addIntegerOption((o) => localizedOption('limit', 'messages')(o).setMinValue(MIN_LIMIT).setMaxValue(MAX_LIMIT)),
  visibility: (interaction) => ({ ephemeral: interaction.options.getInteger('messages') === null }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const key = interaction.channelId;
    const messages = interaction.options.getInteger('messages');
    if (messages === null) {
      const session = await memory.read(key);
      const pinned = session.history.filter((m) => m.pinned).length;
      await respond(limitShownReply(memory.settings(session).limit, session.history.length, pinned, interaction.locale), { ephemeral: true });
      return;
    }
    const removed = await memory.setLimit(key, messages);
    await respond(limitSetReply(messages, removed, interaction.locale));
  },
} satisfies Command;

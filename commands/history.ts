import { localizedCommand, localizedOption } from '../src/adapters/discord/command-builders.js';
import { historyReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { historyView } from '../src/engine/history-view.js';

export default {
  data: localizedCommand('history').addIntegerOption((o) => localizedOption('history', 'page')(o).setMinValue(1)),
  visibility: () => ({ ephemeral: true }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const session = await memory.read(interaction.channelId);
    const page = interaction.options.getInteger('page') ?? 1;
    const view = historyView(session, memory.settings(session), memory.tokens, page, ctx.engine.answering(interaction.channelId));
    await respond(historyReply(view, interaction.locale), { ephemeral: true });
  },
} satisfies Command;
